/**
 * The server's JSON as core's values, as `--json` has them: a float with an integral value
 * (written `1.0`) stays a float (core's `PyFloat`: `exp diff` prints `1.0`, `exp show`
 * formats it as a float), an integer beyond 2^53 keeps all its digits (a bigint), and the
 * floats JSON cannot hold, which the server sends as the strings "NaN", "Infinity",
 * "-Infinity" (`WireNumber` in api-types.ts), become numbers again, so core's formatting
 * prints `nan`/`inf` as the CLI does.
 *
 * The browser's own parser reads the text (a 1,000-experiment table in a few ms), with the
 * number's source text from the reviver (`JSON.parse` source text access, Chromium 114+);
 * where the browser lacks it, core's Python-compatible parser does the same, slower.
 */
import { parsePyJson, PyFloat } from './core.js'

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown

const hasSource = (() => {
  let seen = false
  JSON.parse('1.0', ((_key: string, value: unknown, context?: { source?: string }) => {
    seen = context?.source === '1.0'
    return value
  }) as Reviver)
  return seen
})()

const revive: Reviver = (_key, value, context) => {
  if (typeof value === 'string') return value in SPECIAL ? SPECIAL[value] : value
  if (typeof value === 'number' && Number.isInteger(value) && context?.source) {
    const source = context.source
    if (/[.eE]/.test(source)) return new PyFloat(value)
    if (!Number.isSafeInteger(value)) return BigInt(source)
  }
  return value
}

function decode(value: unknown): unknown {
  if (typeof value === 'string') return value in SPECIAL ? SPECIAL[value] : value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i])
    return value
  }
  if (value !== null && typeof value === 'object' && !(value instanceof PyFloat)) {
    const obj = value as Record<string, unknown>
    for (const key of Object.keys(obj)) obj[key] = decode(obj[key])
  }
  return value
}

export function parseWire(text: string): unknown {
  return hasSource ? JSON.parse(text, revive as (key: string, value: unknown) => unknown) : decode(parsePyJson(text))
}
