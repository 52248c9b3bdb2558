/** The int8 CPU engine through the N-API binding. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { openEngine } from '../../dist/src/backends/cpu/cpu-backend.js';
import { native } from '../../dist/src/native.js';
import { BUNDLED_PROGRAM, DIST, hasProgram, skipNote } from '../helpers.js';

const tile = (seed: number) => {
  const t = Buffer.alloc(2 * 800 * 800);
  let s = seed;
  for (let i = 0; i < t.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    t[i] = (s >>> 16) & 0xff;
  }
  return t;
};

describe.skipIf(skipNote('models/sarwatch-yolov8-sar.swp', hasProgram))('native int8 engine', () => {
  const program = hasProgram ? readFileSync(BUNDLED_PROGRAM) : Buffer.alloc(0);

  it('rejects a corrupt, truncated or wrong-version program with a coded error, and survives it', () => {
    const flipped = Buffer.from(program);
    flipped[flipped.length >> 1] ^= 0x10;
    expect(() => openEngine(flipped, 1, 'auto', 'x.swp')).toThrow(expect.objectContaining({ code: 'E_PROGRAM_CRC', message: expect.stringMatching(/CRC32 mismatch/) }));
    expect(() => openEngine(program.subarray(0, program.length - 100), 1, 'auto', 'x.swp')).toThrow(expect.objectContaining({ code: 'E_PROGRAM_CRC' }));
    const v2 = Buffer.from(program);
    v2.writeUInt32LE(2, 4);
    expect(() => openEngine(v2, 1, 'auto', 'x.swp')).toThrow(expect.objectContaining({ code: 'E_PROGRAM_VERSION', message: expect.stringMatching(/version 2/) }));
    expect(() => openEngine(Buffer.from('not a program at all, not at all'), 1, 'auto', 'x.swp')).toThrow(expect.objectContaining({ code: 'E_PROGRAM_INVALID' }));
    // The process is still fine: a good program loads and runs.
    expect(openEngine(program, 1, 'auto', 'x.swp').info().layers).toBeGreaterThan(10);
  });

  it('gives identical head outputs on every SIMD path and at 1, 2 and 4 threads', async () => {
    const t = tile(7);
    const ref = Buffer.concat(await openEngine(program, 1, 'scalar', 'p').runRaw(t));
    for (const simd of native().simdPaths()) {
      for (const threads of [1, 2, 4]) {
        const out = Buffer.concat(await openEngine(program, threads, simd, 'p').runRaw(t));
        expect(out.equals(ref), `${simd} × ${threads}`).toBe(true);
      }
    }
  });

  it('runs off the event loop: timers keep firing while it infers', async () => {
    const e = openEngine(program, 1, 'scalar', 'p');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await e.run([tile(1), tile(2)], 0.25, 0.5, 300);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
  });

  it('rejects a tile of the wrong size without crashing', () => {
    const e = openEngine(program, 1, 'auto', 'p');
    expect(() => e.run([Buffer.alloc(10)], 0.25, 0.5, 300)).toThrow(/each tile must be a Buffer of 1280000 bytes/);
  });

  it('loads in worker threads (context-aware addon)', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.native).then(async ({ native }) => {
        const e = new (native().Engine)(Buffer.from(workerData.program), 1, 'auto');
        const r = await e.run([Buffer.alloc(2 * 800 * 800, 100)], 0.25, 0.5, 300);
        parentPort.postMessage(r.length);
      });`;
    const results = await Promise.all(
      [0, 1].map(
        () =>
          new Promise((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { native: path.join(DIST, 'native.js'), program } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    expect(results).toEqual([1, 1]);
  });
});
