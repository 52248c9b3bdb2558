/**
 * What the runtime needs to know about a YOLOv8 detection model, read from the
 * ONNX graph and its metadata, and checked: one image input `[1, C, H, W]`
 * (C = 1–3), one output `[1, 4 + nc, N]` whose N matches 3 or 4 heads.
 *
 * The input spec says how scene pixels become the model's 0–1 input:
 * - `sar_db`: per channel, a band (VV/VH/bathymetry) linearly mapped from
 *   [lo, hi] to 0–255 (SAR dB clipped to [−50, 20] in the reference design);
 *   8-bit pictures are taken as they are, a single band feeds every channel.
 * - `image8`: an ordinary 8-bit image model (an Ultralytics COCO export):
 *   pixels as they are, grey replicated to RGB.
 */
import path from 'node:path';
import { SarwatchError } from '../errors.js';
import { MIN_OVERLAP } from '../tiling/plan.js';
import { DEFAULT_DECODE, type FishingSplit, type VesselFirst } from './decode.js';
import { dimsOf, metadataOf, readOnnx, type ModelProto } from './onnx-file.js';

export interface ChannelSpec {
  band: string;
  lo: number;
  hi: number;
}

export type InputSpec = { kind: 'sar_db'; channels: ChannelSpec[] } | { kind: 'image8'; channels: number };

/** The reference design's input: VV and VH clipped to [−50, 20] dB, scaled to 8 bit. */
export const SAR_INPUT_SPEC: InputSpec = {
  kind: 'sar_db',
  channels: [
    { band: 'VV', lo: -50, hi: 20 },
    { band: 'VH', lo: -50, hi: 20 },
  ],
};

export interface ModelInfo {
  path: string;
  name: string;
  inputName: string;
  outputName: string;
  channels: number;
  height: number;
  width: number;
  numClasses: number;
  names: string[];
  strides: number[];
  anchors: number;
  input: InputSpec;
  /** Names of the classes that count as vessels (xView3 is_vessel). */
  vesselClasses: number[];
  fishingClasses: number[];
  metadata: Record<string, string>;
}

/** Ultralytics writes `names` as a Python dict repr: {0: 'person', 1: 'bicycle'}. */
export function parseNames(s: string | undefined, nc: number): string[] {
  const names = Array.from({ length: nc }, (_, i) => `class${i}`);
  if (!s) return names;
  const re = /(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const i = Number(m[1]);
    if (i < nc) names[i] = m[2] ?? m[3];
  }
  return names;
}

const STRIDE_SETS = [
  [8, 16, 32],
  [4, 8, 16, 32],
  [8, 16, 32, 64],
];

function anchorsFor(strides: number[], h: number, w: number): number {
  return strides.reduce((n, s) => n + Math.ceil(h / s) * Math.ceil(w / s), 0);
}

export function parseInputSpec(meta: Record<string, string>, channels: number, file: string): InputSpec {
  const raw = meta.sarwatch_input;
  if (!raw) return { kind: 'image8', channels };
  let spec: unknown;
  try {
    spec = JSON.parse(raw);
  } catch {
    throw new SarwatchError('E_MODEL_INVALID', 'metadata sarwatch_input is not JSON', { file });
  }
  const s = spec as { kind?: string; channels?: ChannelSpec[] };
  if (s.kind !== 'sar_db' || !Array.isArray(s.channels) || s.channels.length !== channels) {
    throw new SarwatchError('E_MODEL_INVALID', `metadata sarwatch_input must describe ${channels} sar_db channels`, { file });
  }
  for (const c of s.channels) {
    if (typeof c.band !== 'string' || !(c.hi > c.lo)) {
      throw new SarwatchError('E_MODEL_INVALID', `metadata sarwatch_input channel ${JSON.stringify(c)} is malformed`, { file });
    }
  }
  return { kind: 'sar_db', channels: s.channels };
}

export function modelInfoFrom(model: ModelProto, file: string): ModelInfo {
  const g = model.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((i) => !inits.has(i.name));
  const notDetector = (why: string) =>
    new SarwatchError('E_MODEL_NOT_DETECTOR', `not a YOLOv8 detection model: ${why}`, { file });
  if (inputs.length !== 1) throw notDetector(`expected one image input, found ${inputs.length}`);
  if ((g.output ?? []).length !== 1) throw notDetector(`expected one output [1, 4+nc, N], found ${(g.output ?? []).length}`);
  const inDims = dimsOf(inputs[0]);
  const outDims = dimsOf(g.output![0]);
  if (inDims.length !== 4 || inDims[1] < 1 || inDims[1] > 3) {
    throw notDetector(`input ${inputs[0].name} is [${inDims.join(', ')}], expected [1, C, H, W] with C = 1–3`);
  }
  const [, channels, height, width] = inDims;
  if (!(height > 0 && width > 0)) throw notDetector(`input ${inputs[0].name} needs a fixed height and width`);
  if (outDims.length !== 3 || outDims[1] < 5) {
    throw notDetector(`output ${g.output![0].name} is [${outDims.join(', ')}], expected [1, 4+nc, N]`);
  }
  const numClasses = outDims[1] - 4;
  const anchors = outDims[2];
  const strides = STRIDE_SETS.find((s) => anchorsFor(s, height, width) === anchors);
  if (!strides) {
    throw notDetector(
      `output has ${anchors} anchors, which no 3- or 4-head layout of a ${width} × ${height} input gives ` +
        `(strides 8/16/32 give ${anchorsFor([8, 16, 32], height, width)})`,
    );
  }
  const meta = metadataOf(model);
  const names = parseNames(meta.names, numClasses);
  const input = parseInputSpec(meta, channels, file);
  const vesselClasses = names.map((n, i) => (n === 'non_vessel' ? -1 : i)).filter((i) => i >= 0);
  const fishingClasses = names.map((n, i) => (n === 'fishing' ? i : -1)).filter((i) => i >= 0);
  return {
    path: file,
    name: path.basename(file).replace(/\.onnx$/, ''),
    inputName: inputs[0].name!,
    outputName: g.output![0].name!,
    channels,
    height,
    width,
    numClasses,
    names,
    strides,
    anchors,
    input,
    vesselClasses,
    fishingClasses,
    metadata: meta,
  };
}

