/** Pick the best power source present, or the one asked for, saying why others were passed over. */
import { probeIna260 } from './hwmon.js';
import { DEFAULT_HOST_MODEL, HostCpuModel, Kv260Model, type HostModelParams } from './model.js';
import { probeRapl } from './rapl.js';
import type { PowerSource } from './source.js';

export type SourceChoice = 'auto' | 'ina260' | 'rapl' | 'model';

export type ModelSpec = { kind: 'host'; params: HostModelParams } | { kind: 'kv260'; macsPerCycle: number; clockMhz: number };

export interface SourceConfig {
  choice: SourceChoice;
  /** sysfs root ("/" normally; tests use a temporary tree). */
  root: string;
  model: ModelSpec;
}

export const DEFAULT_SOURCE: SourceConfig = { choice: 'auto', root: '/', model: { kind: 'host', params: DEFAULT_HOST_MODEL } };

export function openSource(cfg: SourceConfig, nowMs: number): { source: PowerSource; passedOver: string[] } {
  const passedOver: string[] = [];
  if (cfg.choice === 'auto' || cfg.choice === 'ina260') {
    const p = probeIna260(cfg.root);
    if (p.source) return { source: p.source, passedOver };
    passedOver.push(`ina260: ${p.reason}`);
    if (cfg.choice === 'ina260') throw new Error(`--power-source ina260: ${p.reason}`);
  }
  if (cfg.choice === 'auto' || cfg.choice === 'rapl') {
    const p = probeRapl(cfg.root, nowMs);
    if (p.source) return { source: p.source, passedOver };
    passedOver.push(`rapl: ${p.reason}`);
    if (cfg.choice === 'rapl') throw new Error(`--power-source rapl: ${p.reason}`);
  }
  const m = cfg.model;
  const source = m.kind === 'host' ? new HostCpuModel(m.params, nowMs) : new Kv260Model(m.macsPerCycle, m.clockMhz, nowMs);
  return { source, passedOver };
}
