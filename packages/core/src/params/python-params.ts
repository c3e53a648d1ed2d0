/**
 * Parameters from a Python file, the way DVC 2.x reads them (`dvc/utils/serialize/_py.py`,
 * which walks `ast.parse(text).body`):
 *
 * - top-level `NAME = value` and `NAME: type = value` → `{NAME: value}`;
 * - `class Name:` bodies → nested maps (`Train.lr`), recursively;
 * - `def __init__(self, ...):` bodies → the `self.x = value` assignments (merged into the
 *   enclosing class or module);
 * - `value` must be a literal: a number, a string (implicit concatenation allowed), `True`,
 *   `False`, `None`, or a list / tuple / set / dict whose elements are such literals.
 *   Anything else is skipped silently, exactly as DVC does — including negative numbers
 *   (`x = -1` is a unary operation in Python's AST, so DVC ignores it), nested containers,
 *   bytes, f-strings, complex numbers, chained (`a = b = 1`) and tuple (`a, b = ...`) targets.
 *
 * This is a tokenizer plus a statement recogniser, not a Python parser: it detects broken
 * structure (unterminated strings, unbalanced brackets) but not every syntax error that
 * `ast.parse` would reject. Tuples and sets become arrays (set order = source order).
 */
import { PyFloat } from '../util/python-json.js'

export class PythonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
    this.name = 'PythonSyntaxError'
  }
}

export type TokType = 'name' | 'number' | 'string' | 'op'

export interface Token {
  type: TokType
  text: string
  line: number
  /** Offset of the token's first character in the source, and just past its last one. */
  start: number
  end: number
  /** strings: decoded value; `bytes`/`fstring` mark literals DVC does not accept. */
  value?: string
  bytes?: boolean
  fstring?: boolean
}

export interface LogicalLine {
  indent: number
  tokens: Token[]
  line: number
}

const OPERATORS = [
  '**=', '//=', '>>=', '<<=', '...', '->', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '==', '!=', '<=', '>=', '**', '//', '<<', '>>',
]

const NAME_START = /[\p{L}\p{Nl}_]/u
const NAME_CHAR = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u

