/**
 * Round-trip editing of a YAML params file: each operation is a textual splice located with
 * the `yaml` package's node ranges and CST tokens, so every byte outside the edited value —
 * comments, blank lines, key order, quoting, flow/block style, indentation, line endings —
 * stays as it was (a plain `Document.toString()` would re-indent and re-space the file).
 *
 * How a new value is written:
 * - scalars in YAML 1.2 notation: `0.1`, `1.0` (a PyFloat keeps its `.0`), `1e-05`, `.inf`,
 *   `true`, `null`; strings plain when both YAML 1.2 readers (ours and ruamel's) read them back
 *   as the same string and a YAML 1.1 reader (PyYAML in a user's script) would not see a
 *   boolean (`'yes'`, `'no'`, `'on'`), else single-quoted, else double-quoted with escapes;
 * - a list or mapping that replaces a scalar or a flow collection: flow style (`[1, 2]`,
 *   `{a: 1}`); one that replaces a block collection: block style, with the file's own
 *   indentation (detected: mapping indent, and whether sequences are indented under their key).
 * - a key added by a mapping merge goes after the mapping's last key, in the mapping's style.
 * - an explicit tag on a replaced scalar (`!!str 5`) is dropped; anchors are kept.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, parse, Scalar, type Document, type Node } from 'yaml'
import type { CST } from 'yaml'
import { resolvePlainTag, yamlFloat } from '../dvcfile/yaml-emit.js'
import { PyFloat } from '../util/python-json.js'
import { loadYaml } from '../util/yaml.js'
import {
  CannotSplice,
  columnOf,
  formatPath,
  isMapping,
  isNonEmptyCollection,
  lineEnding,
  splice,
  type EditOp,
  type PathSegment,
} from './edit-ops.js'

// ---------------------------------------------------------------------------------------------
// Rendering

const PLAIN_CANDIDATE = /^[A-Za-z0-9_][A-Za-z0-9_./+-]*(?: [A-Za-z0-9_./+-]+)*$/
const PRINTABLE = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*$/
/** YAML 1.1 booleans (PyYAML's): strings in 1.2, but a script reading params with PyYAML sees bools. */
const YAML11_BOOL = /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/

function plainIsSafe(s: string): boolean {
  if (!PLAIN_CANDIDATE.test(s) || YAML11_BOOL.test(s) || resolvePlainTag(s) !== 'str') return false
  try {
    return parse(s, { version: '1.2', schema: 'core' }) === s
  } catch {
    return false
  }
}

/** A string as a YAML scalar, quoted only when needed (safe in flow and block context). */
export function yamlString(s: string): string {
  if (plainIsSafe(s)) return s
  if (PRINTABLE.test(s)) return `'${s.replace(/'/g, "''")}'`
  return JSON.stringify(s)
}

function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (value instanceof PyFloat) return yamlFloat(value.value)
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value).toString() : yamlFloat(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return yamlString(value)
  throw new CannotSplice(`cannot write a ${typeof value} value`)
}

