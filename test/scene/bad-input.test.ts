/**
 * Bad input: a clear error naming the file and the problem, a non-zero exit,
 * and no output files left behind.
 */
import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { writeStriped, writeTiled } from '../fixtures/tiff.js';
import { BUNDLED_MODEL, hasModel, listFiles, rm, runCli, skipNote, tmpDir } from '../helpers.js';

const dir = tmpDir();
afterAll(() => rm(dir));

function expectRefused(scene: string, code: string, message: RegExp, extra: string[] = []) {
  const out = path.join(dir, `out-${path.basename(scene)}`);
  const r = runCli(['detect', scene, '--out', out, '--backend', 'ort', ...extra]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(scene.startsWith(dir) ? path.basename(scene) : scene);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
  expect(listFiles(out), `${code}: outputs left behind`).toEqual([]);
}

describe.skipIf(skipNote('bundled model', hasModel))('bad input is refused cleanly', () => {
  it('a truncated TIFF', () => {
    const f = path.join(dir, 'truncated.tif');
    writeTiled(f, 'float32', 256, 256, { tile: 64 });
    truncateSync(f, Math.floor(readFileSync(f).length * 0.6));
    expectRefused(f, 'E_TIFF_TRUNCATED', /truncated/);
  });

  it('a wrong band count (4 bands in one file)', () => {
    const f = path.join(dir, 'four-bands.tif');
    writeStriped(f, 'float32', 32, 32, 4);
    expectRefused(f, 'E_SCENE_BAND_COUNT', /has 4 bands/);
  });

  it('NaN and Inf pixels with no NODATA declared', () => {
    for (const bad of [NaN, Infinity]) {
      const f = path.join(dir, `nonfinite-${bad}.tif`);
      const data = new Float32Array(900 * 900).fill(-20);
      data[850 * 900 + 17] = bad;
      writeTiled(f, 'float32', 900, 900, { tile: 128, data });
      expectRefused(f, 'E_SCENE_NONFINITE', new RegExp(`non-finite sample \\(${bad}\\) at row 850, column 17`));
    }
  });

  it('a 0 × 0 scene', () => {
    const f = path.join(dir, 'empty.tif');
    writeStriped(f, 'float32', 8, 8, 1);
    const b = readFileSync(f);
    // ImageWidth and ImageLength are the first two IFD entries (LONG values at 18 and 30).
    b.writeUInt32LE(0, 18);
    b.writeUInt32LE(0, 30);
    writeFileSync(f, b);
    expectRefused(f, 'E_SCENE_EMPTY', /scene is 0 × 0 px; it has no pixels to process/);
  });

  it('a header that claims 10⁶ × 10⁶ px, refused before allocating', () => {
    const f = path.join(dir, 'huge.tif');
    writeStriped(f, 'float32', 8, 8, 1);
    const b = readFileSync(f);
    b.writeUInt32LE(1_000_000, 18);
    b.writeUInt32LE(1_000_000, 30);
    writeFileSync(f, b);
    expectRefused(f, 'E_SCENE_TOO_LARGE', /1000000 × 1000000 px/);
  });

  it('an ONNX that is not a YOLO detector', () => {
    const { onnx } = onnxProto;
    const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
    const model = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'classifier', node: [{ opType: 'Identity', input: ['images'], output: ['logits'] }], input: [vi('images', [1, 3, 64, 64])], output: [vi('logits', [1, 3, 64, 64])] },
    }).finish();
    const m = path.join(dir, 'not-yolo.onnx');
    writeFileSync(m, model);
    const scene = path.join(dir, 'ok.tif');
    writeTiled(scene, 'float32', 64, 64);
    const out = path.join(dir, 'out-not-yolo');
    const r = runCli(['detect', scene, '--out', out, '--model', m]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('not-yolo.onnx: not a YOLOv8 detection model');
    expect(existsSync(out)).toBe(false);
  });

  it('a missing scene, and a scene that is not an image', () => {
    expectRefused(path.join(dir, 'nope.tif'), 'E_SCENE_NOT_FOUND', /no such file/);
    const f = path.join(dir, 'text.tif');
    writeFileSync(f, 'hello, not a tiff');
    expectRefused(f, 'E_SCENE_FORMAT', /not a GeoTIFF, PNG or JPEG/);
  });

  it('keeps nothing when the input fails mid-scene (NaN found after tiles were written)', () => {
    // NaN deep in the scene: the first tile rows are processed (and written to .partial files)
    // before the bad row is read; the refusal removes them.
    const f = path.join(dir, 'late-nan.tif');
    const data = new Float32Array(300 * 2000).fill(-18);
    data[1990 * 300 + 5] = NaN;
    writeTiled(f, 'float32', 300, 2000, { tile: 100, data });
    expectRefused(f, 'E_SCENE_NONFINITE', /row 1990, column 5/);
  });

  it('uses the bundled model by default and it is a detector', () => {
    copyFileSync(BUNDLED_MODEL, path.join(dir, 'copy.onnx'));
    expect(existsSync(path.join(dir, 'copy.onnx'))).toBe(true);
  });
});
