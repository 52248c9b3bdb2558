/**
 * Linux RAPL powercap: `intel-rapl:N/energy_uj` counters (µJ). Power is the
 * counter's rate; a counter that passes `max_energy_range_uj` wraps to zero,
 * which is added back. `psys` (the whole platform) is preferred when the
 * kernel exposes it; otherwise the packages are summed. Since 2020 kernels make
 * `energy_uj` root-only; that is reported as the reason the source is unusable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PowerReading, PowerSource, SourceProbe } from './source.js';

interface Zone {
  dir: string;
  name: string;
  max: number;
  last: number;
}

function readInt(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

export class RaplSource implements PowerSource {
  readonly kind = 'rapl' as const;
  readonly measured = true;
  readonly detail: string;
  private readonly zones: Zone[];
  private lastMs: number;
  private lastWatts = 0;

  constructor(zones: Zone[], nowMs: number) {
    this.zones = zones;
    this.lastMs = nowMs;
    this.detail = `powercap ${zones.map((z) => `${path.basename(z.dir)} (${z.name})`).join(' + ')}`;
  }

  /** Energy in µJ consumed since the last call, across wrap-arounds. */
  private deltaUj(): number {
    let sum = 0;
    for (const z of this.zones) {
      const now = readInt(path.join(z.dir, 'energy_uj'));
      sum += now >= z.last ? now - z.last : now + z.max - z.last;
      z.last = now;
    }
    return sum;
  }

  read(nowMs: number): PowerReading {
    const dt = nowMs - this.lastMs;
    if (dt < 1) return { watts: this.lastWatts, volts: null, amps: null };
    const uj = this.deltaUj();
    this.lastMs = nowMs;
    this.lastWatts = uj / 1e6 / (dt / 1000);
    return { watts: this.lastWatts, volts: null, amps: null };
  }
}

export function probeRapl(root = '/', nowMs = performance.now()): SourceProbe {
  const base = path.join(root, 'sys', 'class', 'powercap');
  let entries: string[];
  try {
    entries = readdirSync(base).filter((e) => /^intel-rapl:\d+$/.test(e)).sort();
  } catch {
    return { source: null, reason: `no ${base}` };
  }
  if (!entries.length) return { source: null, reason: `no intel-rapl zones in ${base}` };
  const zones: Zone[] = [];
  for (const e of entries) {
    const dir = path.join(base, e);
    try {
      const name = readFileSync(path.join(dir, 'name'), 'utf8').trim();
      zones.push({ dir, name, max: readInt(path.join(dir, 'max_energy_range_uj')), last: readInt(path.join(dir, 'energy_uj')) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        return { source: null, reason: `${dir}/energy_uj is not readable (permission denied; root only on current kernels)` };
      }
      return { source: null, reason: `${dir}: ${(err as Error).message}` };
    }
  }
  const psys = zones.filter((z) => z.name === 'psys');
  const packages = zones.filter((z) => z.name.startsWith('package'));
  return { source: new RaplSource(psys.length ? psys : packages.length ? packages : zones, nowMs), reason: null };
}
