/** Paths and defaults the CLI shares. */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BUNDLED_MODEL = path.join(REPO_ROOT, 'models', 'sarwatch-yolov8-sar.onnx');
export const DEFAULT_THREADS = Math.max(1, os.availableParallelism());
export const DEFAULT_TELEMETRY = 'tcp://127.0.0.1:5556';
