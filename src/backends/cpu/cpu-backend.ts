/**
 * `cpu`: the native int8 engine, the bit-exact reference of the accelerator.
 * Inference and decode (threshold in the int8 logit domain, DFL, NMS) run in
 * native code off the event loop; tiles cross the boundary as Buffers, uncopied.
 */
import { SarwatchError } from '../../errors.js';
import { decodeArgs, type DecodeOptions, type TileDetection } from '../../model/decode.js';
import type { ModelInfo } from '../../model/model-info.js';
import { native, type EngineInfo, type NativeEngine, type SimdPath } from '../../native.js';
import { TimingCounter, type Backend, type BackendFactory, type BackendOptions, type TileInput, type TileOutput } from '../backend.js';
import { loadOrCompile } from './program-cache.js';

export function toDetections(d: Float32Array): TileDetection[] {
  const out: TileDetection[] = [];
  for (let i = 0; i + 5 < d.length; i += 6) out.push({ x1: d[i], y1: d[i + 1], x2: d[i + 2], y2: d[i + 3], score: d[i + 4], cls: d[i + 5] });
  return out;
}

/** Opens a native engine on a program, turning native load errors into SarwatchErrors. */
export function openEngine(program: Buffer, threads: number, simd: SimdPath | 'auto', file: string): NativeEngine {
  try {
    return new (native().Engine)(program, threads, simd);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'E_PROGRAM_CRC' || code === 'E_PROGRAM_VERSION' || code === 'E_PROGRAM_INVALID') {
      throw new SarwatchError(code, (e as Error).message, { file, cause: e });
    }
    throw e;
  }
}

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly description: string;
  readonly model: ModelInfo;
  readonly engine: NativeEngine;
  readonly engineInfo: EngineInfo;
  private readonly counter = new TimingCounter();
  private threads_: number;
  anchors = 0;
  passed = 0;

  constructor(engine: NativeEngine, model: ModelInfo, programPath: string) {
    this.engine = engine;
    this.model = model;
    this.engineInfo = engine.info();
    this.threads_ = this.engineInfo.threads;
    this.description = `sarwatch int8 engine (${this.engineInfo.simd}, ${this.engineInfo.threads} thread${this.engineInfo.threads > 1 ? 's' : ''}), program ${programPath}`;
  }

  static async create(modelPath: string, model: ModelInfo, opts: BackendOptions & { simd?: SimdPath | 'auto' }): Promise<CpuBackend> {
    const src = await loadOrCompile(modelPath, opts.calib ? { source: opts.calib } : {}, opts.cacheDir);
    const engine = openEngine(src.program, opts.threads, opts.simd ?? 'auto', src.path);
    const [c, h, w] = engine.info().inputShape;
    if (c !== model.channels || h !== model.height || w !== model.width) {
      throw new SarwatchError('E_PROGRAM_INVALID', `program input ${c}x${h}x${w} does not match the model's ${model.channels}x${model.height}x${model.width}`, {
        file: src.path,
      });
    }
    return new CpuBackend(engine, model, src.path);
  }

  get threads(): number {
    return this.threads_;
  }

  setThreads(n: number): void {
    this.engine.setThreads(n);
    this.threads_ = n;
  }

  async infer(batch: TileInput[], decode: DecodeOptions): Promise<TileOutput[]> {
    const tiles = batch.map((t) => (Buffer.isBuffer(t.data) ? t.data : Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
    const res = await this.engine.run(tiles, decode.conf, decode.iou, decode.maxDet, ...decodeArgs(decode));
    return res.map((r) => {
      this.anchors += r.anchors;
      this.passed += r.passed;
      const out = { detections: toDetections(r.detections), inferMs: r.inferMs, decodeMs: r.decodeMs };
      this.counter.add(out);
      return out;
    });
  }

  timings() {
    return this.counter.snapshot();
  }

  async dispose(): Promise<void> {}
}

export const cpuFactory: BackendFactory = {
  name: 'cpu',
  priority: 20,
  create: (modelPath, model, opts) => CpuBackend.create(modelPath, model, opts),
};
