/**
 * A JSON parser with Python's `json.loads` semantics where they differ from `JSON.parse`:
 * a number written with a fraction or an exponent is a float (`1.0` → `PyFloat(1)`, so it is
 * written back as `1.0`), `NaN` / `Infinity` / `-Infinity` are accepted, duplicate keys keep
 * the last value (at the first key's position). Errors carry the 1-based line and column.
 */
import { PyFloat } from '../util/python-json.js'

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message)
    this.name = 'JsonSyntaxError'
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])

export function parsePyJson(text: string): unknown {
  let pos = 0

  function fail(message: string, at = pos): never {
    let line = 1
    let lineStart = 0
    for (let i = 0; i < at && i < text.length; i++) {
      if (text[i] === '\n') {
        line++
        lineStart = i + 1
      }
    }
    throw new JsonSyntaxError(`${message}: line ${line} column ${at - lineStart + 1} (char ${at})`, line, at - lineStart + 1)
  }

  function skip(): void {
    while (pos < text.length && WHITESPACE.has(text[pos])) pos++
  }

  function parseValue(depthLeft: number): unknown {
    if (depthLeft <= 0) fail('Maximum nesting depth exceeded')
    skip()
    const ch = text[pos]
    if (ch === '{') return parseObject(depthLeft)
    if (ch === '[') return parseArray(depthLeft)
    if (ch === '"') return parseString()
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      if (text.startsWith('-Infinity', pos)) {
        pos += 9
        return -Infinity
      }
      return parseNumber()
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['Infinity', Infinity],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length
        return value
      }
    }
    return fail('Expecting value')
  }

  function parseObject(depthLeft: number): Record<string, unknown> {
    pos++ // {
    const result: Record<string, unknown> = {}
    skip()
    if (text[pos] === '}') {
      pos++
      return result
    }
    for (;;) {
      skip()
      if (text[pos] !== '"') fail('Expecting property name enclosed in double quotes')
      const key = parseString()
      skip()
      if (text[pos] !== ':') fail("Expecting ':' delimiter")
      pos++
      const value = parseValue(depthLeft - 1)
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true })
      skip()
      if (text[pos] === ',') {
        pos++
        continue
      }
      if (text[pos] === '}') {
        pos++
        return result
      }
      fail("Expecting ',' delimiter")
    }
  }

  function parseArray(depthLeft: number): unknown[] {
    pos++ // [
    const result: unknown[] = []
    skip()
    if (text[pos] === ']') {
      pos++
      return result
    }
    for (;;) {
      result.push(parseValue(depthLeft - 1))
      skip()
      if (text[pos] === ',') {
        pos++
        continue
      }
      if (text[pos] === ']') {
        pos++
        return result
      }
      fail("Expecting ',' delimiter")
    }
  }

  function parseString(): string {
    const start = pos
    pos++ // "
    let out = ''
    for (;;) {
      if (pos >= text.length) fail('Unterminated string starting at', start)
      const ch = text[pos]
      if (ch === '"') {
        pos++
        return out
      }
      if (ch === '\\') {
        const esc = text[pos + 1]
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
        if (esc !== undefined && esc in simple) {
          out += simple[esc]
          pos += 2
        } else if (esc === 'u') {
          const hex = text.slice(pos + 2, pos + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape')
          out += String.fromCharCode(parseInt(hex, 16))
          pos += 6
        } else {
          fail('Invalid \\escape')
        }
        continue
      }
      if (ch.charCodeAt(0) < 0x20) fail('Invalid control character at')
      out += ch
      pos++
    }
  }

  function parseNumber(): number | PyFloat {
    const match = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(pos))
    if (!match) return fail('Expecting value')
    pos += match[0].length
    const value = Number(match[0])
    const isFloat = match[1] !== undefined || match[2] !== undefined
    if (isFloat && Number.isInteger(value)) return new PyFloat(value)
    if (!isFloat && Object.is(value, -0)) return 0
    return value
  }

  const value = parseValue(10_000)
  skip()
  if (pos < text.length) fail('Extra data')
  return value
}
