/**
 * The server's JSON as core's values: standard JSON (the browser's parser: a 1,000-experiment
 * table is parsed in a few ms, where a JavaScript parser takes ~100), with the floats JSON
 * cannot hold, which the server sends as the strings "NaN", "Infinity", "-Infinity"
 * (`WireNumber` in api-types.ts), turned back into numbers, so core's formatting prints
 * `nan`/`inf` as the CLI does.
 */

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }

function decode(value: unknown): unknown {
  if (typeof value === 'string') return value in SPECIAL ? SPECIAL[value] : value
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i])
    return value
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    for (const key of Object.keys(obj)) {
      const child = obj[key]
      if (typeof child === 'string' ? child in SPECIAL : child !== null && typeof child === 'object') obj[key] = decode(child)
    }
  }
  return value
}

export function parseWire(text: string): unknown {
  return decode(JSON.parse(text))
}
