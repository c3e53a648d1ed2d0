/**
 * In-place editing of a JSON params file. A small scanner records the position of every value
 * and key; a set replaces one value's text, a merge adds a member after the object's last one.
 * Everything else — indentation, key order, spacing, number spellings — is left as it was.
 *
 * New values are written the way Python's `json.dump` would write them in this file: floats
 * with Python's repr (`1.0`, `0.1`, `1e-05`, `NaN`, `Infinity`), strings with JSON escapes
 * (non-ASCII kept as is), and a non-empty list/object expanded with the file's indentation unit
 * when it replaces a scalar or an expanded value inside an expanded container, inline
 * otherwise (with the file's separators: `", "`/`": "` or compact `","`/`":"`).
 */
import { JSON_SPECIALS, PyFloat, pyNumberText } from '../util/python-json.js'
import { CannotSplice, formatPath, isMapping, isNonEmptyCollection, lineEnding, splice, type EditOp, type PathSegment } from './edit-ops.js'

type JNode =
  | { kind: 'object'; start: number; end: number; members: Array<{ key: string; keyStart: number; value: JNode }> }
  | { kind: 'array'; start: number; end: number; items: JNode[] }
  | { kind: 'scalar'; start: number; end: number }

function scan(text: string): JNode {
  let pos = 0
  const ws = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++
  }
  const fail = (): never => {
    throw new CannotSplice(`unexpected JSON at offset ${pos}`)
  }
  const string = (): string => {
    const start = pos
    pos++
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1
    if (pos >= text.length) fail()
    pos++
    return JSON.parse(text.slice(start, pos)) as string
  }
  const value = (): JNode => {
    ws()
    const start = pos
    const ch = text[pos]
    if (ch === '{') {
      pos++
      const members: Array<{ key: string; keyStart: number; value: JNode }> = []
      ws()
      if (text[pos] === '}') {
        pos++
        return { kind: 'object', start, end: pos, members }
      }
      for (;;) {
        ws()
        if (text[pos] !== '"') fail()
        const keyStart = pos
        const key = string()
        ws()
        if (text[pos] !== ':') fail()
        pos++
        members.push({ key, keyStart, value: value() })
        ws()
        if (text[pos] === ',') {
          pos++
          continue
        }
        if (text[pos] !== '}') fail()
        pos++
        return { kind: 'object', start, end: pos, members }
      }
    }
    if (ch === '[') {
      pos++
      const items: JNode[] = []
      ws()
      if (text[pos] === ']') {
        pos++
        return { kind: 'array', start, end: pos, items }
      }
      for (;;) {
        items.push(value())
        ws()
        if (text[pos] === ',') {
          pos++
          continue
        }
        if (text[pos] !== ']') fail()
        pos++
        return { kind: 'array', start, end: pos, items }
      }
    }
    if (ch === '"') {
      string()
      return { kind: 'scalar', start, end: pos }
    }
    const match = /^(?:-?Infinity|NaN|true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(text.slice(pos, pos + 400))
    if (!match) fail()
    pos += match![0].length
    return { kind: 'scalar', start, end: pos }
  }
  const root = value()
  ws()
  if (pos < text.length) fail()
  return root
}

// ---------------------------------------------------------------------------------------------
// Rendering

export interface JsonStyle {
  /** Indentation unit (`"    "`, `"\t"`), or null for a one-line file. */
  unit: string | null
  colon: string
  comma: string
  nl: string
}

/** The indentation unit: the leading whitespace of the first indented line. */
export function detectJsonStyle(text: string): JsonStyle {
  const indented = /\n([ \t]+)\S/.exec(text)
  const compact = /"\s*:\S/.test(text) && !/"\s*: /.test(text)
  return {
    unit: indented ? indented[1] : null,
    colon: compact ? ':' : ': ',
    comma: compact ? ',' : ', ',
    nl: lineEnding(text),
  }
}

function jsonScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof PyFloat || typeof value === 'number') return pyNumberText(value, JSON_SPECIALS)
  if (typeof value === 'string') return JSON.stringify(value)
  throw new CannotSplice(`cannot write a ${typeof value} value`)
}

