/**
 * One error family for the whole of Trellis. Every error a user can cause is a
 * `TrellisError` with a stable `code` (documented in the README), a one-line
 * message and an optional hint saying how to fix it. The CLI prints
 * `ERROR: <message>` (+ hint) and exits with `exitCode`; anything that is not a
 * TrellisError is a bug and is printed with its stack.
 */
export type ErrorCode =
  | 'NOT_A_GIT_REPO'
  | 'NOT_INITIALIZED'
  | 'ALREADY_INITIALIZED'
  | 'YAML_INVALID'
  | 'SCHEMA_INVALID'
  | 'INTERPOLATION'
  | 'PIPELINE_INVALID'
  | 'CYCLE'
  | 'DUPLICATE_OUTPUT'
  | 'OVERLAPPING_OUTPUT'
  | 'PATH_OUTSIDE_REPO'
  | 'TARGET_NOT_FOUND'
  | 'MISSING_DEPENDENCY'
  | 'PARAMS_INVALID'
  | 'METRICS_INVALID'
  | 'LOCKFILE_INVALID'
  | 'STAGE_FAILED'
  | 'CONFIG_INVALID'
  | 'PLUGIN_INVALID'
  | 'LOCK_TIMEOUT'
  | 'LOCK_FAILED'
  | 'INTERRUPTED'
  | 'INVALID_ARGUMENT'
  | 'EXP_NOT_FOUND'
  | 'EXP_EXISTS'
  | 'EXP_INVALID_NAME'
  | 'EXP_AMBIGUOUS'
  | 'EXP_APPLY_CONFLICT'
  | 'GIT_ERROR'
  | 'CACHE_MISSING'
  | 'CACHE_CORRUPT'
  | 'LINK_FAILED'
  | 'GIT_REF_CONFLICT'
  | 'EXP_BASELINE_MISMATCH'
  | 'GIT_BRANCH_EXISTS'
  | 'NOTHING_TO_UNDO'
  | 'CONFIRMATION_REQUIRED'
  | 'CHECKPOINT_IN_REPRO'
  | 'CHECKPOINT_FAILED'
  | 'CHECKPOINT_RESUME'
  | 'CHECKPOINTS_NOT_LOADED'
  | 'GIT_REMOTE_ERROR'
  | 'GIT_AUTH_ERROR'
  | 'REMOTE_NOT_CONFIGURED'
  | 'REMOTE_INVALID'
  | 'REMOTE_TRANSFER_FAILED'
  | 'UNSAFE_PATH'
  | 'PLOT_NOT_FOUND'
  | 'PLOT_DATA_INVALID'
  | 'PLOT_FIELD_MISSING'
  | 'PLOT_TEMPLATE_NOT_FOUND'
  | 'PLOT_TEMPLATE_INVALID'
  | 'PLOTS_NOTHING_RENDERED'
  | 'CHECKOUT_CONFLICT'
  | 'OUTPUT_TRACKED_BY_GIT'
  | 'STAGE_EXISTS'
  | 'OVERRIDE_INVALID'
  | 'SWEEP_TOO_LARGE'
  | 'QUEUE_UNAVAILABLE'

export interface TrellisErrorOptions {
  hint?: string
  cause?: unknown
  exitCode?: number
}

/** Marks every TrellisError, so `instanceof` holds for errors made by another copy of @trellis/core (a plugin's bundled one). */
const BRAND = Symbol.for('@trellis/core:TrellisError')

export class TrellisError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) return false
    return this === TrellisError || (value as Error).name === this.name
  }

  readonly code: ErrorCode
  readonly hint?: string
  readonly exitCode: number

  constructor(code: ErrorCode, message: string, options: TrellisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TrellisError'
    this.code = code
    this.hint = options.hint
    this.exitCode = options.exitCode ?? 1
    Object.defineProperty(this, BRAND, { value: true })
  }
}

/** A stage's command or its bookkeeping failed; wraps the cause like DVC's "failed to reproduce". */
export class StageFailedError extends TrellisError {
  readonly stage: string
  constructor(stage: string, cause: unknown, hint?: string) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super('STAGE_FAILED', `failed to reproduce '${stage}': ${reason}`, {
      cause,
      hint: hint ?? (cause instanceof TrellisError ? cause.hint : undefined),
      exitCode: 255,
    })
    this.name = 'StageFailedError'
    this.stage = stage
  }
}

export function isTrellisError(error: unknown): error is TrellisError {
  return error instanceof TrellisError
}
