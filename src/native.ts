/**
 * The only file that loads the compiled addon (build/Release/sarwatch.node).
 * It declares, with types, everything the binary exports.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { SarwatchError } from './errors.js';

export type SimdPath = 'scalar' | 'avx2' | 'avx512vnni' | 'neon';

export interface EngineOutputInfo {
  kind: 'box' | 'cls';
  level: number;
  stride: number;
  h: number;
  w: number;
  c: number;
  scale: number;
  zp: number;
}

export interface EngineInfo {
  simd: SimdPath;
  threads: number;
  layers: number;
  arenaBytes: number;
  /** Multiply-accumulates per tile. */
  macs: number;
  inputShape: [number, number, number];
  outputs: EngineOutputInfo[];
  /** The program's JSON metadata. */
  metadata: string;
}

export interface EngineTileResult {
  /** n × 6: x1, y1, x2, y2, score, class (tile pixels). */
  detections: Float32Array;
  inferMs: number;
  decodeMs: number;
  /** Anchors examined, and how many cleared the int8 class threshold. */
  anchors: number;
  passed: number;
}

/** The int8 CPU engine (native/src/engine) running one compiled program. */
export interface NativeEngine {
  info(): EngineInfo;
  /** Runs tiles (planar u8 C × H × W Buffers, kept alive and read without copies) off the event loop. */
  run(tiles: Buffer[], conf: number, iou: number, maxDet: number, ...decode: [] | [vesselCls: number, fishingCls: number, share: number, vesselFirst: boolean]): Promise<EngineTileResult[]>;
  /** Runs one tile and returns the raw int8 head outputs (HWC codes), one Buffer per program output. */
  runRaw(tile: Buffer): Promise<Buffer[]>;
  /** Runs one tile and returns the given program tensors (ids of the program's tensor table) as HWC codes. */
  runRaw(tile: Buffer, tensors: number[]): Promise<Buffer[]>;
  setThreads(n: number): void;
  /** Milliseconds per program layer in the last run (profiling). */
  layerMs(): Float64Array;
}

export interface FpgaStats {
  runs: number;
  timeouts: number;
  retries: number;
}

/** The XRT driver of the HLS kernel on a Kria KV260 (native/src/xrt). */
export interface NativeFpgaEngine {
  run(tiles: Buffer[], conf: number, iou: number, maxDet: number, ...decode: [] | [vesselCls: number, fishingCls: number, share: number, vesselFirst: boolean]): Promise<Pick<EngineTileResult, 'detections' | 'inferMs' | 'decodeMs'>[]>;
  stats(): FpgaStats;
}

export interface NativeAddon {
  /** Addon version, equal to package.json's. */
  version(): string;
  /**
   * Validates and loads a program. Throws an Error whose `code` is E_PROGRAM_CRC
   * (corrupt or truncated), E_PROGRAM_VERSION or E_PROGRAM_INVALID.
   */
  Engine: new (program: Buffer, threads: number, simd: SimdPath | 'auto') => NativeEngine;
  /** SIMD paths this CPU can run. */
  simdPaths(): SimdPath[];
  bestSimd(): SimdPath;
  /**
   * This CPU's measured int8 MAC peak in GMAC/s: `threads` threads running the
   * path's best int8 instruction sequence with no loads. Blocks for `seconds`.
   */
  int8PeakGmacs(simd: SimdPath, threads: number, seconds: number): number;
  /**
   * Present when the addon was built against XRT. Opens the device, loads the
   * xclbin and uploads the program; throws E_BACKEND_UNAVAILABLE if it cannot.
   */
  FpgaEngine?: new (program: Buffer, xclbin: string, deviceIndex: number, timeoutMs: number) => NativeFpgaEngine;
  /** Present when the addon was built without XRT: why the fpga backend cannot run. */
  fpgaUnavailable?: string;
  /**
   * The tiler's normalisation loop (src/tiling/normalise.ts documents it) over
   * dst.length samples, or, with `rect` = [srcOffset, srcStride, w, rows,
   * dstStride], over a w × rows window of src into rows of dst and mask
   * dstStride apart. Returns [NODATA count, index into src of the first
   * non-finite sample or −1].
   */
  normaliseRows(
    src: Uint8Array | Int16Array | Uint16Array | Float32Array | Float64Array,
    dst: Uint8Array,
    mask: Uint8Array,
    lo: number,
    hi: number,
    nodata: number | null,
    passthrough: boolean,
    dnToDb: boolean,
    dnCalibrationDb: number,
    rect?: [number, number, number, number, number],
  ): [number, number];
  /** Copies a window of u8 planes (row stride W) into a zero-padded planar tile; returns its NODATA pixels. */
  cutTile(planes: Uint8Array[], mask: Uint8Array, W: number, x0: number, y0: number, w: number, h: number, TW: number, TH: number, dst: Uint8Array): number;
}

// dist/src/native.js in a build; src/native.ts when a tool runs the sources.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOTS = [path.resolve(HERE, '..', '..'), path.resolve(HERE, '..')];
let cached: NativeAddon | null = null;

export function native(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const candidates = ROOTS.flatMap((root) => [path.join(root, 'build', 'Release', 'sarwatch.node'), path.join(root, 'build', 'Debug', 'sarwatch.node')]);
  const errors: string[] = [];
  for (const file of candidates) {
    try {
      cached = require(file) as NativeAddon;
      return cached;
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new SarwatchError(
    'E_NATIVE_LOAD',
    'the native addon could not be loaded. Possible fixes:\n' +
      '  - run `npm install` (it builds the addon with node-gyp; needs g++ and Node headers)\n' +
      '  - offline, point node-gyp at local headers: `npm_config_nodedir=/usr npm install`\n' +
      '  - after a Node.js upgrade, rebuild: `npm rebuild`\n' +
      `Tried:\n  ${errors.join('\n  ')}`,
  );
}
