/**
 * `${...}` interpolation as DVC 2.58 does it (`dvc/parsing/interpolate.py`):
 *
 * - matches are `${inner}` not preceded by a backslash; `\${` is turned into a literal `${`;
 * - `inner` is a dotted path with optional bracket indexes (`a.b`, `a[b]`, `lst[0].x`),
 *   normalised to dots; grammar errors give pyparsing-style messages;
 * - a string that is exactly one `${...}` is replaced by the value itself (type preserved);
 *   inside a longer string values are rendered with Python `str()` (bools lower-case);
 * - only primitives may be interpolated, except in `foreach` (anything) and `cmd`, where a
 *   map is rendered as command-line flags (`--k v`, shell-quoted strings).
 */
import { PyFloat, pyStr } from '../util/python-json.js'

/** A grammar or type error in an interpolation (printed after a newline, like DVC). */
export class ParseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ParseError'
  }
}

export interface ParsingConfig {
  /** `parsing.bool`: `store_true` (default: `--flag` or nothing) or `boolean_optional` (`--no-flag`). */
  bool?: 'store_true' | 'boolean_optional'
  /** `parsing.list`: `nargs` (default: `--k a b`) or `append` (`--k a --k b`). */
  list?: 'nargs' | 'append'
}

export interface InterpolationMatch {
  start: number
  end: number
  /** The text between the braces. */
  inner: string
  /** The whole `${...}`. */
  text: string
}

const KEYCRE = /(?<!\\)\$\{(.*?)\}/g

export function getMatches(template: string): InterpolationMatch[] {
  const matches: InterpolationMatch[] = []
  for (const m of template.matchAll(KEYCRE)) {
    matches.push({ start: m.index!, end: m.index! + m[0].length, inner: m[1], text: m[0] })
  }
  return matches
}

export function isInterpolatedString(value: unknown): boolean {
  return typeof value === 'string' && getMatches(value).length > 0
}

export function isExactString(src: string, matches: InterpolationMatch[]): boolean {
  return matches.length === 1 && src === matches[0].text
}

const NOT_WORD = '.[]'

function pyparsingError(expr: string, loc: number, expected: string): ParseError {
  // DVC shows the expression wrapped in `${}` with the location shifted by 2
  const pstr = '${' + expr + '}'
  const at = loc + 2
  let found: string
  if (at >= pstr.length) found = 'end of text'
  else {
    const word = /^[A-Za-z0-9_]{1,16}/.exec(pstr.slice(at))
    found = `'${word ? word[0] : pstr[at]}'`
  }
  const message = `${expected}, found ${found}  (at char ${at}), (line:1, col:${at + 1})`
  return new ParseError(`${pstr}\n${' '.repeat(at)}^\nParseException: ${message}`)
}

/**
 * Parse an interpolation expression (`word (.word | [word])*`, where a word is any run of
 * characters other than `.`, `[` and `]`) and return it normalised to dots.
 */
export function parseExpression(expr: string): string {
  let pos = 0
  const word = (): string | null => {
    let end = pos
    while (end < expr.length && !NOT_WORD.includes(expr[end])) end++
    if (end === pos) return null
    const text = expr.slice(pos, end)
    pos = end
    return text
  }
  const first = word()
  if (first === null) throw pyparsingError(expr, 0, 'Expected !W:(.[])')
  const parts = [first]
  for (;;) {
    const save = pos
    if (expr[pos] === '.') {
      pos++
      const w = word()
      if (w === null) {
        pos = save
        break
      }
      parts.push(w)
    } else if (expr[pos] === '[') {
      pos++
      const w = word()
      if (w === null || expr[pos] !== ']') {
        pos = save
        break
      }
      pos++
      parts.push(w)
    } else {
      break
    }
  }
  if (pos < expr.length) throw pyparsingError(expr, pos, 'Expected end of text')
  return parts.join('.')
}

/** Raise the first grammar error among all `${}` of all strings (keys included) of `data`. */
export function checkRecursiveParseErrors(data: unknown): void {
  walkStrings(data, (s) => {
    for (const match of getMatches(s)) parseExpression(match.inner)
  })
}

export function walkStrings(data: unknown, visit: (s: string) => void): void {
  if (typeof data === 'string') visit(data)
  else if (Array.isArray(data)) data.forEach((item) => walkStrings(item, visit))
  else if (isPlainMap(data)) {
    for (const [key, value] of Object.entries(data)) {
      visit(key)
      walkStrings(value, visit)
    }
  }
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Python type name of a value, for messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  if (value instanceof PyFloat) return 'float'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'bigint') return 'int'
  if (Array.isArray(value)) return 'list'
  if (isPlainMap(value)) return 'dict'
  return typeof value
}

