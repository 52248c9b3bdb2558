/**
 * The standard Ultralytics YOLOv8n detection graph compiles unchanged and the
 * int8 engine finds what onnxruntime finds on it. The graph is
 * test/fixtures/yolov8n.ts (the YOLOv8n topology node for node, seeded
 * weights: COCO weights cannot be downloaded here); SARWATCH_YOLOV8N=<file>
 * runs the same checks on a real `yolo export format=onnx` file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerBuiltinBackends } from '../../dist/src/backends/builtin.js';
import { resolveBackend } from '../../dist/src/backends/registry.js';
import type { SceneDetection } from '../../dist/src/pipeline/detection.js';
import { compileModel } from '../../dist/src/model/compiler/compile.js';
import { loadModelInfo } from '../../dist/src/model/model-info.js';
import { onnx } from '../../dist/src/model/onnx-file.js';
import { native } from '../../dist/src/native.js';
import { detectSsddImage, hasSsdd, iou, rm, skipNote, SSDD, tmpDir } from '../helpers.js';
import { yolov8nOnnx } from '../fixtures/yolov8n.js';

const dir = tmpDir();
afterAll(() => rm(dir));
const real = process.env.SARWATCH_YOLOV8N;
const file = real ?? path.join(dir, 'yolov8n.onnx');
if (!real) writeFileSync(file, yolov8nOnnx(1));

describe('Ultralytics YOLOv8n graph', () => {
  it('is read as an 80-class, 3-channel, 640 px detector and compiles to a program with every node supported', async () => {
    const info = await loadModelInfo(file);
    expect([info.channels, info.height, info.width, info.numClasses, info.anchors]).toEqual([3, 640, 640, 80, 8400]);
    expect(info.input.kind).toBe('image8');
    const c = await compileModel(file, { source: 'synthetic', count: 4 });
    // 64 convolutions in the network (the DFL's fixed 1×1 conv is host decode), 3 levels × (box, cls) outputs.
    expect(c.ir.layers.filter((l: { op: string }) => l.op === 'conv')).toHaveLength(63);
    expect(c.program.readUInt32LE(4 * 6)).toBe(6);
    expect(c.macs / 1e9).toBeGreaterThan(4); // YOLOv8n: 8.7 GFLOPs at 640 ≈ 4.4 GMAC
  }, 300_000);

  it('the int8 engine reproduces the float head outputs (dequantised) on a test pattern', async () => {
    const c = await compileModel(file, { source: 'synthetic', count: 8 });
    const engine = new (native().Engine)(c.program, 2, 'auto');
    // A smooth pattern with texture: structure the network responds to.
    const tile = Buffer.alloc(3 * 640 * 640);
    for (let ch = 0; ch < 3; ch++) {
      for (let y = 0; y < 640; y++) {
        for (let x = 0; x < 640; x++) tile[(ch * 640 + y) * 640 + x] = Math.round(127 + 90 * Math.sin((x + 37 * ch) / 23) * Math.cos(y / 31) + 30 * Math.sin((x * y) / 900));
      }
    }
    const raw = await engine.runRaw(tile);
    const outs = engine.info().outputs;
    // onnxruntime with the same head tensors exposed as outputs.
    const m = onnx.ModelProto.decode(readFileSync(file));
    const names = c.ir.outputs.map((o: { tensor: number }) => c.ir.tensors[o.tensor].name);
    for (const n of names) m.graph!.output!.push({ name: n, type: { tensorType: { elemType: 1 } } });
    const session = await ort.InferenceSession.create(onnx.ModelProto.encode(m).finish());
    const x = Float32Array.from(tile, (v) => v / 255);
    const res = await session.run({ images: new ort.Tensor('float32', x, [1, 3, 640, 640]) });
    names.forEach((name: string, i: number) => {
      const o = outs[i];
      const f = res[name].data as Float32Array; // NCHW
      const q = raw[i]; // HWC int8 codes
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      const n = o.h * o.w * o.c;
      for (let p = 0; p < o.h * o.w; p++) {
        for (let ch = 0; ch < o.c; ch++) {
          const a = f[ch * o.h * o.w + p];
          const b = o.scale * (q.readInt8(p * o.c + ch) - o.zp);
          sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
        }
      }
      const r = (sxy - (sx * sy) / n) / Math.sqrt((sxx - (sx * sx) / n) * (syy - (sy * sy) / n));
      process.stderr.write(`yolov8n ${o.kind} level ${o.level}: correlation of int8 (dequantised) with float ${r.toFixed(4)}\n`);
      expect(r).toBeGreaterThan(0.95);
    });
  }, 300_000);

  it.skipIf(skipNote('SARWATCH_YOLOV8N (path of a real Ultralytics yolov8n.onnx export)', Boolean(real)))('with a real YOLOv8n export (SARWATCH_YOLOV8N): the int8 engine finds the objects onnxruntime finds', async () => {
    if (skipNote('SSDD images (../shared/data/ssdd)', hasSsdd)) return;
    registerBuiltinBackends();
    const model = await loadModelInfo(file);
    const ids = ['000001', '000011', '000029'];
    const found: Record<string, SceneDetection[][]> = { ort: [], cpu: [] };
    for (const name of ['ort', 'cpu'] as const) {
      const { backend } = await resolveBackend(name, file, model, {
        threads: 2,
        cacheDir: path.join(dir, 'cache'),
        calib: `${path.join(SSDD, 'JPEGImages')}@${path.join(SSDD, 'ImageSets', 'Main', 'train.txt')}`,
      });
      for (const id of ids) found[name].push(await detectSsddImage(id, backend, file, { conf: 0.25, iou: 0.5, maxDet: 300 }));
      await backend.dispose();
    }
    let matched = 0;
    let total = 0;
    found.ort.forEach((o, i) => {
      total += o.length;
      for (const d of o) if (found.cpu[i].some((c) => c.cls === d.cls && iou(c, d) > 0.5)) matched++;
    });
    process.stderr.write(`yolov8n: ${matched} of ${total} onnxruntime detections found by the int8 engine (${ids.length} images)\n`);
    expect(total).toBeGreaterThan(0);
    expect(matched / total).toBeGreaterThanOrEqual(0.8);
  }, 300_000);
});
