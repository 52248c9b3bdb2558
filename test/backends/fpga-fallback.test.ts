/** Asking for the FPGA where there is none: the CPU engine runs, loudly, and every output says so. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { native } from '../../dist/src/native.js';
import { writeXview3Scene } from '../../dist/src/synth/write-scene.js';
import { hasModel, rm, runCli, skipNote, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

describe.skipIf(skipNote('bundled model', hasModel))('fpga backend without a device', () => {
  it('falls back to cpu with a line on stderr, and the summary names the backend that ran and why', () => {
    const scene = path.join(dir, 'scene');
    writeXview3Scene(scene, { width: 900, height: 900, seed: 4, targets: 10 });
    const out = path.join(dir, 'out');
    const r = runCli(['detect', scene, '--out', out, '--backend', 'fpga', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend fpga unavailable \(.+\); running on cpu/);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.backend).toBe('cpu');
    expect(summary.fallback.requested).toBe('fpga');
    expect(summary.fallback.reason).toMatch(native().FpgaEngine ? /bitstream|accelerator/ : /no XRT/);
  });

  it('the addon says whether it was built with XRT', () => {
    const a = native();
    expect(Boolean(a.FpgaEngine) !== Boolean(a.fpgaUnavailable)).toBe(true);
  });
});
