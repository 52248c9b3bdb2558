/**
 * Backend registry (onnxruntime-common's pattern): backends register with a
 * priority; `resolveBackend` tries the requested one, or all in priority order
 * for `auto`, and combines every failure into one message. Asking for `fpga`
 * where no device is present falls back to `cpu` loudly: the returned
 * `fallback` says what was asked for and why it could not run, and callers put
 * the backend that actually ran into every output.
 */
import { SarwatchError } from '../errors.js';
import type { ModelInfo } from '../model/model-info.js';
import type { Backend, BackendFactory, BackendName, BackendOptions } from './backend.js';

const factories = new Map<BackendName, BackendFactory>();

export function registerBackend(f: BackendFactory): void {
  factories.set(f.name, f);
}

export function registeredBackends(): BackendFactory[] {
  return [...factories.values()].sort((a, b) => b.priority - a.priority);
}

export interface Fallback {
  requested: BackendName;
  reason: string;
}

export interface ResolvedBackend {
  backend: Backend;
  /** Set when an explicitly requested backend could not run and another ran instead. */
  fallback: Fallback | null;
  /** With `auto`: higher-priority backends that could not run here, and why. */
  skipped: string[];
}

/** Where a backend may fall back to when it cannot run. */
const FALLBACK: Partial<Record<BackendName, BackendName>> = { fpga: 'cpu' };

export async function resolveBackend(
  requested: BackendName | 'auto',
  modelPath: string,
  model: ModelInfo,
  opts: BackendOptions,
): Promise<ResolvedBackend> {
  const order: BackendName[] = requested === 'auto' ? registeredBackends().map((f) => f.name) : [requested];
  const errors: string[] = [];
  for (const name of order) {
    const f = factories.get(name);
    if (!f) {
      errors.push(`${name}: not registered`);
      continue;
    }
    try {
      const backend = await f.create(modelPath, model, opts);
      return { backend, fallback: null, skipped: errors };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      errors.push(`${name}: ${reason}`);
      const next = requested !== 'auto' ? FALLBACK[name] : undefined;
      if (next && factories.has(next)) {
        const { backend } = await resolveBackend(next, modelPath, model, opts);
        return { backend, fallback: { requested: name, reason }, skipped: errors };
      }
      if (e instanceof SarwatchError && e.code !== 'E_BACKEND_UNAVAILABLE') throw e;
    }
  }
  throw new SarwatchError('E_BACKEND_UNAVAILABLE', `no backend could run this model:\n  ${errors.join('\n  ')}`, {
    param: 'backend',
  });
}