/** Split Python source into logical lines of tokens (brackets and `\\` join physical lines). */
export function tokenize(text: string): LogicalLine[] {
  const lines: LogicalLine[] = []
  let pos = 0
  let line = 1
  let depth = 0
  const bracketStack: Array<{ ch: string; line: number }> = []
  let current: LogicalLine | null = null
  let atLineStart = true

  const closeLine = () => {
    if (current && current.tokens.length) lines.push(current)
    current = null
    atLineStart = true
  }

  while (pos < text.length) {
    if (atLineStart && depth === 0) {
      // measure indentation
      let indent = 0
      let p = pos
      while (p < text.length && (text[p] === ' ' || text[p] === '\t' || text[p] === '\f')) {
        indent = text[p] === '\t' ? (Math.floor(indent / 8) + 1) * 8 : text[p] === '\f' ? 0 : indent + 1
        p++
      }
      pos = p
      atLineStart = false
      if (current === null) current = { indent, tokens: [], line }
    }
    const ch = text[pos]
    if (ch === '\n' || ch === '\r') {
      pos += ch === '\r' && text[pos + 1] === '\n' ? 2 : 1
      line++
      if (depth === 0) closeLine()
      continue
    }
    if (ch === ' ' || ch === '\t' || ch === '\f') {
      pos++
      continue
    }
    if (ch === '#') {
      while (pos < text.length && text[pos] !== '\n' && text[pos] !== '\r') pos++
      continue
    }
    if (ch === '\\') {
      const next = text[pos + 1]
      if (next === '\n' || next === '\r') {
        pos += next === '\r' && text[pos + 2] === '\n' ? 3 : 2
        line++
        continue
      }
      throw new PythonSyntaxError('unexpected character after line continuation character', line)
    }
    const target = current!
    // strings (with optional prefix)
    const stringMatch = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(text.slice(pos, pos + 5))
    if (stringMatch && /^(?:[rR]?[bBfF]?|[bBfF]?[rR]?|[uU])$/.test(stringMatch[1])) {
      const prefix = stringMatch[1].toLowerCase()
      const quote = stringMatch[2]
      const startLine = line
      let p = pos + stringMatch[0].length
      let raw = ''
      for (;;) {
        if (p >= text.length) throw new PythonSyntaxError('unterminated string literal', startLine)
        if (text.startsWith(quote, p)) {
          p += quote.length
          break
        }
        const c = text[p]
        if ((c === '\n' || c === '\r') && quote.length === 1) {
          throw new PythonSyntaxError('unterminated string literal', startLine)
        }
        if (c === '\\' && p + 1 < text.length) {
          raw += c + text[p + 1]
          if (text[p + 1] === '\n') line++
          p += 2
          continue
        }
        if (c === '\n') line++
        raw += c
        p++
      }
      target.tokens.push({
        type: 'string',
        text: text.slice(pos, p),
        line: startLine,
        start: pos,
        end: p,
        value: prefix.includes('r') ? raw : decodeEscapes(raw),
        bytes: prefix.includes('b'),
        fstring: prefix.includes('f'),
      })
      pos = p
      continue
    }
    if (NAME_START.test(ch)) {
      let p = pos + 1
      while (p < text.length && NAME_CHAR.test(text[p])) p++
      target.tokens.push({ type: 'name', text: text.slice(pos, p), line, start: pos, end: p })
      pos = p
      continue
    }
    const numberMatch =
      /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*\.(?:[0-9](?:_?[0-9])*)?|\.[0-9](?:_?[0-9])*)(?:[eE][-+]?[0-9](?:_?[0-9])*)?[jJ]?|[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?[jJ]?)/.exec(
        text.slice(pos, pos + 400),
      )
    if (numberMatch && (ch !== '.' || /[0-9]/.test(text[pos + 1] ?? ''))) {
      target.tokens.push({ type: 'number', text: numberMatch[0], line, start: pos, end: pos + numberMatch[0].length })
      pos += numberMatch[0].length
      continue
    }
    if ('([{'.includes(ch)) {
      depth++
      bracketStack.push({ ch, line })
      target.tokens.push({ type: 'op', text: ch, line, start: pos, end: pos + 1 })
      pos++
      continue
    }
    if (')]}'.includes(ch)) {
      const open = bracketStack.pop()
      const expected = open ? { '(': ')', '[': ']', '{': '}' }[open.ch] : undefined
      if (expected !== ch) throw new PythonSyntaxError(`unmatched '${ch}'`, line)
      depth--
      target.tokens.push({ type: 'op', text: ch, line, start: pos, end: pos + 1 })
      pos++
      continue
    }
    const op = OPERATORS.find((o) => text.startsWith(o, pos)) ?? ch
    target.tokens.push({ type: 'op', text: op, line, start: pos, end: pos + op.length })
    pos += op.length
  }
  if (bracketStack.length) {
    const open = bracketStack[bracketStack.length - 1]
    throw new PythonSyntaxError(`'${open.ch}' was never closed`, open.line)
  }
  closeLine()
  return lines
}

function decodeEscapes(raw: string): string {
  return raw.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\}|[\s\S])/g, (all, esc: string) => {
    const simple: Record<string, string> = {
      '\n': '',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
    }
    if (esc in simple) return simple[esc]
    if (/^[xuU]/.test(esc) && esc.length > 1) return String.fromCodePoint(parseInt(esc.slice(1), 16))
    if (/^[0-7]+$/.test(esc)) return String.fromCodePoint(parseInt(esc, 8))
    return all
  })
}

class Skip extends Error {}

function numberValue(text: string): number | PyFloat {
  const clean = text.replace(/_/g, '')
  if (/[jJ]$/.test(clean)) throw new Skip() // complex: not representable
  if (/^0[xXoObB]/.test(clean)) {
    const big = BigInt(clean.toLowerCase())
    return Number(big)
  }
  if (/[.eE]/.test(clean)) {
    const value = Number(clean)
    return Number.isInteger(value) ? new PyFloat(value) : value
  }
  return Number(BigInt(clean))
}

