/**
 * `ort`: YOLOv8 ONNX in float32 on onnxruntime-node's CPU execution provider,
 * the accuracy oracle that the int8 engine is measured against.
 */
import { Worker } from 'node:worker_threads';
import { SarwatchError } from '../../errors.js';
import type { DecodeOptions } from '../../model/decode.js';
import type { ModelInfo } from '../../model/model-info.js';
import { TimingCounter, type Backend, type BackendFactory, type BackendOptions, type TileInput, type TileOutput } from '../backend.js';
import type { WorkerReply, WorkerRequest } from './ort-worker.js';

export class OrtBackend implements Backend {
  readonly name = 'ort' as const;
  readonly description: string;
  readonly model: ModelInfo;
  readonly threads: number;
  private readonly worker: Worker;
  private readonly counter = new TimingCounter();
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (o: TileOutput[]) => void; reject: (e: Error) => void }>();

  private constructor(worker: Worker, model: ModelInfo, description: string, threads: number) {
    this.worker = worker;
    this.threads = threads;
    this.model = model;
    this.description = description;
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'result') {
        this.pending.get(m.id)?.resolve(m.outputs);
        this.pending.delete(m.id);
      } else if (m.type === 'error') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.reject(new SarwatchError('E_BACKEND_FAILED', `onnxruntime: ${m.message}`, { file: model.path }));
      }
    });
    worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  static async create(modelPath: string, model: ModelInfo, opts: BackendOptions): Promise<OrtBackend> {
    const worker = new Worker(new URL('./ort-worker.js', import.meta.url));
    const version = await new Promise<string>((resolve, reject) => {
      const onMsg = (m: WorkerReply) => {
        worker.off('message', onMsg);
        if (m.type === 'ready') resolve(m.version);
        else if (m.type === 'error') reject(new SarwatchError('E_MODEL_INVALID', `onnxruntime cannot load the model: ${m.message}`, { file: modelPath }));
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
      worker.postMessage({ type: 'init', modelPath, threads: opts.threads } satisfies WorkerRequest);
    }).catch(async (e) => {
      await worker.terminate();
      throw e;
    });
    return new OrtBackend(worker, model, `onnxruntime-node ${version} CPU EP, fp32, ${opts.threads} thread${opts.threads > 1 ? 's' : ''}`, opts.threads);
  }

  infer(batch: TileInput[], decode: DecodeOptions): Promise<TileOutput[]> {
    const id = this.nextId++;
    const m = this.model;
    // Each tile's bytes move to the worker; a tile owning a slice of a larger buffer is copied once.
    const tiles = batch.map((t) =>
      t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength ? (t.data.buffer as ArrayBuffer) : t.data.slice().buffer,
    );
    return new Promise<TileOutput[]>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (outs) => {
          for (const o of outs) this.counter.add(o);
          resolve(outs);
        },
        reject,
      });
      const req: WorkerRequest = {
        type: 'infer',
        id,
        tiles,
        dims: [m.channels, m.height, m.width],
        numClasses: m.numClasses,
        anchors: m.anchors,
        inputName: m.inputName,
        outputName: m.outputName,
        decode,
      };
      this.worker.postMessage(req, tiles);
    });
  }

  timings() {
    return this.counter.snapshot();
  }

  async dispose(): Promise<void> {
    this.worker.postMessage({ type: 'dispose' } satisfies WorkerRequest);
    await new Promise((r) => this.worker.once('exit', r));
  }
}

export const ortFactory: BackendFactory = {
  name: 'ort',
  priority: 10,
  create: (modelPath, model, opts) => OrtBackend.create(modelPath, model, opts),
};
