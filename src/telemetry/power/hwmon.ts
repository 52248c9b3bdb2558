/**
 * KV260: the carrier's INA260 current/power monitor through Linux hwmon.
 * Finds the hwmon device whose `name` starts with `ina260` and reads
 * `power1_input` (µW), plus `curr1_input` (mA) and `in1_input` (mV) where present.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PowerReading, PowerSource, SourceProbe } from './source.js';

function readNumber(file: string): number | null {
  try {
    const v = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

export class Ina260Source implements PowerSource {
  readonly kind = 'ina260' as const;
  readonly measured = true;
  readonly detail: string;
  private readonly dir: string;

  constructor(dir: string, name: string) {
    this.dir = dir;
    this.detail = `${path.basename(dir)} (${name})`;
  }

  read(): PowerReading {
    const uw = readNumber(path.join(this.dir, 'power1_input'));
    const ma = readNumber(path.join(this.dir, 'curr1_input'));
    const mv = readNumber(path.join(this.dir, 'in1_input'));
    const volts = mv === null ? null : mv / 1000;
    const amps = ma === null ? null : ma / 1000;
    const watts = uw !== null ? uw / 1e6 : volts !== null && amps !== null ? volts * amps : NaN;
    return { watts, volts, amps };
  }
}

/** `root` is "/" on a board; tests pass a temporary tree laid out like sysfs. */
export function probeIna260(root = '/'): SourceProbe {
  const base = path.join(root, 'sys', 'class', 'hwmon');
  let entries: string[];
  try {
    entries = readdirSync(base).sort();
  } catch {
    return { source: null, reason: `no ${base}` };
  }
  const reasons: string[] = [];
  for (const e of entries) {
    const dir = path.join(base, e);
    let name: string;
    try {
      name = readFileSync(path.join(dir, 'name'), 'utf8').trim();
    } catch {
      continue;
    }
    if (!name.startsWith('ina260')) continue;
    const src = new Ina260Source(dir, name);
    const r = src.read();
    if (Number.isFinite(r.watts)) return { source: src, reason: null };
    reasons.push(`${e} (${name}) has no readable power1_input, or curr1_input and in1_input`);
  }
  return { source: null, reason: reasons.length ? reasons.join('; ') : 'no hwmon device named ina260*' };
}
