/**
 * Parsed params and metrics as plain JSON, so the native `JSON.parse`/`JSON.stringify`
 * can store them (the summary index, rev-data-cache.ts). JSON has no room for what
 * Python values carry beyond it; those become strings starting with NUL:
 *
 *   PyFloat(1) → "\0f1"     NaN → "\0n"    Infinity → "\0i"    -Infinity → "\0-i"
 *   123n (beyond 2^53) → "\0b123"    a string that starts with NUL → "\0s" + the string
 *
 * Every other value is itself. `fromWire(toWire(x))` equals `x`.
 */
import { PyFloat } from '../../util/python-json.js'

const TAG = '\u0000'

export function toWire(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith(TAG) ? `${TAG}s${value}` : value
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return Object.is(value, -0) ? 0 : value
    return Number.isNaN(value) ? `${TAG}n` : value > 0 ? `${TAG}i` : `${TAG}-i`
  }
  if (value instanceof PyFloat) return `${TAG}f${Object.is(value.value, -0) ? '-0' : String(value.value)}`
  if (typeof value === 'bigint') return `${TAG}b${value}`
  if (Array.isArray(value)) return value.map(toWire)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) {
      if (child !== undefined) Object.defineProperty(out, key, { value: toWire(child), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return value
}

export function fromWire(value: unknown): unknown {
  if (typeof value === 'string') return value.charCodeAt(0) === 0 ? decodeTagged(value) : value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child = value[i]
      if (child !== null && typeof child === 'object') fromWire(child)
      else if (typeof child === 'string' && child.charCodeAt(0) === 0) value[i] = decodeTagged(child)
    }
    return value
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    for (const key of Object.keys(obj)) {
      const child = obj[key]
      if (child !== null && typeof child === 'object') fromWire(child)
      else if (typeof child === 'string' && child.charCodeAt(0) === 0) {
        Object.defineProperty(obj, key, { value: decodeTagged(child), enumerable: true, writable: true, configurable: true })
      }
    }
    return obj
  }
  return value
}

function decodeTagged(text: string): unknown {
  const kind = text[1]
  const rest = text.slice(2)
  if (kind === 'f') return new PyFloat(Number(rest))
  if (kind === 'n') return NaN
  if (kind === 'i') return Infinity
  if (kind === '-') return -Infinity
  if (kind === 'b') return BigInt(rest)
  if (kind === 's') return rest
  return text
}
