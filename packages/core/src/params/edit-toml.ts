/**
 * In-place editing of a TOML params file. smol-toml's parse + stringify would drop every
 * comment and re-layout the file, so edits are textual: a scanner records where each value
 * (`key = value`, including items of inline arrays and tables) and each `[table]` /
 * `[[array-of-tables]]` section lies, and
 *
 * - a set replaces the text of that value (`lr = 0.1  # comment` → `lr = 0.01  # comment`);
 * - a merge that adds a key appends `key = value` after the last assignment of the table's
 *   section (or inside the inline table);
 * - a delete removes a `key = value` line (with its comment).
 *
 * New values are written inline: `0.01`, `1.0`, `1e-05`, `inf`, `nan`, `"text"` (basic
 * string), `[1, 2]`, `{ a = 1, b = "x" }`. TOML has no null: setting `null` is refused.
 *
 * Not spliced (CannotSplice → the caller re-serialises with smol-toml, losing comments, and
 * warns): replacing a whole `[table]` section by a non-table, adding a key to a table that only
 * exists implicitly (through dotted keys or `[a.b]` without `[a]`), deleting a whole `[table]`
 * or an item of an inline array or table.
 */
import { stringify as stringifyToml } from 'smol-toml'
import { TrellisError } from '../errors.js'
import { PyFloat, pyNumberText, type FloatSpecials } from '../util/python-json.js'
import { CannotSplice, formatPath, isMapping, lineEnding, splice, type EditOp, type PathSegment } from './edit-ops.js'

const TOML_SPECIALS: FloatSpecials = { nan: 'nan', inf: 'inf' }

interface ValueSpan {
  path: PathSegment[]
  start: number
  end: number
}

interface Section {
  /** The table's path (`[]` for the root). */
  path: PathSegment[]
  /** Where a new `key = value` line goes: after the last assignment's line, else after the header. */
  insertAt: number
  /** Indentation of the section's last assignment. */
  indent: string
}

interface Scan {
  values: ValueSpan[]
  sections: Section[]
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/

function key(pathKey: string): string {
  return BARE_KEY.test(pathKey) ? pathKey : tomlString(pathKey)
}

function samePath(a: PathSegment[], b: PathSegment[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i])
}

