/**
 * Read + normalise + tile alone, on the main thread (one core), over a
 * synthetic xView3 float32 scene. Peer: reading the same files' bytes with
 * plain fs reads in the same run, the floor any reader pays on this disk.
 * Target (issue 2): ≥ 150 MP/s.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadModelInfo } from '../../src/model/model-info.js';
import { XVIEW3_FILES } from '../../src/scene/xview3-scene.js';
import { BUNDLED_MODEL } from '../../src/cli/defaults.js';
import { timeInRounds } from '../../src/bench/rounds.js';
import { r2, verdict, type SuiteResult } from '../report.js';
import { syntheticScene } from '../../src/bench/scene-cache.js';
import { tilePass } from '../tile-pass.js';
import type { TileStreamStats } from '../../src/tiling/tile-stream.js';

export async function run(opts: { quick: boolean }): Promise<SuiteResult> {
  const side = opts.quick ? 3000 : 6000;
  const dir = syntheticScene(side, side, 11);
  const model = await loadModelInfo(BUNDLED_MODEL);
  const mp = (side * side) / 1e6;
  let last: TileStreamStats | undefined;
  const pipeline = async () => {
    last = await tilePass(dir, model);
  };
  const files = [XVIEW3_FILES.VV, XVIEW3_FILES.VH].map((f) => path.join(dir, f));
  const buf = Buffer.allocUnsafe(8 << 20);
  const rawRead = () => {
    for (const f of files) {
      const fd = openSync(f, 'r');
      const size = statSync(f).size;
      for (let off = 0; off < size; off += buf.length) readSync(fd, buf, 0, Math.min(buf.length, size - off), off);
      closeSync(fd);
    }
  };
  const t = await timeInRounds(
    [
      { name: 'tiling', fn: pipeline },
      { name: 'raw-read', fn: rawRead },
    ],
    { rounds: 3, timeMs: 500, iterations: 2 },
  );
  const mps = mp / (t.get('tiling')!.ms / 1000);
  const { tiles, readMs, normaliseMs, cutMs } = last!;
  const rawMps = mp / (t.get('raw-read')!.ms / 1000);
  return {
    suite: 'tiling',
    what: `read + normalise + cut ${tiles} tiles of a ${side} x ${side} float32 VV/VH scene, one core`,
    figures: {
      scene_mp: r2(mp),
      tiles,
      mp_per_s: r2(mps),
      raw_read_mp_per_s: r2(rawMps),
      share_of_raw_read: r2(mps / rawMps),
      last_pass_read_ms: r2(readMs),
      last_pass_normalise_ms: r2(normaliseMs),
      last_pass_cut_ms: r2(cutMs),
      target_mp_per_s: 150,
      meets: mps >= 150,
    },
    lines: [
      `read+normalise+tile  ${r2(mps)} MP/s (${verdict(mps >= 150)} >= 150 MP/s)`,
      `raw fs read, same files ${r2(rawMps)} MP/s; the tiler runs at ${r2((100 * mps) / rawMps)} % of the raw read`,
      `where the last pass went: read ${r2(readMs)} ms, normalise ${r2(normaliseMs)} ms, cut ${r2(cutMs)} ms`,
    ],
  };
}
