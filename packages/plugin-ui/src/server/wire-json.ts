/**
 * Core's data models as JSON any client reads (`JSON.parse`), keeping what
 * `--json` keeps where JSON allows it:
 * - a Python float with an integral value (core's `PyFloat`, e.g. `1.0` in
 *   params.yaml) is written `1.0`, so a Python-compatible parser (the page
 *   uses core's) still sees a float and formats it as the CLI does;
 * - the floats JSON cannot hold are the strings "NaN", "Infinity", "-Infinity"
 *   (`WireNumber` in api-types.ts);
 * - integers beyond 2^53 are written with all their digits;
 * - errors are DVC's `{type, msg}`; dates ISO strings.
 */
import { PyFloat } from '@trellis/core'

export function wireJson(value: unknown): string {
  const out: string[] = []
  write(value, out)
  return out.join('')
}

function number(value: number, float: boolean): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"'
  const text = Object.is(value, -0) ? '-0' : String(value)
  return float && /^-?\d+$/.test(text) ? `${text}.0` : text
}

function write(value: unknown, out: string[]): void {
  if (value === null || value === undefined) out.push('null')
  else if (typeof value === 'string') out.push(JSON.stringify(value))
  else if (typeof value === 'number') out.push(number(value, false))
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false')
  else if (typeof value === 'bigint') out.push(value.toString())
  else if (value instanceof PyFloat) out.push(number(value.value, true))
  else if (value instanceof Error) write({ type: value.name, msg: value.message }, out)
  else if (value instanceof Date) out.push(JSON.stringify(value.toISOString()))
  else if (Array.isArray(value)) {
    out.push('[')
    value.forEach((item, i) => {
      if (i) out.push(',')
      write(item, out)
    })
    out.push(']')
  } else if (typeof value === 'object') {
    out.push('{')
    let first = true
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined || typeof child === 'function') continue
      if (!first) out.push(',')
      first = false
      out.push(JSON.stringify(key), ':')
      write(child, out)
    }
    out.push('}')
  } else out.push('null')
}
