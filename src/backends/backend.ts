/**
 * The one backend interface. Three executors implement it:
 * `ort` (onnxruntime-node, float: the accuracy oracle), `cpu` (the native int8
 * engine: the bit-exact reference of the accelerator) and `fpga` (the XRT
 * driver of the HLS kernel on a KV260).
 *
 * A backend takes a batch of planar u8 tiles at the model's input size and
 * returns per-tile detections in tile pixels, after threshold and NMS; where
 * decode runs (TypeScript or native) is the backend's business, and its
 * timings say how long each part took.
 */
import type { DecodeOptions, TileDetection } from '../model/decode.js';
import type { ModelInfo } from '../model/model-info.js';
import type { HealthEvent } from '../pipeline/observer.js';

export type BackendName = 'ort' | 'cpu' | 'fpga';

export interface TileInput {
  /** Planar u8 [C][H][W] at the model's input size. */
  data: Uint8Array;
}

export interface TileOutput {
  detections: TileDetection[];
  /** Milliseconds in the accelerator/engine for this tile. */
  inferMs: number;
  /** Milliseconds in decode + threshold + NMS for this tile. */
  decodeMs: number;
}

export interface BackendTimings {
  tiles: number;
  inferMs: number;
  decodeMs: number;
}

export interface BackendOptions {
  threads: number;
  /** Where compiled int8 programs are cached (cpu/fpga). */
  cacheDir?: string;
  /** Calibration source when an ONNX must be compiled on the fly: an image folder or 'synthetic'. */
  calib?: string;
  /** Path of an .xclbin for the fpga backend. */
  xclbin?: string;
  /** Run timeout of the FPGA kernel in milliseconds. */
  fpgaTimeoutMs?: number;
  /** Told about fallbacks that happen while running (the pipeline forwards them to telemetry). */
  onHealth?: (e: HealthEvent) => void;
}

export interface Backend {
  /** The executor that runs now (an fpga backend that failed over reports cpu). */
  readonly name: BackendName;
  /** One line for logs and summaries, e.g. "onnxruntime-node 1.30.0 CPU EP, fp32, 2 threads". */
  readonly description: string;
  readonly model: ModelInfo;
  infer(batch: TileInput[], decode: DecodeOptions): Promise<TileOutput[]>;
  timings(): BackendTimings;
  /** Change the thread count while running, where the backend can (the power budget guard uses it). */
  setThreads?(n: number): void;
  /** Threads in use. */
  readonly threads: number;
  dispose(): Promise<void>;
}

export interface BackendFactory {
  name: BackendName;
  /** Higher runs first when the user asks for `auto`. */
  priority: number;
  /** Resolves with a loaded backend, or rejects saying why it cannot run here. */
  create(modelPath: string, model: ModelInfo, opts: BackendOptions): Promise<Backend>;
}

/** Accumulates timings the same way in every backend. */
export class TimingCounter {
  private t: BackendTimings = { tiles: 0, inferMs: 0, decodeMs: 0 };

  add(out: TileOutput): void {
    this.t.tiles++;
    this.t.inferMs += out.inferMs;
    this.t.decodeMs += out.decodeMs;
  }

  snapshot(): BackendTimings {
    return { ...this.t };
  }
}
