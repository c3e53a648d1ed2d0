/**
 * Core's data models as standard JSON (what `JSON.parse` in the page reads):
 * the same values `--json` prints, except the floats JSON cannot hold, which
 * become the strings "NaN", "Infinity", "-Infinity" (`WireNumber` in
 * api-types.ts). Python floats (`PyFloat`, core's 1.0 that stays a float) are
 * plain numbers; errors are DVC's `{type, msg}`; big integers beyond 2^53 are
 * their digits as a string.
 */
export function wireJson(value: unknown): string {
  return JSON.stringify(value, replacer)
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  if (value instanceof Error) return { type: value.name, msg: value.message }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype && typeof (value as { valueOf(): unknown }).valueOf() === 'number') {
    return replacer.call(this, _key, (value as { valueOf(): number }).valueOf())
  }
  return value
}
