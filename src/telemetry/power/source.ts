/**
 * Power sources, best first: the KV260's INA260 through hwmon, Linux RAPL
 * powercap counters, else a stated model. Every reading names its source.
 */
export type PowerSourceKind = 'ina260' | 'rapl' | 'model';

export interface PowerReading {
  watts: number;
  volts: number | null;
  amps: number | null;
}

export interface PowerSource {
  readonly kind: PowerSourceKind;
  /** What exactly is read or assumed, e.g. "hwmon2 (ina260_u14)". */
  readonly detail: string;
  readonly measured: boolean;
  /** Cheap, synchronous; `nowMs` is a monotonic clock in milliseconds. */
  read(nowMs: number): PowerReading;
}

/** Why a source could not be used (for `health` and `--power-source` errors). */
export interface SourceProbe {
  source: PowerSource | null;
  reason: string | null;
}
