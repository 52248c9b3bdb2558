/**
 * `fpga`: the HLS kernel on a Kria KV260, driven through XRT (native/src/xrt).
 *
 * It needs an addon built with XRT, an xclbin (make -C hls app), and a device.
 * Where any is missing it refuses to start, saying which; asking for `fpga`
 * then falls back to `cpu` (src/backends/registry.ts), and every output names
 * the backend that ran. If the device fails during a scene (a run hangs twice),
 * the rest of the scene runs on the CPU engine, with a health event and a line
 * on stderr.
 */
import { existsSync } from 'node:fs';
import { SarwatchError } from '../../errors.js';
import { decodeArgs, type DecodeOptions } from '../../model/decode.js';
import type { ModelInfo } from '../../model/model-info.js';
import { native, type NativeFpgaEngine } from '../../native.js';
import { TimingCounter, type Backend, type BackendFactory, type BackendName, type BackendOptions, type TileInput, type TileOutput } from '../backend.js';
import { CpuBackend, toDetections } from '../cpu/cpu-backend.js';
import { loadOrCompile } from '../cpu/program-cache.js';

export const DEFAULT_XCLBIN = '/lib/firmware/xilinx/sarwatch/sarwatch.xclbin';
export const DEFAULT_FPGA_TIMEOUT_MS = 2000;

const unavailable = (why: string) => new SarwatchError('E_BACKEND_UNAVAILABLE', why, { param: 'backend' });

export class FpgaBackend implements Backend {
  readonly description: string;
  readonly model: ModelInfo;
  readonly threads = 1;
  private readonly engine: NativeFpgaEngine;
  private readonly counter = new TimingCounter();
  private readonly opts: BackendOptions;
  private readonly modelPath: string;
  private fallback: CpuBackend | null = null;

  private constructor(engine: NativeFpgaEngine, model: ModelInfo, modelPath: string, opts: BackendOptions, description: string) {
    this.engine = engine;
    this.model = model;
    this.modelPath = modelPath;
    this.opts = opts;
    this.description = description;
  }

  static async create(modelPath: string, model: ModelInfo, opts: BackendOptions): Promise<FpgaBackend> {
    const addon = native();
    if (!addon.FpgaEngine) throw unavailable(addon.fpgaUnavailable ?? 'this build has no XRT driver');
    const xclbin = opts.xclbin ?? process.env.SARWATCH_XCLBIN ?? DEFAULT_XCLBIN;
    if (!existsSync(xclbin)) throw unavailable(`no KV260 accelerator bitstream at ${xclbin} (build it with \`make -C hls app\` and load it with xmutil, or pass --xclbin)`);
    const src = await loadOrCompile(modelPath, opts.calib ? { source: opts.calib } : {}, opts.cacheDir);
    let engine: NativeFpgaEngine;
    try {
      engine = new addon.FpgaEngine(src.program, xclbin, 0, opts.fpgaTimeoutMs ?? DEFAULT_FPGA_TIMEOUT_MS);
    } catch (e) {
      throw unavailable(`no KV260 accelerator could be opened (${(e as Error).message})`);
    }
    return new FpgaBackend(engine, model, modelPath, opts, `sarwatch HLS engine on a KV260 via XRT (${xclbin}), program ${src.path}`);
  }

  get name(): BackendName {
    return this.fallback ? 'cpu' : 'fpga';
  }

  async infer(batch: TileInput[], decode: DecodeOptions): Promise<TileOutput[]> {
    if (!this.fallback) {
      try {
        const tiles = batch.map((t) => (Buffer.isBuffer(t.data) ? t.data : Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
        const res = await this.engine.run(tiles, decode.conf, decode.iou, decode.maxDet, ...decodeArgs(decode));
        return res.map((r) => {
          const out = { detections: toDetections(r.detections), inferMs: r.inferMs, decodeMs: r.decodeMs };
          this.counter.add(out);
          return out;
        });
      } catch (e) {
        const reason = (e as Error).message;
        process.stderr.write(`sarwatch: the FPGA failed (${reason}); the rest of the scene runs on the CPU engine\n`);
        this.opts.onHealth?.({ kind: 'fallback', requested: 'fpga', actual: 'cpu', reason });
        this.fallback = await CpuBackend.create(this.modelPath, this.model, this.opts);
      }
    }
    return this.fallback.infer(batch, decode);
  }

  timings() {
    return this.counter.snapshot();
  }

  async dispose(): Promise<void> {
    await this.fallback?.dispose();
  }
}

export const fpgaFactory: BackendFactory = {
  name: 'fpga',
  priority: 30,
  create: (modelPath, model, opts) => FpgaBackend.create(modelPath, model, opts),
};