export function isPrimitive(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint' ||
    value instanceof PyFloat
  )
}

/** `validate_value`: only primitives, except anywhere under `foreach`, and maps in `cmd`. */
export function validateValue(value: unknown, key: string | undefined): void {
  const notPrimitive = !isPrimitive(value)
  const notForeach = key !== undefined && !key.includes('foreach')
  if (notPrimitive && notForeach) {
    if (isPlainMap(value) && key === 'cmd') return
    throw new ParseError(`Cannot interpolate data of type '${pyTypeName(value)}'`)
  }
}

/** POSIX `shlex.quote`. */
export function shellQuote(s: string): string {
  if (s === '') return "''"
  if (/^[\w@%+=:,./-]+$/.test(s)) return s
  return `'${s.replace(/'/g, `'"'"'`)}'`
}

/** Nested maps flattened to dotted keys (lists kept as values, empty maps dropped). */
export function flattenDict(data: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (const [key, value] of Object.entries(data)) {
    const full = prefix ? `${prefix}.${key}` : key
    if (isPlainMap(value)) out.push(...flattenDict(value, full))
    else out.push([full, value])
  }
  return out
}

/** Python `f"{v}"` (bools as `True`/`False`, unlike `to_str`). */
function pyFormat(value: unknown): string {
  if (value === true) return 'True'
  if (value === false) return 'False'
  return pyStr(value)
}

/** `to_str`: how a value is rendered inside a string (maps as command-line flags). */
export function toStr(value: unknown, config: ParsingConfig = {}): string {
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (isPlainMap(value)) {
    let result = ''
    for (const [k, v] of flattenDict(value)) {
      if (typeof v === 'boolean') {
        if (v) result += `--${k} `
        else if (config.bool === 'boolean_optional') result += `--no-${k} `
      } else if (typeof v === 'string') {
        result += `--${k} ${shellQuote(v)} `
      } else if (Array.isArray(v)) {
        v.forEach((item, n) => {
          let text: string
          if (typeof item === 'string') text = shellQuote(item)
          else if (Array.isArray(item) || isPlainMap(item)) {
            throw new ParseError(`Cannot interpolate nested iterable in '${k}'`)
          } else text = pyFormat(item)
          if (config.list === 'append') result += `--${k} ${text} `
          else result += n > 0 ? `${text} ` : `--${k} ${text} `
        })
      } else {
        result += `--${k} ${pyFormat(v)} `
      }
    }
    return result.trimEnd()
  }
  return pyStr(value)
}

export interface ResolveOptions {
  /** Top-level stage key being resolved (`cmd`, `outs`, `foreach`...); undefined = no type checks. */
  key?: string
  config?: ParsingConfig
}

// DVC skips re-parsing in foreach-generated stages and then fails to find `${item[x]}`;
// expressions are always normalised here.
function expressionOf(match: InterpolationMatch): string {
  return parseExpression(match.inner)
}

/** What interpolation reads variables from (vars-context.ts's `Context` is one). */
export interface VarsLookup {
  select(key: string): unknown
}

/** `Context.resolve_str`. */
export function resolveStr(src: string, context: VarsLookup, options: ResolveOptions = {}): unknown {
  const matches = getMatches(src)
  if (isExactString(src, matches)) {
    const value = context.select(expressionOf(matches[0]))
    validateValue(value, options.key)
    // a map interpolated as the whole `cmd` is rendered as flags, like inside a string
    if (options.key === 'cmd' && isPlainMap(value)) return toStr(value, options.config)
    return value
  }
  let buf = ''
  let index = 0
  for (const match of matches) {
    const value = context.select(expressionOf(match))
    validateValue(value, options.key)
    buf += src.slice(index, match.start) + toStr(value, options.config)
    index = match.end
  }
  buf += src.slice(index)
  return buf.split('\\${').join('${')
}

/** `Context.resolve`: every string, map key included, of nested data. */
export function resolveData(data: unknown, context: VarsLookup, options: ResolveOptions = {}): unknown {
  if (typeof data === 'string') return resolveStr(data, context, options)
  if (Array.isArray(data)) return data.map((item) => resolveData(item, context, options))
  if (isPlainMap(data)) {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(data)) {
      const newKey = resolveStr(key, context, options)
      const keyText = typeof newKey === 'string' ? newKey : toStr(newKey, options.config)
      Object.defineProperty(out, keyText, {
        value: resolveData(value, context, options),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return data
}
