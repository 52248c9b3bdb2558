/**
 * One error type for everything sarwatch refuses or fails at.
 *
 * `code` is stable and tested; `file` or `param` names what was wrong, so the
 * CLI can print one clear line ("sarwatch: <file>: <message>") without a stack.
 */
export type ErrorCode =
  // arguments and options
  | 'E_ARG'
  | 'E_ARG_RANGE'
  | 'E_ARG_UNKNOWN'
  // scenes
  | 'E_SCENE_NOT_FOUND'
  | 'E_SCENE_FORMAT'
  | 'E_SCENE_EMPTY'
  | 'E_SCENE_TOO_LARGE'
  | 'E_SCENE_BAND_COUNT'
  | 'E_SCENE_BAND_MISMATCH'
  | 'E_SCENE_DTYPE'
  | 'E_SCENE_NONFINITE'
  | 'E_TIFF_TRUNCATED'
  | 'E_TIFF_UNSUPPORTED'
  | 'E_GEOREF'
  // models and programs
  | 'E_MODEL_NOT_FOUND'
  | 'E_MODEL_INVALID'
  | 'E_MODEL_NOT_DETECTOR'
  | 'E_MODEL_UNSUPPORTED_OP'
  | 'E_PROGRAM_INVALID'
  | 'E_PROGRAM_CRC'
  | 'E_PROGRAM_VERSION'
  // backends and the native addon
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_BACKEND_FAILED'
  | 'E_NATIVE_LOAD'
  // outputs, datasets, telemetry
  | 'E_OUTPUT'
  | 'E_DATASET'
  | 'E_LABELS'
  | 'E_TELEMETRY'
  | 'E_SCHEMA_VERSION';

export interface ErrorContext {
  file?: string;
  param?: string;
  cause?: unknown;
}

export class SarwatchError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly param?: string;

  constructor(code: ErrorCode, message: string, ctx: ErrorContext = {}) {
    super(ctx.file ? `${ctx.file}: ${message}` : message, ctx.cause ? { cause: ctx.cause } : undefined);
    this.name = 'SarwatchError';
    this.code = code;
    this.file = ctx.file;
    this.param = ctx.param;
  }
}

export function isSarwatchError(e: unknown): e is SarwatchError {
  return e instanceof SarwatchError;
}
