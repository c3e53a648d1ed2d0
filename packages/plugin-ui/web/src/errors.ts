/**
 * What the page shows of a failure: the API's `{code, message, hint}` as is, or the same
 * fields of a TrellisError raised in the page by core's pure functions (a bad filter, a
 * malformed `-S`), so the page says what the CLI would say.
 */
import { ApiError } from './api.js'
import { TrellisError } from './core.js'

export interface ShownError {
  code: string
  message: string
  hint?: string
  status?: number
  details?: Record<string, unknown>
}

export function shownError(error: unknown): ShownError {
  if (error instanceof ApiError) return { code: error.code, message: error.message, hint: error.hint, status: error.status, details: error.details }
  if (error instanceof TrellisError) return { code: error.code, message: error.message, hint: error.hint }
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) }
}