/** Render a value; `indent` is the indentation of the line it starts on when expanded, else null. */
export function jsonValue(value: unknown, style: JsonStyle, indent: string | null): string {
  const expanded = indent !== null && style.unit !== null && isNonEmptyCollection(value)
  if (Array.isArray(value)) {
    if (!expanded) return `[${value.map((v) => jsonValue(v, style, null)).join(style.comma)}]`
    const inner = indent + style.unit
    return `[${style.nl}${value.map((v) => inner + jsonValue(v, style, inner)).join(`,${style.nl}`)}${style.nl}${indent}]`
  }
  if (isMapping(value)) {
    const entries = Object.entries(value)
    if (!expanded) return `{${entries.map(([k, v]) => `${JSON.stringify(k)}${style.colon}${jsonValue(v, style, null)}`).join(style.comma)}}`
    const inner = indent + style.unit
    return `{${style.nl}${entries
      .map(([k, v]) => `${inner}${JSON.stringify(k)}${style.colon}${jsonValue(v, style, inner)}`)
      .join(`,${style.nl}`)}${style.nl}${indent}}`
  }
  return jsonScalar(value)
}

// ---------------------------------------------------------------------------------------------
// Operations

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0]
}

function isMultiline(text: string, node: JNode): boolean {
  return text.slice(node.start, node.end).includes('\n')
}

function locate(root: JNode, path: PathSegment[]): { node: JNode; parent: JNode | null } {
  let node = root
  let parent: JNode | null = null
  for (const segment of path) {
    parent = node
    if (node.kind === 'object' && typeof segment === 'string') {
      // duplicate keys: the last one is the value Python reads
      const member = [...node.members].reverse().find((m) => m.key === segment)
      if (!member) throw new CannotSplice(`no key '${formatPath(path)}'`)
      node = member.value
    } else if (node.kind === 'array' && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment]
    } else {
      throw new CannotSplice(`cannot find '${formatPath(path)}'`)
    }
  }
  return { node, parent }
}

function applyOne(text: string, op: EditOp): string {
  const root = scan(text)
  const style = detectJsonStyle(text)
  if (op.kind === 'set') {
    const { node, parent } = locate(root, op.path)
    const expand = parent !== null && isMultiline(text, parent) && (node.kind === 'scalar' || isMultiline(text, node))
    return splice(text, node.start, node.end, jsonValue(op.value, style, expand ? lineIndent(text, node.start) : null))
  }
  if (op.kind === 'delete') return deleteEntry(text, root, op.path)
  const { node } = locate(root, op.path)
  if (node.kind !== 'object') throw new CannotSplice(`'${formatPath(op.path)}' is not an object`)
  const key = JSON.stringify(op.key)
  if (node.members.length === 0) {
    return splice(text, node.start, node.end, `{${key}${style.colon}${jsonValue(op.value, style, null)}}`)
  }
  const last = node.members[node.members.length - 1]
  if (isMultiline(text, node)) {
    const indent = lineIndent(text, last.keyStart)
    return splice(text, last.value.end, last.value.end, `,${style.nl}${indent}${key}${style.colon}${jsonValue(op.value, style, indent)}`)
  }
  return splice(text, last.value.end, last.value.end, `${style.comma}${key}${style.colon}${jsonValue(op.value, style, null)}`)
}

/** Remove a member (or item) and the comma that separated it from its neighbour. */
function deleteEntry(text: string, root: JNode, path: PathSegment[]): string {
  const { parent } = locate(root, path)
  const last = path[path.length - 1]
  let spans: Array<{ start: number; end: number }>
  let index: number
  if (parent?.kind === 'object') {
    spans = parent.members.map((m) => ({ start: m.keyStart, end: m.value.end }))
    index = parent.members.map((m) => m.key).lastIndexOf(String(last))
  } else if (parent?.kind === 'array') {
    spans = parent.items.map((item) => ({ start: item.start, end: item.end }))
    index = Number(last)
  } else {
    throw new CannotSplice(`cannot delete '${formatPath(path)}'`)
  }
  if (index > 0) return splice(text, spans[index - 1].end, spans[index].end, '')
  if (spans.length > 1) return splice(text, spans[0].start, spans[1].start, '')
  return splice(text, parent.start + 1, parent.end - 1, '')
}

export function spliceJson(text: string, ops: EditOp[]): string {
  return ops.reduce(applyOne, text)
}

/** Re-serialise the whole file with its indentation unit (Python `json.dump(indent=…)` layout). */
export function reserializeJson(text: string, expected: Record<string, unknown>): string {
  const style = detectJsonStyle(text)
  const trailing = /\r?\n$/.exec(text)?.[0] ?? ''
  return jsonValue(expected, style, style.unit === null ? null : '') + trailing
}