function scanToml(text: string): Scan {
  let pos = 0
  const values: ValueSpan[] = []
  const sections: Section[] = [{ path: [], insertAt: -1, indent: '' }]
  const arrayCounts = new Map<string, number>()
  let section = sections[0]
  let rootEnd = -1

  const fail = (what: string): never => {
    throw new CannotSplice(`unexpected TOML (${what}) at offset ${pos}`)
  }
  const spaces = () => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++
  }
  const comment = () => {
    if (text[pos] === '#') while (pos < text.length && text[pos] !== '\n') pos++
  }
  const blank = () => {
    for (;;) {
      spaces()
      comment()
      if (text[pos] === '\n' || (text[pos] === '\r' && text[pos + 1] === '\n')) pos += text[pos] === '\r' ? 2 : 1
      else return
    }
  }
  const quoted = (): string => {
    const quote = text[pos]
    const start = pos
    pos++
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\n') fail('newline in string')
      pos += quote === '"' && text[pos] === '\\' ? 2 : 1
    }
    if (pos >= text.length) fail('unterminated string')
    pos++
    const raw = text.slice(start, pos)
    return quote === '"' ? (JSON.parse(raw.replace(/\\U([0-9a-fA-F]{8})/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))) as string) : raw.slice(1, -1)
  }
  const dottedKey = (): string[] => {
    const keys: string[] = []
    for (;;) {
      spaces()
      if (text[pos] === '"' || text[pos] === "'") keys.push(quoted())
      else {
        const match = /^[A-Za-z0-9_-]+/.exec(text.slice(pos, pos + 1000))
        if (!match) fail('key')
        keys.push(match![0])
        pos += match![0].length
      }
      spaces()
      if (text[pos] !== '.') return keys
      pos++
    }
  }
  const multiline = (quote: string) => {
    pos += 3
    const close = quote.repeat(3)
    while (pos < text.length && !text.startsWith(close, pos)) pos += quote === '"' && text[pos] === '\\' ? 2 : 1
    if (pos >= text.length) fail('unterminated string')
    pos += 3
    // up to two quotes may end the content: """a"""""
    if (text[pos] === quote) pos++
    if (text[pos] === quote) pos++
  }
  const value = (path: PathSegment[]): void => {
    const start = pos
    const ch = text[pos]
    if (text.startsWith('"""', pos) || text.startsWith("'''", pos)) multiline(ch)
    else if (ch === '"' || ch === "'") quoted()
    else if (ch === '[') {
      pos++
      let index = 0
      for (;;) {
        blank()
        if (text[pos] === ']') break
        value([...path, index++])
        blank()
        if (text[pos] === ',') pos++
        else if (text[pos] !== ']') fail('array')
      }
      pos++
    } else if (ch === '{') {
      pos++
      for (;;) {
        blank()
        if (text[pos] === '}') break
        const keys = dottedKey()
        if (text[pos] !== '=') fail('inline table')
        pos++
        spaces()
        value([...path, ...keys])
        blank()
        if (text[pos] === ',') pos++
        else if (text[pos] !== '}') fail('inline table')
      }
      pos++
    } else {
      const match = /^[^\s,\]}#]+/.exec(text.slice(pos, pos + 1000))
      if (!match) fail('value')
      pos += match![0].length
      // a local date-time may use a space instead of `T`
      if (/^\d{4}-\d{2}-\d{2}$/.test(match![0]) && /^ \d{2}:/.test(text.slice(pos, pos + 4))) {
        pos++
        pos += /^[^\s,\]}#]+/.exec(text.slice(pos))![0].length
      }
    }
    values.push({ path, start, end: pos })
  }
  const lineEnd = () => {
    spaces()
    comment()
    if (pos >= text.length) return
    if (text[pos] === '\r' && text[pos + 1] === '\n') pos += 2
    else if (text[pos] === '\n') pos++
    else fail('end of line')
  }

  for (;;) {
    blank()
    if (pos >= text.length) break
    const lineStart = text.lastIndexOf('\n', pos - 1) + 1
    if (text[pos] === '[') {
      if (rootEnd < 0) rootEnd = lineStart
      const array = text[pos + 1] === '['
      pos += array ? 2 : 1
      const keys = dottedKey()
      if (text[pos] !== ']' || (array && text[pos + 1] !== ']')) fail('table header')
      pos += array ? 2 : 1
      const path: PathSegment[] = []
      keys.forEach((k, i) => {
        path.push(k)
        const id = JSON.stringify(path)
        if (array && i === keys.length - 1) {
          const count = (arrayCounts.get(id) ?? 0) + 1
          arrayCounts.set(id, count)
          path.push(count - 1)
        } else if (arrayCounts.has(id)) {
          path.push(arrayCounts.get(id)! - 1)
        }
      })
      lineEnd()
      section = { path, insertAt: pos, indent: /^[ \t]*/.exec(text.slice(lineStart))![0] }
      sections.push(section)
      continue
    }
    const indent = text.slice(lineStart, pos)
    const keys = dottedKey()
    if (text[pos] !== '=') fail('=')
    pos++
    spaces()
    value([...section.path, ...keys])
    lineEnd()
    section.insertAt = pos
    section.indent = indent
  }
  if (sections[0].insertAt < 0) sections[0].insertAt = rootEnd < 0 ? 0 : rootEnd
  return { values, sections }
}

// ---------------------------------------------------------------------------------------------
// Rendering

function tomlString(s: string): string {
  return JSON.stringify(s).replace(/\x7f/g, '\\u007f')
}

