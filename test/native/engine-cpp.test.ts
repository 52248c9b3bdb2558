/**
 * The native engine's C++ tests (native/test/engine_tests.cc): every op on
 * every SIMD path against a naive interpreter of the spec, program validation
 * and fuzzing, whole-model identity across paths and thread counts; then the
 * same under AddressSanitizer/UBSan, and on aarch64 (NEON) under qemu.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, skipNote } from '../helpers.js';

const script = path.join(REPO, 'scripts', 'native-tests.sh');
const program = path.join(REPO, 'models', 'sarwatch-yolov8-sar.swp');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function run(mode: string, model?: string) {
  const r = spawnSync(script, [mode, ...(model ? [model] : [])], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('native engine (C++ tests)', () => {
  it.skipIf(skipNote('cmake', has('cmake')))('pass on this CPU, every SIMD path, with the bundled program identical across paths and threads', () => {
    const r = run('host', existsSync(program) ? program : undefined);
    expect(r.out).toMatch(/\d+ checks, 0 failures/);
    expect(r.code, r.out).toBe(0);
  });

  it.skipIf(skipNote('cmake', has('cmake')))('pass under AddressSanitizer and UndefinedBehaviorSanitizer', () => {
    const r = run('sanitize');
    expect(r.out).toMatch(/\d+ checks, 0 failures/);
    expect(r.code, r.out).toBe(0);
  });

  it.skipIf(skipNote('g++-aarch64-linux-gnu and qemu-aarch64 (apt: g++-aarch64-linux-gnu qemu-user)', has('aarch64-linux-gnu-g++') && has('qemu-aarch64')))(
    'pass on aarch64 (the KV260 Cortex-A53 NEON path) under qemu',
    () => {
      const r = run('aarch64');
      expect(r.out).toMatch(/paths: scalar neon/);
      expect(r.out).toMatch(/\d+ checks, 0 failures/);
      expect(r.code, r.out).toBe(0);
    },
  );
});
