/**
 * The accelerator's shape, read from native/include/sarwatch/engine_config.h
 * so that the C++ engines, the HLS kernel and the TypeScript models share one
 * source of truth.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ENGINE_CONFIG_HEADER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'include', 'sarwatch', 'engine_config.h');

function parse(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/constexpr\s+int\s+(k\w+)\s*=\s*(\d+)\s*;/g)) out[m[1]] = Number(m[2]);
  return out;
}

const raw = parse(readFileSync(ENGINE_CONFIG_HEADER, 'utf8'));

function need(k: string): number {
  if (!(k in raw)) throw new Error(`${ENGINE_CONFIG_HEADER} does not define ${k}`);
  return raw[k];
}

export const ENGINE_CONFIG = {
  peOc: need('kPeOc'),
  peIc: need('kPeIc'),
  macsPerDsp: need('kMacsPerDsp'),
  clockMhz: need('kClockMhz'),
  macsPerCycle: need('kPeOc') * need('kPeIc'),
  maxChannels: need('kMaxChannels'),
  maxWidth: need('kMaxWidth'),
  maxHeight: need('kMaxHeight'),
  maxLayers: need('kMaxLayers'),
  maxInputs: need('kMaxInputs'),
} as const;