/** A value in TOML inline notation. */
export function tomlInline(value: unknown, what = 'value'): string {
  if (value === null || value === undefined) {
    throw new TrellisError('INVALID_ARGUMENT', `TOML has no null: cannot set ${what} to null`, {
      hint: 'Set a TOML value (a number, string, boolean, list or table), or use a YAML params file.',
    })
  }
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof PyFloat || typeof value === 'number') return pyNumberText(value, TOML_SPECIALS)
  if (typeof value === 'string') return tomlString(value)
  if (Array.isArray(value)) return `[${value.map((v) => tomlInline(v, what)).join(', ')}]`
  if (isMapping(value)) {
    const entries = Object.entries(value)
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${key(k)} = ${tomlInline(v, what)}`).join(', ')} }`
  }
  throw new CannotSplice(`cannot write a ${typeof value} value`)
}

// ---------------------------------------------------------------------------------------------
// Operations

function applyOne(text: string, op: EditOp): string {
  const { values, sections } = scanToml(text)
  const nl = lineEnding(text)
  if (op.kind === 'set') {
    const span = values.find((v) => samePath(v.path, op.path))
    if (!span) throw new CannotSplice(`'${formatPath(op.path)}' is a table section`)
    return splice(text, span.start, span.end, tomlInline(op.value, `'${formatPath(op.path)}'`))
  }
  if (op.kind === 'delete') {
    // a `key = value` line of its own (with its comment) goes; anything else is re-serialised
    const span = values.find((v) => samePath(v.path, op.path))
    if (!span) throw new CannotSplice(`'${formatPath(op.path)}' is a table section`)
    const lineStart = text.lastIndexOf('\n', span.start - 1) + 1
    const nlAt = text.indexOf('\n', span.end)
    const lineEnd = nlAt < 0 ? text.length : nlAt + 1
    if (!/^[ \t]*[^=[\]{},#\s][^=[\]{},#]*=[ \t]*$/.test(text.slice(lineStart, span.start)) || !/^[ \t]*(?:#.*)?\r?\n?$/.test(text.slice(span.end, lineEnd))) {
      throw new CannotSplice(`'${formatPath(op.path)}' is not a line of its own`)
    }
    return splice(text, lineStart, lineEnd, '')
  }
  const entry = `${key(op.key)} = ${tomlInline(op.value, `'${formatPath([...op.path, op.key])}'`)}`
  const inline = values.find((v) => samePath(v.path, op.path))
  if (inline) {
    if (text[inline.start] !== '{' || text[inline.end - 1] !== '}') throw new CannotSplice(`'${formatPath(op.path)}' is not a table`)
    let p = inline.end - 1
    while (/\s/.test(text[p - 1])) p--
    if (p - 1 === inline.start) return splice(text, inline.start, inline.end, `{ ${entry} }`)
    return splice(text, p, p, `, ${entry}`)
  }
  const section = sections.find((s) => samePath(s.path, op.path))
  if (!section) throw new CannotSplice(`'${formatPath(op.path)}' is an implicit table`)
  const at = section.insertAt
  const prefix = at > 0 && text[at - 1] !== '\n' ? nl : ''
  return splice(text, at, at, `${prefix}${section.indent}${entry}${nl}`)
}

export function spliceToml(text: string, ops: EditOp[]): string {
  return ops.reduce(applyOne, text)
}

function toTomlData(value: unknown): unknown {
  if (value instanceof PyFloat) return value.value
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  if (Array.isArray(value)) return value.map(toTomlData)
  if (isMapping(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) tomlInline(v, `'${k}'`)
      Object.defineProperty(out, k, { value: toTomlData(v), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return value
}

/** Re-serialise the whole file with smol-toml (comments and layout are lost). */
export function reserializeToml(expected: Record<string, unknown>): string {
  return stringifyToml(toTomlData(expected) as Record<string, unknown>, { numbersAsFloat: true }) + '\n'
}
