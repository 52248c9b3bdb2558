/**
 * The training code (train/, Python): its own unit tests, and the seams it shares
 * with the runtime: COCO AP computed the same way on both sides, and an export
 * that the runtime reads and compiles to int8. Needs Debian's torch 1.13 and onnx
 * under /usr/bin/python3; skipped with a note where they are absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Box, ImageDetections, ScoredBox } from '../../dist/src/eval/coco-ap.js';
import { runCsim } from '../../dist/harness/hls-csim.js';
import { evaluateDetections } from '../../dist/src/eval/coco-ap.js';
import { loadModelInfo } from '../../dist/src/model/model-info.js';
import { Rng } from '../../dist/src/synth/rng.js';
import { hasMake, REPO, rm, runCli, skipNote, tmpDir } from '../helpers.js';

const PYTHON = '/usr/bin/python3';
const TRAIN = path.join(REPO, 'train');

function hasTorch(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch, onnx, PIL, numpy'], { encoding: 'utf8' }).status === 0;
}
const skip = skipNote('/usr/bin/python3 with torch and onnx (apt-get install -y python3-torch python3-onnx)', hasTorch());

function python(args: string[], input?: string) {
  const r = spawnSync(PYTHON, args, { cwd: TRAIN, input, encoding: 'utf8', timeout: 170_000, env: { ...process.env, PYTHONPATH: TRAIN } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Images with ships, and detections that are near misses, hits, duplicates and false alarms. */
function fixture(seed: number): ImageDetections {
  const rng = new Rng(seed); // seeded, so a failure can be replayed
  const r = () => rng.uniform();
  return Array.from({ length: 40 }, () => {
    const gts: Box[] = Array.from({ length: Math.floor(r() * 5) }, () => {
      const x = r() * 400;
      const y = r() * 300;
      return { x1: x, y1: y, x2: x + 4 + r() * 40, y2: y + 4 + r() * 30 };
    });
    const dets: ScoredBox[] = [];
    for (const g of gts) {
      const copies = r() < 0.15 ? 0 : r() < 0.2 ? 2 : 1;
      for (let k = 0; k < copies; k++) {
        const j = () => (r() - 0.5) * 6;
        dets.push({ x1: g.x1 + j(), y1: g.y1 + j(), x2: g.x2 + j(), y2: g.y2 + j(), score: r() });
      }
    }
    for (let k = Math.floor(r() * 3); k > 0; k--) {
      const x = r() * 400;
      const y = r() * 300;
      dets.push({ x1: x, y1: y, x2: x + 10, y2: y + 10, score: r() });
    }
    return { dets, gts };
  });
}

describe.skipIf(skip)('training code (Python)', () => {
  it('passes its unit tests (model limits, assigner, CIoU/DFL, AP, augmentation, EMA, schedule, export)', () => {
    const r = python(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.']);
    expect(r.err).toMatch(/\nOK/);
    expect(r.code).toBe(0);
  });

  it('computes the same COCO AP as the runtime on the same detections', () => {
    for (const seed of [1, 2, 3]) {
      const images = fixture(seed);
      const ts = evaluateDetections(images, 0.3);
      const script = [
        'import json, sys, numpy as np',
        'from sarwatch_train.evaluate import evaluate',
        'images = json.load(sys.stdin)',
        'box = lambda bs: np.array([[b["x1"], b["y1"], b["x2"], b["y2"]] for b in bs], float).reshape(-1, 4)',
        'dets = [(box(im["dets"]), np.array([d["score"] for d in im["dets"]], float)) for im in images]',
        'print(json.dumps(evaluate(dets, [box(im["gts"]) for im in images], conf=0.3)))',
      ].join('\n');
      const r = python(['-c', script], JSON.stringify(images));
      expect(r.err).toBe('');
      const py = JSON.parse(r.out) as Record<string, number>;
      expect(ts.ships).toBeGreaterThan(50);
      expect(ts.ap50).toBeGreaterThan(0.3);
      expect(ts.ap50).toBeLessThan(0.99);
      for (const k of ['images', 'ships', 'ap50', 'ap50_95', 'precision', 'recall', 'f1'] as const) {
        expect(py[k], `${k}, seed ${seed}`).toBeCloseTo(ts[k], 12);
      }
    }
  });

  // `p2` adds a stride-4 level and depthwise-separable head convolutions (train --arch p2);
  // its program also runs through the HLS kernel's C simulation against the CPU engine.
  it.each([
    { arch: 'n', strides: [8, 16, 32] },
    { arch: 'p2', strides: [4, 8, 16, 32] },
  ])('exports a model the runtime reads and compiles to int8 (arch $arch)', async ({ arch, strides }) => {
    const dir = tmpDir('sarwatch-export-');
    try {
      const ckpt = path.join(dir, 'm.pt');
      const onnx = path.join(dir, 'm.onnx');
      // BatchNorm statistics from a few forward passes, as a trained net has them: in a freshly
      // initialised one, activations shrink layer by layer until a head bias no longer fits
      // int32, which the compiler refuses by name.
      const make = python(['-c', [
        'import torch',
        'from sarwatch_train.model import ARCHS, SarYolo',
        'torch.manual_seed(0)',
        `m = SarYolo(ARCHS[${JSON.stringify(arch)}])`,
        'm.detect.bias_init(160)',
        'with torch.no_grad():',
        '    for _ in range(5): m(torch.rand(2, 2, 160, 160))',
        `torch.save({"model": m.state_dict(), "config": m.cfg.__dict__}, ${JSON.stringify(ckpt)})`,
      ].join('\n')]);
      expect(make.code, make.err).toBe(0);
      const exp = python(['-m', 'sarwatch_train.export', ckpt, onnx, '--imgsz', '160', '--conf', '0.2']);
      expect(exp.code, exp.err).toBe(0);
      const info = await loadModelInfo(onnx);
      const anchors = strides.reduce((n, s) => n + (160 / s) ** 2, 0);
      expect([info.channels, info.height, info.width, info.anchors]).toEqual([2, 160, 160, anchors]);
      expect(info.names).toEqual(['vessel', 'fishing', 'non_vessel']);
      expect(info.strides).toEqual(strides);
      expect(info.input.kind).toBe('sar_db');
      const swp = path.join(dir, 'm.swp');
      const c = runCli(['compile', onnx, '-o', swp, '--calib-count', '2']);
      expect(c.code, c.stderr).toBe(0);
      expect(existsSync(swp)).toBe(true);
      if (arch === 'p2') {
        // Its depthwise head layers through the HLS kernel's depthwise tiles, in C simulation.
        if (!skipNote('make and g++ (the HLS C simulation of the p2 program)', hasMake)) {
          const r = await runCsim(swp, onnx, path.join(dir, 'csim'));
          expect(r.mismatchingBytes, r.output).toBe(0);
          expect(r.code, r.output).toBe(0);
        }
      }
    } finally {
      rm(dir);
    }
  });
});
