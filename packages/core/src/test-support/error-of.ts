/** Test helper: the TrellisError `fn` throws (any other error is rethrown; no error fails the test). */
import { TrellisError } from '../errors.js'

export function errorOf(fn: () => unknown): TrellisError {
  try {
    fn()
  } catch (error) {
    if (error instanceof TrellisError) return error
    throw error
  }
  throw new Error('expected an error')
}
