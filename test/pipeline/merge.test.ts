import { describe, expect, it } from 'vitest';
import { TileMerger } from '../../dist/src/pipeline/merge.js';
import { planTiles, tileRect } from '../../dist/src/tiling/plan.js';

const plan = planTiles(1536, 800, 800, 800, 64); // two tiles side by side, x0 = 0 and 736

describe('cross-tile merge', () => {
  it('keeps a vessel seen by both tiles once: the tile owning its centre reports it', () => {
    const m = new TileMerger(plan);
    const a = tileRect(plan, 0, 0);
    const b = tileRect(plan, 0, 1);
    // A 20 px vessel centred at x = 760 (inside both tiles; owned by the left tile: core ends at 768).
    m.add(a, [{ x1: 750, y1: 300, x2: 770, y2: 310, score: 0.9, cls: 0 }]);
    m.add(b, [{ x1: 750 - 736, y1: 300, x2: 770 - 736, y2: 310, score: 0.8, cls: 0 }]);
    const all = m.releaseAll();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ x1: 750, x2: 770, tile: a.id });
    expect(m.droppedNotOwned).toBe(1);
  });

  it('merges the two halves of a vessel longer than the overlap into their union', () => {
    const m = new TileMerger(plan);
    const a = tileRect(plan, 0, 0);
    const b = tileRect(plan, 0, 1);
    // A 200 px vessel from x = 690 to 890: the left tile sees 690–800, the right 736–890.
    m.add(a, [{ x1: 690, y1: 400, x2: 800, y2: 420, score: 0.7, cls: 0 }]);
    m.add(b, [{ x1: 0, y1: 400, x2: 890 - 736, y2: 420, score: 0.85, cls: 1 }]);
    const all = m.releaseAll();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ x1: 690, x2: 890, score: 0.85, cls: 1 });
    expect(m.merged).toBe(1);
  });

  it('releases a detection once no later tile row can touch it', () => {
    const p = planTiles(800, 3000, 800, 800, 64);
    const m = new TileMerger(p);
    m.add(tileRect(p, 0, 0), [{ x1: 10, y1: 10, x2: 20, y2: 20, score: 0.9, cls: 0 }]);
    expect(m.releaseBefore(1)).toHaveLength(0);
    expect(m.releaseBefore(2)).toHaveLength(1);
  });
});
