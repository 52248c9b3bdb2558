/**
 * Worker thread that owns the onnxruntime-node session. onnxruntime-node's
 * `run` is synchronous inside a setImmediate, so on the main thread it would
 * stall scene reading; here it runs beside it. Tiles arrive as transferred
 * buffers (no copy) and leave as decoded detections.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { decodeExport, type DecodeOptions, type TileDetection } from '../../model/decode.js';

export type WorkerRequest =
  | { type: 'init'; modelPath: string; threads: number }
  | {
      type: 'infer';
      id: number;
      tiles: ArrayBuffer[];
      dims: [number, number, number];
      numClasses: number;
      anchors: number;
      inputName: string;
      outputName: string;
      decode: DecodeOptions;
    }
  | { type: 'dispose' };

export type WorkerReply =
  | { type: 'ready'; version: string }
  | { type: 'result'; id: number; outputs: { detections: TileDetection[]; inferMs: number; decodeMs: number }[] }
  | { type: 'error'; id: number; message: string };

let session: ort.InferenceSession | null = null;
let input: Float32Array | null = null;

const port = parentPort!;
port.on('message', async (msg: WorkerRequest) => {
  try {
    if (msg.type === 'init') {
      session = await ort.InferenceSession.create(msg.modelPath, {
        intraOpNumThreads: msg.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionProviders: ['cpu'],
      });
      port.postMessage({ type: 'ready', version: ort.env.versions?.common ?? 'unknown' } satisfies WorkerReply);
    } else if (msg.type === 'infer') {
      const [C, H, W] = msg.dims;
      const n = C * H * W;
      if (!input || input.length !== n) input = new Float32Array(n);
      const outputs = [];
      for (const buf of msg.tiles) {
        const u8 = new Uint8Array(buf);
        for (let i = 0; i < n; i++) input[i] = u8[i] / 255;
        const t0 = performance.now();
        const res = await session!.run({ [msg.inputName]: new ort.Tensor('float32', input, [1, C, H, W]) });
        const t1 = performance.now();
        const out = res[msg.outputName].data as Float32Array;
        const detections = decodeExport(out, msg.numClasses, msg.anchors, msg.decode);
        outputs.push({ detections, inferMs: t1 - t0, decodeMs: performance.now() - t1 });
      }
      port.postMessage({ type: 'result', id: msg.id, outputs } satisfies WorkerReply);
    } else if (msg.type === 'dispose') {
      await session?.release();
      session = null;
      port.close();
    }
  } catch (e) {
    port.postMessage({ type: 'error', id: 'id' in msg ? msg.id : -1, message: (e as Error).message } satisfies WorkerReply);
  }
});
