/**
 * Modelled power, used when nothing can be measured. Always labelled `model`
 * with its coefficients in `detail`.
 * - `cpu`/`ort` on a host: P = idle + per-core × busy cores, busy cores from
 *   this process's CPU time. Defaults (estimates for a mobile x86 CPU): 4 W
 *   idle, 6 W per busy core; override with `--power-model idle=W,core=W`.
 * - `fpga` on a KV260: the board model of src/accel/kv260-platform.ts.
 */
import { kv260BoardWatts, KV260_POWER } from '../../accel/kv260-platform.js';
import type { PowerReading, PowerSource } from './source.js';

export interface HostModelParams {
  idleW: number;
  coreW: number;
}

export const DEFAULT_HOST_MODEL: HostModelParams = { idleW: 4, coreW: 6 };

/** Busy cores of this process between calls, from process.cpuUsage(). */
export class BusyMeter {
  private last = process.cpuUsage();
  private lastMs: number;

  constructor(nowMs: number) {
    this.lastMs = nowMs;
  }

  busyCores(nowMs: number): number {
    const u = process.cpuUsage(this.last);
    this.last = process.cpuUsage();
    const dt = nowMs - this.lastMs;
    this.lastMs = nowMs;
    return dt > 0 ? (u.user + u.system) / 1000 / dt : 0;
  }
}

export class HostCpuModel implements PowerSource {
  readonly kind = 'model' as const;
  readonly measured = false;
  readonly detail: string;
  private readonly p: HostModelParams;
  private readonly meter: BusyMeter;

  constructor(p: HostModelParams, nowMs: number) {
    this.p = p;
    this.meter = new BusyMeter(nowMs);
    this.detail = `host-cpu: ${p.idleW} W idle + ${p.coreW} W per busy core (estimate)`;
  }

  read(nowMs: number): PowerReading {
    return { watts: this.p.idleW + this.p.coreW * this.meter.busyCores(nowMs), volts: null, amps: null };
  }
}

export class Kv260Model implements PowerSource {
  readonly kind = 'model' as const;
  readonly measured = false;
  readonly detail: string;
  private readonly meter: BusyMeter;
  private readonly macsPerCycle: number;
  private readonly clockMhz: number;
  /** Set by the fpga backend: the fraction of recent time the PL engine was busy. */
  accelBusy = 0;

  constructor(macsPerCycle: number, clockMhz: number, nowMs: number) {
    this.meter = new BusyMeter(nowMs);
    this.macsPerCycle = macsPerCycle;
    this.clockMhz = clockMhz;
    this.detail = `kv260-board: ${KV260_POWER.source}; engine ${macsPerCycle} MAC/cycle @ ${clockMhz} MHz`;
  }

  read(nowMs: number): PowerReading {
    const hostBusyCores = this.meter.busyCores(nowMs);
    return { watts: kv260BoardWatts({ macsPerCycle: this.macsPerCycle, clockMhz: this.clockMhz, accelBusy: this.accelBusy, hostBusyCores }), volts: null, amps: null };
  }
}

export function parseHostModel(spec: string): HostModelParams {
  const p = { ...DEFAULT_HOST_MODEL };
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if ((k === 'idle' || k === 'core') && Number.isFinite(n) && n >= 0) p[k === 'idle' ? 'idleW' : 'coreW'] = n;
    else throw new RangeError(`Expected idle=W,core=W for --power-model but received ${JSON.stringify(spec)}`);
  }
  return p;
}
