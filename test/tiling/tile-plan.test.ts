import { describe, expect, it } from 'vitest';
import { planTiles, tileCore, tileRect } from '../../dist/src/tiling/plan.js';

describe('tile plan', () => {
  it('covers the scene at stride tile − overlap, padding the edge tiles', () => {
    const p = planTiles(2000, 900, 800, 800, 64);
    expect([p.cols, p.rows, p.strideX]).toEqual([3, 2, 736]);
    const last = tileRect(p, 1, 2);
    expect(last).toMatchObject({ x0: 1472, y0: 736, w: 528, h: 164 });
  });

  it('uses one padded tile for a picture smaller than the tile', () => {
    const p = planTiles(500, 350, 800, 800, 64);
    expect(p.count).toBe(1);
    expect(tileRect(p, 0, 0)).toMatchObject({ w: 500, h: 350 });
  });

  it('gives every scene point exactly one owning tile', () => {
    const p = planTiles(3000, 2100, 800, 800, 64);
    for (let y = 0; y < 2100; y += 37) {
      for (let x = 0; x < 3000; x += 41) {
        let owners = 0;
        for (let r = 0; r < p.rows; r++) {
          for (let c = 0; c < p.cols; c++) {
            const t = tileRect(p, r, c);
            const core = tileCore(p, t);
            const inside = x >= t.x0 && x < t.x0 + t.w && y >= t.y0 && y < t.y0 + t.h;
            if (inside && x >= core.x0 && x < core.x1 && y >= core.y0 && y < core.y1) owners++;
          }
        }
        expect(owners).toBe(1);
      }
    }
  });

  it('refuses an overlap under 64 px or over half a tile', () => {
    expect(() => planTiles(1000, 1000, 800, 800, 32)).toThrow(/at least 64/);
    expect(() => planTiles(1000, 1000, 800, 800, 500)).toThrow(/at most half/);
  });
});