/** `_get_ast_value`: a single literal (Num, Str, NameConstant). */
function scalarLiteral(tokens: Token[]): unknown {
  if (tokens.length === 0) throw new Skip()
  if (tokens.every((t) => t.type === 'string')) {
    if (tokens.some((t) => t.bytes || t.fstring)) throw new Skip()
    return tokens.map((t) => t.value).join('')
  }
  if (tokens.length !== 1) throw new Skip()
  const [token] = tokens
  if (token.type === 'number') return numberValue(token.text)
  if (token.type === 'name') {
    if (token.text === 'True') return true
    if (token.text === 'False') return false
    if (token.text === 'None') return null
  }
  throw new Skip()
}

/** Split a token list on top-level commas. */
function splitTopLevel(tokens: Token[], separator: string): Token[][] {
  const parts: Token[][] = [[]]
  let depth = 0
  for (const token of tokens) {
    if (token.type === 'op' && '([{'.includes(token.text)) depth++
    if (token.type === 'op' && ')]}'.includes(token.text)) depth--
    if (depth === 0 && token.type === 'op' && token.text === separator) parts.push([])
    else parts[parts.length - 1].push(token)
  }
  return parts
}

function elements(tokens: Token[]): Token[][] {
  const parts = splitTopLevel(tokens, ',')
  if (parts.length > 1 && parts[parts.length - 1].length === 0) parts.pop() // trailing comma
  if (parts.length === 1 && parts[0].length === 0) return []
  if (parts.some((p) => p.length === 0)) throw new Skip()
  return parts
}

function isWrapped(tokens: Token[], open: string, close: string): boolean {
  if (tokens.length < 2 || tokens[0].text !== open || tokens[tokens.length - 1].text !== close) return false
  let depth = 0
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t.type === 'op' && '([{'.includes(t.text)) depth++
    if (t.type === 'op' && ')]}'.includes(t.text)) depth--
    if (depth === 0 && i < tokens.length - 1) return false
  }
  return true
}

/** The value of an assignment, as `_ast_assign_to_dict` accepts it. */
function assignedValue(tokens: Token[]): unknown {
  // a bare tuple `x = 1, 2`
  const top = splitTopLevel(tokens, ',')
  if (top.length > 1) return elements(tokens).map(scalarLiteral)
  let inner = tokens
  // parenthesised expression or tuple
  while (isWrapped(inner, '(', ')')) {
    const body = inner.slice(1, -1)
    const parts = splitTopLevel(body, ',')
    if (parts.length > 1 || body.length === 0) return elements(body).map(scalarLiteral)
    inner = body
  }
  if (isWrapped(inner, '[', ']')) return elements(inner.slice(1, -1)).map(scalarLiteral)
  if (isWrapped(inner, '{', '}')) {
    const body = inner.slice(1, -1)
    const items = elements(body)
    if (items.length === 0) return {}
    const pairs = items.map((item) => splitTopLevel(item, ':'))
    if (pairs.every((p) => p.length === 2)) {
      const result: Record<string, unknown> = {}
      for (const [k, v] of pairs) {
        const key = scalarLiteral(k)
        const value = scalarLiteral(v)
        Object.defineProperty(result, pyKey(key), { value, enumerable: true, writable: true, configurable: true })
      }
      return result
    }
    if (pairs.every((p) => p.length === 1)) {
      // a set: keep first occurrences
      const seen = new Set<string>()
      const out: unknown[] = []
      for (const item of items) {
        const value = scalarLiteral(item)
        const id = `${typeof value}:${String(value)}`
        if (!seen.has(id)) {
          seen.add(id)
          out.push(value)
        }
      }
      return out
    }
    throw new Skip()
  }
  return scalarLiteral(inner)
}

function pyKey(key: unknown): string {
  if (key === true) return 'True'
  if (key === false) return 'False'
  if (key === null) return 'None'
  return String(key)
}

