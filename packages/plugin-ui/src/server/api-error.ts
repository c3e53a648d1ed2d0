/** Errors as the API sends them: `{error: {code, message, hint}}` with an HTTP status per code. */
import type { ApiError, UiErrorCode } from '../api-types.js'

/** A rejection made by the server itself (not by core). */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 415 | 500,
    readonly code: UiErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** HTTP statuses of core's codes: what the user asked cannot be found, conflicts, or is malformed. */
const STATUS: Record<string, number> = {
  EXP_NOT_FOUND: 404,
  TARGET_NOT_FOUND: 404,
  PLOT_NOT_FOUND: 404,
  UNSAFE_PATH: 404,
  PATH_OUTSIDE_REPO: 404,
  EXP_EXISTS: 409,
  EXP_APPLY_CONFLICT: 409,
  CHECKOUT_CONFLICT: 409,
  GIT_BRANCH_EXISTS: 409,
  GIT_REF_CONFLICT: 409,
  LOCK_TIMEOUT: 409,
  LOCK_FAILED: 409,
  CONFIRMATION_REQUIRED: 409,
  EXP_AMBIGUOUS: 400,
  EXP_INVALID_NAME: 400,
  INVALID_ARGUMENT: 400,
  OVERRIDE_INVALID: 400,
  SWEEP_TOO_LARGE: 400,
  PARAMS_INVALID: 400,
  REMOTE_NOT_CONFIGURED: 400,
  GIT_REMOTE_ERROR: 502,
  GIT_AUTH_ERROR: 502,
  REMOTE_TRANSFER_FAILED: 502,
}

interface Coded {
  code?: unknown
  message?: unknown
  hint?: unknown
  name?: unknown
  paths?: unknown
}

/** The status and body of an error thrown by a handler. TrellisErrors keep their code; anything else is UI_INTERNAL. */
export function apiError(error: unknown): { status: number; body: ApiError } {
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } } }
  }
  const e = (error ?? {}) as Coded
  const isTrellis = e.name === 'TrellisError' || e.name === 'StageFailedError' || (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code) && 'exitCode' in (error as object))
  if (isTrellis && typeof e.code === 'string') {
    const body: ApiError = { error: { code: e.code as ApiError['error']['code'], message: String(e.message) } }
    if (typeof e.hint === 'string') body.error.hint = e.hint
    if (Array.isArray(e.paths)) body.error.paths = e.paths.map(String)
    return { status: STATUS[e.code] ?? 422, body }
  }
  return { status: 500, body: { error: { code: 'UI_INTERNAL', message: error instanceof Error ? error.message : String(error) } } }
}