/**
 * The confidence threshold a model is meant to run at: its metadata's
 * `sarwatch_conf` (chosen on validation data when it was trained), else the
 * Ultralytics default 0.25.
 */
export function operatingConf(m: ModelInfo): number {
  const c = Number(m.metadata.sarwatch_conf);
  return c > 0 && c < 1 ? c : DEFAULT_DECODE.conf;
}

/**
 * The tile overlap a model is meant to run with: its metadata's `sarwatch_overlap`, never under
 * MIN_OVERLAP (tiling/plan), which is also the default.
 */
export function modelOverlap(m: ModelInfo): number {
  return Math.max(MIN_OVERLAP, Number(m.metadata.sarwatch_overlap) || MIN_OVERLAP);
}

/**
 * How the model tells fishing vessels from other vessels (decode.FishingSplit): where it has both
 * classes, the share `share` (else its metadata's `sarwatch_fishing_share`, chosen on validation
 * data); none, so the best class decides, when the model lacks either class or a share, or when
 * `share` is 0.
 */
export function fishingSplit(m: ModelInfo, share?: number): FishingSplit | undefined {
  const vessel = m.names.indexOf('vessel');
  const fishing = m.names.indexOf('fishing');
  const s = share ?? Number(m.metadata.sarwatch_fishing_share);
  if (vessel < 0 || fishing < 0 || !(s > 0 && s < 1)) return undefined;
  return { vessel, fishing, share: s };
}

/**
 * A length gate on `fishing`: the class is learned from synthetic fishing vessels of 10–60 m, so a
 * detection estimated longer than `maxLengthM` is called `vessel` (class index `vessel`) instead.
 * Applied after the length estimate (pipeline/detection.enrich), so only where the scene has a
 * pixel spacing.
 */
export interface FishingGate {
  vessel: number;
  maxLengthM: number;
}

/**
 * The longest a `fishing` detection may be, in metres, before it is called `vessel`: `metres` (else the model's metadata `sarwatch_fishing_max_length_m`);
 * none where the model lacks either class or a gate, or where `metres` is 0.
 */
export function fishingGate(m: ModelInfo, metres?: number): FishingGate | undefined {
  const vessel = m.names.indexOf('vessel');
  const max = metres ?? Number(m.metadata.sarwatch_fishing_max_length_m);
  if (vessel < 0 || m.fishingClasses.length === 0 || !(max > 0)) return undefined;
  return { vessel, maxLengthM: max };
}

/** How a detection's class is decided (decode.VesselFirst): `best`, the best class; `vessel-first`. */
export type ClassRule = 'best' | 'vessel-first';
export const CLASS_RULES: readonly ClassRule[] = ['best', 'vessel-first'];

/**
 * The class rule `rule` names, else the model's own (metadata `sarwatch_class_rule`, chosen on
 * validation data when it was trained), else `best`, as for any Ultralytics model.
 */
export function classRuleOf(m: ModelInfo, rule?: ClassRule): ClassRule {
  if (rule) return rule;
  const own = m.metadata.sarwatch_class_rule;
  if (own === undefined || own === '') return 'best';
  if (!(CLASS_RULES as readonly string[]).includes(own)) {
    throw new SarwatchError('E_MODEL_INVALID', `metadata sarwatch_class_rule is "${own}"; expected one of ${CLASS_RULES.join(', ')}`, { file: m.path });
  }
  return own as ClassRule;
}

/**
 * The vessel-first rule's classes for `m` under `rule` (else the model's rule, classRuleOf), or
 * undefined under `best`; refuses a model without a `vessel` class.
 */
export function vesselFirstFor(m: ModelInfo, rule?: ClassRule): VesselFirst | undefined {
  if (classRuleOf(m, rule) === 'best') return undefined;
  const vessel = m.names.indexOf('vessel');
  const from = rule ? '--class-rule vessel-first' : 'the class rule vessel-first (metadata sarwatch_class_rule)';
  if (vessel < 0) throw new SarwatchError('E_ARG', `${from} needs a class named "vessel"; the model's classes are ${m.names.join(', ')}`, { file: m.path });
  return { vessel, fishing: m.names.indexOf('fishing') };
}

/** An ONNX detection model, or a compiled `.swp` program (its metadata carries the same facts). */
export async function loadModelInfo(file: string): Promise<ModelInfo> {
  const { isProgramFile } = await import('../backends/cpu/program-cache.js');
  if (isProgramFile(file)) {
    const { modelInfoFromProgram, readProgram } = await import('./program-reader.js');
    return modelInfoFromProgram(readProgram(file), file);
  }
  const { model } = await readOnnx(file);
  return modelInfoFrom(model, file);
}