function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** `_ast_tree_to_dict` over a block of logical lines (all at the block's indentation). */
function blockToDict(
  lines: LogicalLine[],
  onlySelfParams: boolean,
  spans?: Map<string, Token[]>,
  prefix: string[] = [],
): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  let i = 0
  while (i < lines.length) {
    const header = lines[i]
    // the body of a compound statement: following lines indented deeper
    let j = i + 1
    while (j < lines.length && lines[j].indent > header.indent) j++
    const body = lines.slice(i + 1, j)
    i = j
    const first = header.tokens[0]
    if (first.type === 'name' && (first.text === 'class' || first.text === 'def')) {
      // `class X(...):` / `def __init__(self):`, with the body on the next lines or inline
      const colon = findTopLevel(header.tokens, ':')
      if (colon < 0) continue
      const inline = header.tokens.slice(colon + 1)
      const blockLines = normaliseBlock(
        inline.length ? [{ indent: header.indent + 1, tokens: inline, line: header.line }, ...body] : body,
      )
      const name = header.tokens[1]?.type === 'name' ? header.tokens[1].text : undefined
      if (first.text === 'class' && name) {
        spans?.delete(JSON.stringify([...prefix, name]))
        setKey(result, name, blockToDict(blockLines, false, spans, [...prefix, name]))
      } else if (first.text === 'def' && name === '__init__') {
        Object.assign(result, blockToDict(blockLines, true, spans, prefix))
      }
      continue
    }
    if (first.type === 'name' && COMPOUND.includes(first.text)) continue
    for (const tokens of splitTopLevel(header.tokens, ';')) {
      if (tokens.length === 0) continue
      try {
        const assignment = parseAssignment(tokens, onlySelfParams)
        if (assignment) {
          setKey(result, assignment[0], assignment[1])
          spans?.set(JSON.stringify([...prefix, assignment[0]]), assignment[2])
        }
      } catch (error) {
        if (!(error instanceof Skip)) throw error
      }
    }
  }
  return result
}

/** Body lines may be indented by any amount: keep only the block's own statements at its first indent. */
function normaliseBlock(lines: LogicalLine[]): LogicalLine[] {
  if (lines.length === 0) return lines
  const base = lines[0].indent
  return lines.map((l) => (l.indent < base ? { ...l, indent: base } : l))
}

const COMPOUND = ['if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'async']

function findTopLevel(tokens: Token[], text: string): number {
  let depth = 0
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t.type === 'op' && '([{'.includes(t.text)) depth++
    if (t.type === 'op' && ')]}'.includes(t.text)) depth--
    if (depth === 0 && t.type === 'op' && t.text === text) return i
  }
  return -1
}

function parseAssignment(tokens: Token[], onlySelfParams: boolean): [string, unknown, Token[]] | undefined {
  const eqPositions: number[] = []
  let depth = 0
  tokens.forEach((t, i) => {
    if (t.type === 'op' && '([{'.includes(t.text)) depth++
    if (t.type === 'op' && ')]}'.includes(t.text)) depth--
    if (depth === 0 && t.type === 'op' && t.text === '=') eqPositions.push(i)
  })
  if (eqPositions.length === 0) return undefined // annotation only, expression, import...
  if (eqPositions.length > 1) throw new Skip() // a = b = 1
  const eq = eqPositions[0]
  let target = tokens.slice(0, eq)
  const colon = findTopLevel(target, ':')
  if (colon >= 0) target = target.slice(0, colon) // AnnAssign
  const value = tokens.slice(eq + 1)
  let name: string
  if (target.length === 1 && target[0].type === 'name' && !onlySelfParams) {
    name = target[0].text
  } else if (
    target.length === 3 &&
    target[0].type === 'name' &&
    target[0].text === 'self' &&
    target[1].text === '.' &&
    target[2].type === 'name'
  ) {
    name = target[2].text
  } else {
    throw new Skip()
  }
  return [name, assignedValue(value), value]
}

/** Parse the parameters of a Python source file. Throws PythonSyntaxError on broken structure. */
export function parsePythonParams(text: string): Record<string, unknown> {
  const lines = tokenize(text)
  if (lines.length && lines[0].indent !== 0) throw new PythonSyntaxError('unexpected indent', lines[0].line)
  return blockToDict(lines, false)
}

/**
 * The value tokens of every parameter assignment DVC reads, keyed by `JSON.stringify(path)`
 * (`["Train","lr"]`); for a name assigned twice, the last assignment (the one DVC keeps).
 */
export function pythonParamSpans(text: string): Map<string, Token[]> {
  const lines = tokenize(text)
  if (lines.length && lines[0].indent !== 0) throw new PythonSyntaxError('unexpected indent', lines[0].line)
  const spans = new Map<string, Token[]>()
  blockToDict(lines, false, spans)
  return spans
}