/** A value in flow notation (`[a, {b: 1.0}]`); scalars as `yamlScalar`. */
export function yamlFlow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlFlow).join(', ')}]`
  if (isMapping(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${yamlString(k)}: ${yamlFlow(v)}`)
      .join(', ')}}`
  }
  return yamlScalar(value)
}

interface BlockStyle {
  /** Indentation of a nested mapping under its key. */
  mapIndent: number
  /** Indentation of a sequence under its key (0: `key:\n- a`, DVC's style). */
  seqIndent: number
}

/** A non-empty collection in block notation, as lines relative to column 0. */
function yamlBlock(value: unknown, style: BlockStyle): string[] {
  const lines: string[] = []
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isNonEmptyCollection(item)) {
        const sub = yamlBlock(item, style)
        lines.push(`- ${sub[0]}`, ...sub.slice(1).map((l) => `  ${l}`))
      } else {
        lines.push(`- ${yamlFlow(item)}`)
      }
    }
    return lines
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    lines.push(...yamlBlockPair(k, v, style))
  }
  return lines
}

function yamlBlockPair(key: string, value: unknown, style: BlockStyle): string[] {
  if (!isNonEmptyCollection(value)) return [`${yamlString(key)}: ${yamlFlow(value)}`]
  const indent = ' '.repeat(Array.isArray(value) ? style.seqIndent : style.mapIndent)
  return [`${yamlString(key)}:`, ...yamlBlock(value, style).map((l) => indent + l)]
}

// ---------------------------------------------------------------------------------------------
// Locating nodes

interface Located {
  node: Node
  /** The collection holding `node` and the item index in it. */
  parent: Node
  index: number
}

function keyString(key: unknown): string {
  if (isScalar(key)) return String(key.value)
  throw new CannotSplice('complex mapping keys')
}

function locate(doc: Document, path: PathSegment[]): Located {
  let current: unknown = doc.contents
  let parent: Node | undefined
  let index = -1
  for (const segment of path) {
    if (isAlias(current)) throw new CannotSplice(`'${formatPath(path)}' goes through an alias`)
    if (isMap(current)) {
      index = current.items.findIndex((pair) => keyString(pair.key) === String(segment))
      if (index < 0) throw new CannotSplice(`no key '${formatPath(path)}'`)
      parent = current
      current = current.items[index].value
    } else if (isSeq(current) && typeof segment === 'number') {
      index = segment
      parent = current
      current = current.items[segment]
    } else {
      throw new CannotSplice(`cannot find '${formatPath(path)}'`)
    }
  }
  if (!parent || !current || !(isScalar(current) || isCollection(current) || isAlias(current)) || !current.range) {
    throw new CannotSplice(`'${formatPath(path)}' has no value node`)
  }
  return { node: current as Node, parent, index }
}

function range(node: Node): [number, number] {
  if (!node.range) throw new CannotSplice('a node without a position')
  return [node.range[0], node.range[1]]
}

function isBlockNode(node: Node): boolean {
  if (isCollection(node)) return !node.flow
  return isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)
}

/**
 * The offset just after the indicator that introduces a block node (`:` of its pair or `-` of
 * its sequence item) and the comment on that indicator's line, from the parent's CST tokens.
 */
function indicatorOf(located: Located): { end: number; comment?: string } {
  const token = (located.parent as { srcToken?: CST.Token }).srcToken
  if (!token || (token.type !== 'block-map' && token.type !== 'block-seq')) {
    throw new CannotSplice('no source tokens for the parent collection')
  }
  const item = token.items[located.index]
  const tokens: CST.SourceToken[] =
    token.type === 'block-map' ? ((item as { sep?: CST.SourceToken[] }).sep ?? []) : item.start
  const at = tokens.findIndex((t) => t.type === (token.type === 'block-map' ? 'map-value-ind' : 'seq-item-ind'))
  if (at < 0) throw new CannotSplice('no value indicator')
  let comment: string | undefined
  let space = ' '
  for (const t of tokens.slice(at + 1)) {
    if (t.type === 'newline') break
    if (t.type === 'space') space = t.source
    if (t.type === 'comment') comment = space + t.source
  }
  return { end: tokens[at].offset + 1, comment }
}

/** Start of a node including an explicit tag written before it on the same line (`!!str 5`). */
function startWithTag(text: string, start: number): number {
  let pos = start
  for (;;) {
    let p = pos
    while (p > 0 && (text[p - 1] === ' ' || text[p - 1] === '\t')) p--
    let w = p
    while (w > 0 && !/[\s]/.test(text[w - 1])) w--
    if (w < p && text[w] === '!') pos = w
    else return pos
  }
}

// ---------------------------------------------------------------------------------------------
// Style detection

function detectStyle(doc: Document, text: string): BlockStyle {
  let mapIndent: number | undefined
  let seqIndent: number | undefined
  const visit = (node: unknown) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const value = pair.value
        if (!node.flow && isCollection(value) && !value.flow && value.range && pair.key && isScalar(pair.key) && pair.key.range) {
          const delta = columnOf(text, value.range[0]) - columnOf(text, pair.key.range[0])
          if (isMap(value) && mapIndent === undefined && delta > 0) mapIndent = delta
          if (isSeq(value) && seqIndent === undefined && delta >= 0) seqIndent = delta
        }
        visit(value)
      }
    } else if (isSeq(node)) {
      node.items.forEach(visit)
    }
  }
  visit(doc.contents)
  return { mapIndent: mapIndent ?? 2, seqIndent: seqIndent ?? 0 }
}

// ---------------------------------------------------------------------------------------------
// Operations

function parseForEdit(text: string, displayPath: string): Document {
  return loadYaml(text, displayPath, { keepSourceTokens: true }).doc
}

function setValue(text: string, doc: Document, path: PathSegment[], value: unknown): string {
  const located = locate(doc, path)
  const { node } = located
  const nl = lineEnding(text)
  const [start, end] = range(node)
  if (isBlockNode(node)) {
    const endsWithNewline = text[end - 1] === '\n'
    const indicator = indicatorOf(located)
    const comment = indicator.comment ?? ''
    const tail = endsWithNewline ? nl : ''
    if (isCollection(node) && isNonEmptyCollection(value)) {
      const style = detectStyle(doc, text)
      const lines = yamlBlock(value, style)
      const sameKind = Array.isArray(value) === isSeq(node)
      const sameLine = !text.slice(indicator.end, start).includes('\n')
      if (sameKind || sameLine) {
        // block → block at the node's own place and column (comment lines before it stay)
        const indent = ' '.repeat(columnOf(text, start))
        return splice(text, start, end, lines.map((line, i) => (i === 0 ? line : indent + line)).join(nl) + tail)
      }
      // a sequence written at its key's column cannot become a mapping there: re-indent
      const base = columnOf(text, (located.parent.range ?? [start])[0])
      const offset = isSeq(located.parent) ? 2 : Array.isArray(value) ? style.seqIndent : style.mapIndent
      const indent = ' '.repeat(base + offset)
      return splice(text, indicator.end, end, `${comment}${nl}${lines.map((line) => indent + line).join(nl)}${tail}`)
    }
    // block → flow/scalar: written right after the `:` / `-`, keeping that line's comment
    return splice(text, indicator.end, end, ` ${yamlFlow(value)}${comment}${tail}`)
  }
  const from = isScalar(node) ? startWithTag(text, start) : start
  // an empty (null) value right after its indicator (`a:`) needs a separating space
  const pad = start === end && !/[ \t]/.test(text[from - 1] ?? ' ') ? ' ' : ''
  return splice(text, from, end, pad + yamlFlow(value))
}

function addKey(text: string, doc: Document, path: PathSegment[], key: string, value: unknown): string {
  const target = path.length === 0 ? (doc.contents as Node | null) : locate(doc, path).node
  if (!isMap(target) || !target.range) throw new CannotSplice(`'${formatPath(path)}' is not a mapping`)
  const nl = lineEnding(text)
  if (target.flow) {
    const [, end] = range(target)
    const close = text.lastIndexOf('}', end - 1)
    if (close < 0) throw new CannotSplice('unterminated flow mapping')
    let p = close
    while (p > 0 && /\s/.test(text[p - 1])) p--
    const entry = `${yamlString(key)}: ${yamlFlow(value)}`
    if (text[p - 1] === '{') return splice(text, p, p, entry)
    if (text[p - 1] === ',') return splice(text, p, p, ` ${entry}`)
    return splice(text, p, p, `, ${entry}`)
  }
  if (target.items.length === 0) throw new CannotSplice('empty block mapping')
  const [start, end] = range(target)
  const indent = ' '.repeat(columnOf(text, start))
  const lines = yamlBlockPair(key, value, detectStyle(doc, text)).map((l) => indent + l)
  const prefix = end > 0 && text[end - 1] !== '\n' ? nl : ''
  return splice(text, end, end, prefix + lines.join(nl) + nl)
}

/** The end of the line holding `offset`, after its line break (or the end of the text). */
function afterLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset
  const nl = text.indexOf('\n', offset)
  return nl < 0 ? text.length : nl + 1
}

/**
 * Remove a key of a mapping (or an item of a sequence): in block style its whole lines (a
 * comment on them goes too, the comment lines above the next key stay); in flow style the
 * entry and one comma.
 */
function deleteEntry(text: string, doc: Document, path: PathSegment[]): string {
  const located = locate(doc, path)
  const { node, parent, index } = located
  const start = isMap(parent) ? (parent.items[index].key as Node | null)?.range?.[0] : node.range?.[0]
  if (start === undefined) throw new CannotSplice(`'${formatPath(path)}' has no position`)
  const valueEnd = range(node)[1]
  if (isCollection(parent) && parent.flow) {
    let end = valueEnd
    while (end < text.length && /[ \t]/.test(text[end])) end++
    if (text[end] === ',') {
      end++
      while (end < text.length && /[ \t]/.test(text[end])) end++
      return splice(text, start, end, '')
    }
    let from = start
    while (from > 0 && /[ \t\r\n]/.test(text[from - 1])) from--
    if (text[from - 1] === ',') return splice(text, from - 1, valueEnd, '')
    return splice(text, start, valueEnd, '')
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1
  const before = text.slice(lineStart, start)
  if (!(isMap(parent) ? /^[ \t]*$/ : /^[ \t]*-[ \t]+$/).test(before)) {
    throw new CannotSplice(`'${formatPath(path)}' shares its line with another entry`)
  }
  return splice(text, lineStart, afterLine(text, valueEnd), '')
}

/** Apply the operations by splicing; throws CannotSplice when a construct is out of reach. */
export function spliceYaml(text: string, ops: EditOp[], displayPath: string): string {
  let current = text
  for (const op of ops) {
    const doc = parseForEdit(current, displayPath)
    current =
      op.kind === 'set'
        ? setValue(current, doc, op.path, op.value)
        : op.kind === 'add'
          ? addKey(current, doc, op.path, op.key, op.value)
          : deleteEntry(current, doc, op.path)
  }
  return current
}

/**
 * The last resort: the `yaml` Document API, which keeps comments and order but re-indents
 * and re-spaces the file (`Document.toString`).
 */
export function reserializeYaml(text: string, ops: EditOp[], displayPath: string): string {
  const doc = loadYaml(text, displayPath).doc
  for (const op of ops) {
    if (op.kind === 'delete') {
      doc.deleteIn(op.path)
      continue
    }
    const path = op.kind === 'set' ? op.path : [...op.path, op.key]
    const node = loadYaml(yamlFlow(op.value), '<value>').doc.contents
    doc.setIn(path, node)
  }
  return doc.toString({ lineWidth: 0 })
}
