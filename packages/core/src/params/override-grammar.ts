/**
 * The `-S/--set-param` grammar: DVC 3's Hydra override syntax (reference §7), on top of DVC
 * 2.x's `[file:]key=value`, parsed by a small recursive-descent parser that reports the
 * position of every error.
 *
 *   override  := ['+' | '++' | '~'] [file ':'] key ['=' value]
 *   value     := element (',' element)*          two or more elements: a choice sweep
 *   element   := function | list | dict | quoted | primitive
 *   function  := name '(' [arg (',' arg)*] ')'   arg := [name '='] element
 *   list      := '[' [element (',' element)*] ']'
 *   dict      := '{' [dkey ':' element (',' dkey ':' element)*] '}'
 *
 * - `key=value` sets an existing key, `+key=value` adds a new one, `++key=value` sets or adds,
 *   `~key` deletes (`~key=value`: only if the key holds that value). `key=` sets `''`.
 * - Primitives are typed as Hydra types them: `null` (any case), `true`/`false` (any case),
 *   ints (`10`, `-3`, `1_000`), floats (`0.1`, `1e-3`, `.5`, `inf`, `nan`; an integral float
 *   such as `1.0` stays a float), anything else a string (trimmed; `\` escapes a special
 *   character). Quoted strings (`'01'`, `"a, b"`) are strings, with `\'`, `\"` and `\\`.
 *   The characters `= , ( ) [ ] { } ' "` are special outside quotes.
 * - Sweeps: `choice(a,b,...)` or a bare `a,b,...`; `range(start,stop[,step])` (stop
 *   exclusive, ints or floats, step not 0); for random search `interval(lo,hi)` (continuous,
 *   lo ≤ x < hi), `loguniform(lo,hi)` (0 < lo, log-uniform) and `randint(lo,hi)` (lo ≤ n < hi).
 *   Arguments may be named (`range(start=0,stop=5)`). Sweeps appear only at the top of a value.
 * - DVC 2.x compatibility: an argument whose comma-separated parts all have the form
 *   `key=value` (`-S a=1,b=2`) is several assignments, as DVC 2.x documented it; a later part
 *   without a file prefix uses the first part's file. Otherwise commas make a sweep
 *   (`-S a=1,2`).
 */
import { TrellisError } from '../errors.js'
import { PyFloat } from '../util/python-json.js'
import { setOwn } from './edit-ops.js'

export type OverrideOp = 'set' | 'add' | 'force' | 'delete'

export type SweepSpec =
  | { fn: 'choice'; values: unknown[] }
  | { fn: 'range'; start: number; stop: number; step: number; float: boolean }
  | { fn: 'interval' | 'loguniform'; lo: number; hi: number }
  | { fn: 'randint'; lo: number; hi: number }

/** One override of a `-S` argument (an argument holds several under the 2.x comma rule). */
export interface ParsedOverride {
  /** The whole `-S` argument. */
  arg: string
  /** 0-based offset of this override in `arg`. */
  offset: number
  op: OverrideOp
  /** The file prefix as typed (undefined: the default params file). */
  file?: string
  /** The key as typed. */
  key: string
  /** 0-based offset of the key in `arg`. */
  keyOffset: number
  /** The value (set/add/force; for delete the expected value, if given). */
  value?: unknown
  /** Set instead of `value` for a sweep. */
  sweep?: SweepSpec
  /** 0-based offset of the value in `arg`. */
  valueOffset: number
  /** The value text as typed. */
  rawValue: string
}

const SPECIAL = new Set(['=', ',', '(', ')', '[', ']', '{', '}', "'", '"'])
const SWEEP_FUNCTIONS = ['choice', 'range', 'interval', 'loguniform', 'randint']
export const RANDOM_ONLY: ReadonlySet<SweepSpec['fn']> = new Set(['interval', 'loguniform', 'randint'])
const HINT =
  "Write -S [+|++|~][file:]key=value; values: 0.1, 'text', [1, 2], {a: 1}; sweeps: a,b,c  choice(a,b)  range(0,10,2)  interval(0,1)  loguniform(1e-4,1e-1)  randint(1,10)."

/** The error for a bad `-S`: names the argument and the 1-based position. */
export function overrideError(arg: string, offset: number, what: string, hint = HINT): TrellisError {
  return new TrellisError('OVERRIDE_INVALID', `Invalid -S '${arg}' at position ${offset + 1}: ${what}`, { hint })
}

const INT = /^[+-]?(?:0|[1-9](?:_?[0-9])*)$/
const FLOAT = /^[+-]?(?:(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.)(?:[eE][+-]?[0-9]+)?|[0-9](?:_?[0-9])*[eE][+-]?[0-9]+|inf|nan)$/i

/** Hydra's typing of an unquoted primitive. */
export function typePrimitive(text: string): unknown {
  const lower = text.toLowerCase()
  if (lower === 'null') return null
  if (lower === 'true') return true
  if (lower === 'false') return false
  if (INT.test(text)) {
    const n = Number(text.replace(/_/g, ''))
    return Number.isSafeInteger(n) ? n : BigInt(text.replace(/_/g, '').replace(/^\+/, ''))
  }
  if (FLOAT.test(text)) {
    const clean = text.replace(/_/g, '').toLowerCase()
    const sign = clean.startsWith('-') ? -1 : 1
    const body = clean.replace(/^[+-]/, '')
    const x = body === 'inf' ? sign * Infinity : body === 'nan' ? NaN : Number(clean)
    return Number.isInteger(x) || !Number.isFinite(x) ? new PyFloat(x) : x
  }
  return text
}

function isNumber(value: unknown): boolean {
  return typeof value === 'number' || value instanceof PyFloat || typeof value === 'bigint'
}

function numberOf(value: unknown): number {
  return value instanceof PyFloat ? value.value : Number(value)
}

function isFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === 'number' && !Number.isInteger(value))
}

class Parser {
  pos: number

  constructor(
    readonly arg: string,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }

  fail(what: string, at = this.pos): never {
    throw overrideError(this.arg, at, what)
  }

  peek(): string | undefined {
    return this.pos < this.end ? this.arg[this.pos] : undefined
  }

  spaces(): void {
    while (this.pos < this.end && /\s/.test(this.arg[this.pos])) this.pos++
  }

  describe(): string {
    const ch = this.peek()
    return ch === undefined ? 'the end' : `'${ch}'`
  }

  /** value := element (',' element)* at the top of an override. */
  topValue(): { value?: unknown; sweep?: SweepSpec } {
    const start = this.pos
    const first = this.element(true)
    this.spaces()
    if (this.peek() !== ',') {
      if (this.pos < this.end) this.unexpected()
      return first
    }
    if (first.sweep) this.fail('a sweep cannot be part of a comma list', start)
    const values = [first.value]
    while (this.peek() === ',') {
      this.pos++
      const at = this.pos
      const next = this.element(false)
      if (next.sweep) this.fail('a sweep cannot be part of a comma list', at)
      values.push(next.value)
      this.spaces()
    }
    if (this.pos < this.end) this.unexpected()
    return { sweep: { fn: 'choice', values } }
  }

  unexpected(): never {
    if (this.peek() === '=') {
      throw overrideError(
        this.arg,
        this.pos,
        "unexpected '=' in a value",
        "Quote a value that holds '=' (-S \"k='a=b'\"). Several assignments in one -S (a=1,b=2) need every comma part to be key=value.",
      )
    }
    this.fail(`unexpected ${this.describe()}`)
  }

  /** element; `top` allows a sweep function. */
  element(top: boolean): { value?: unknown; sweep?: SweepSpec } {
    this.spaces()
    const ch = this.peek()
    if (ch === '[') return { value: this.list() }
    if (ch === '{') return { value: this.dict() }
    if (ch === "'" || ch === '"') return { value: this.quoted() }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.arg.slice(this.pos, this.end))
    if (name && this.arg[this.pos + name[0].length] === '(' && this.pos + name[0].length < this.end) {
      const at = this.pos
      if (!SWEEP_FUNCTIONS.includes(name[0])) {
        this.fail(`unknown function '${name[0]}' (supported: ${SWEEP_FUNCTIONS.map((f) => `${f}()`).join(', ')})`)
      }
      if (!top) this.fail(`${name[0]}() can only be the whole value of a -S, not part of a list, dict or function`)
      this.pos += name[0].length + 1
      return { sweep: this.sweepFunction(name[0], at) }
    }
    return { value: this.primitive() }
  }

  primitive(): unknown {
    let text = ''
    let escaped = false
    while (this.pos < this.end) {
      const ch = this.arg[this.pos]
      if (ch === '\\' && this.pos + 1 < this.end) {
        text += this.arg[this.pos + 1]
        escaped = true
        this.pos += 2
        continue
      }
      if (SPECIAL.has(ch)) break
      text += ch
      this.pos++
    }
    const trimmed = text.trim()
    if (trimmed === '') {
      if (this.peek() === '=') this.unexpected()
      this.fail(this.pos < this.end ? `expected a value before ${this.describe()}` : 'expected a value')
    }
    // an escaped character keeps the primitive a string
    return escaped ? trimmed : typePrimitive(trimmed)
  }

  quoted(): string {
    const quote = this.arg[this.pos]
    const start = this.pos
    this.pos++
    let out = ''
    while (this.pos < this.end && this.arg[this.pos] !== quote) {
      const ch = this.arg[this.pos]
      if (ch === '\\' && this.pos + 1 < this.end && (this.arg[this.pos + 1] === quote || this.arg[this.pos + 1] === '\\')) {
        out += this.arg[this.pos + 1]
        this.pos += 2
        continue
      }
      out += ch
      this.pos++
    }
    if (this.pos >= this.end) this.fail(`unterminated quoted string`, start)
    this.pos++
    this.spaces()
    const next = this.peek()
    if (next !== undefined && !SPECIAL.has(next) && next !== ':') this.fail(`unexpected ${this.describe()} after a quoted string`)
    return out
  }

  list(): unknown[] {
    const start = this.pos
    this.pos++
    const items: unknown[] = []
    this.spaces()
    if (this.peek() === ']') {
      this.pos++
      return items
    }
    for (;;) {
      items.push(this.element(false).value)
      this.spaces()
      const ch = this.peek()
      if (ch === ',') {
        this.pos++
        continue
      }
      if (ch === ']') {
        this.pos++
        return items
      }
      if (ch === undefined) this.fail("unterminated list: expected ']'", start)
      this.unexpected()
    }
  }

  dict(): Record<string, unknown> {
    const start = this.pos
    this.pos++
    const out: Record<string, unknown> = {}
    this.spaces()
    if (this.peek() === '}') {
      this.pos++
      return out
    }
    for (;;) {
      this.spaces()
      const keyAt = this.pos
      let key: string
      if (this.peek() === "'" || this.peek() === '"') {
        key = this.quoted()
      } else {
        const m = /^[^:,=(){}[\]'"]*/.exec(this.arg.slice(this.pos, this.end))!
        key = m[0].trim()
        this.pos += m[0].length
        if (key === '') this.fail('expected a key in a dict')
      }
      this.spaces()
      if (this.peek() !== ':') this.fail(`expected ':' after the dict key '${key}'`)
      this.pos++
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`duplicate dict key '${key}'`, keyAt)
      setOwn(out, key, this.element(false).value)
      this.spaces()
      const ch = this.peek()
      if (ch === ',') {
        this.pos++
        continue
      }
      if (ch === '}') {
        this.pos++
        return out
      }
      if (ch === undefined) this.fail("unterminated dict: expected '}'", start)
      this.unexpected()
    }
  }

  /** After `name(`: the arguments up to `)`, then the sweep. */
  sweepFunction(name: string, at: number): SweepSpec {
    const positional: Array<{ value: unknown; at: number }> = []
    const named = new Map<string, { value: unknown; at: number }>()
    this.spaces()
    if (this.peek() === ')') {
      this.pos++
    } else {
      for (;;) {
        this.spaces()
        const argAt = this.pos
        const kw = /^([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(this.arg.slice(this.pos, this.end))
        if (kw) {
          this.pos += kw[0].length
          if (named.has(kw[1])) this.fail(`${name}() got '${kw[1]}' twice`, argAt)
          named.set(kw[1], { value: this.element(false).value, at: argAt })
        } else {
          if (named.size) this.fail(`${name}(): a positional argument cannot follow a named one`, argAt)
          positional.push({ value: this.element(false).value, at: argAt })
        }
        this.spaces()
        const ch = this.peek()
        if (ch === ',') {
          this.pos++
          continue
        }
        if (ch === ')') {
          this.pos++
          break
        }
        if (ch === undefined) this.fail(`unterminated ${name}(: expected ')'`, at)
        this.unexpected()
      }
    }
    this.spaces()
    if (this.peek() === ',') this.fail('a sweep cannot be part of a comma list', at)
    if (this.pos < this.end) this.unexpected()
    return this.buildSweep(name, at, positional, named)
  }

  buildSweep(
    name: string,
    at: number,
    positional: Array<{ value: unknown; at: number }>,
    named: Map<string, { value: unknown; at: number }>,
  ): SweepSpec {
    if (name === 'choice') {
      if (named.size) this.fail('choice() takes values only, no named arguments', [...named.values()][0].at)
      if (positional.length === 0) this.fail('choice() needs at least one value', at)
      return { fn: 'choice', values: positional.map((p) => p.value) }
    }
    const params: Record<string, string[]> = {
      range: ['start', 'stop', 'step'],
      interval: ['start', 'end'],
      loguniform: ['lo', 'hi'],
      randint: ['lo', 'hi'],
    }
    const names = params[name]
    if (positional.length > names.length) this.fail(`${name}() takes at most ${names.length} arguments (${names.join(', ')})`, positional[names.length].at)
    const args: Array<{ value: unknown; at: number } | undefined> = names.map((n, i) => positional[i])
    for (const [key, value] of named) {
      const index = names.indexOf(key)
      if (index < 0) this.fail(`${name}() has no argument '${key}' (it takes ${names.join(', ')})`, value.at)
      if (args[index]) this.fail(`${name}() got '${key}' twice`, value.at)
      args[index] = value
    }
    const required = 2
    for (let i = 0; i < required; i++) if (!args[i]) this.fail(`${name}() needs ${names.slice(0, required).join(' and ')}`, at)
    for (const a of args) if (a && !isNumber(a.value)) this.fail(`${name}() takes numbers, not '${String(a.value)}'`, a.at)
    const [a, b, c] = args.map((x) => (x ? numberOf(x.value) : undefined))
    for (const x of args) if (x && !Number.isFinite(numberOf(x.value))) this.fail(`${name}() takes finite numbers`, x.at)
    if (name === 'range') {
      const step = c ?? 1
      if (step === 0) this.fail('range() step must not be 0', args[2]!.at)
      if ((step > 0 && a! >= b!) || (step < 0 && a! <= b!)) {
        this.fail(`range(${a}, ${b}, ${step}) is empty (the stop is exclusive)`, at)
      }
      return { fn: 'range', start: a!, stop: b!, step, float: args.some((x) => x && isFloat(x.value)) }
    }
    if (!(a! < b!)) this.fail(`${name}() needs lo < hi, got ${a} and ${b}`, at)
    if (name === 'randint') {
      for (const x of args) if (x && !Number.isInteger(numberOf(x.value))) this.fail('randint() takes integers', x.at)
      return { fn: 'randint', lo: a!, hi: b! }
    }
    if (name === 'loguniform' && a! <= 0) this.fail('loguniform() needs 0 < lo', args[0]!.at)
    return { fn: name as 'interval' | 'loguniform', lo: a!, hi: b! }
  }
}

/** Split `arg[start, end)` at commas outside quotes and brackets: the offsets of each part. */
function topLevelParts(arg: string): Array<[number, number]> {
  const parts: Array<[number, number]> = []
  let depth = 0
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < arg.length; i++) {
    const ch = arg[i]
    if (quote) {
      if (ch === '\\') i++
      else if (ch === quote) quote = undefined
      continue
    }
    if (ch === '\\') i++
    else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '(' || ch === '[' || ch === '{') depth++
    else if (ch === ')' || ch === ']' || ch === '}') depth--
    else if (ch === ',' && depth === 0) {
      parts.push([start, i])
      start = i + 1
    }
  }
  parts.push([start, arg.length])
  return parts
}

/** `key=` at the start of a part (the 2.x comma rule): an optional prefix, a key, `=`. */
const ASSIGNMENT = /^\s*(?:\+\+|\+|~)?[A-Za-z0-9_.\-/:[\]@]+=/

/** Parse one `-S` argument into its overrides (several under the 2.x comma rule). */
export function parseOverrideArg(arg: string): ParsedOverride[] {
  const parts = topLevelParts(arg)
  if (parts.length > 1 && parts.every(([s, e]) => ASSIGNMENT.test(arg.slice(s, e)))) {
    const out = parts.map(([s, e]) => parseOne(arg, s, e))
    for (const o of out.slice(1)) if (o.file === undefined) o.file = out[0].file
    return out
  }
  return [parseOne(arg, 0, arg.length)]
}

function parseOne(arg: string, start: number, end: number): ParsedOverride {
  let pos = start
  while (pos < end && /\s/.test(arg[pos])) pos++
  const offset = pos
  let op: OverrideOp = 'set'
  if (arg.startsWith('++', pos)) {
    op = 'force'
    pos += 2
  } else if (arg[pos] === '+') {
    op = 'add'
    pos += 1
  } else if (arg[pos] === '~') {
    op = 'delete'
    pos += 1
  }
  const nameAt = pos
  const eq = arg.indexOf('=', pos)
  const nameEnd = eq < 0 || eq >= end ? end : eq
  const name = arg.slice(nameAt, nameEnd)
  const bad = /[\s,(){}'"=]/.exec(name)
  if (bad) throw overrideError(arg, nameAt + bad.index, `unexpected '${bad[0]}' in the key`)
  const colon = name.indexOf(':')
  const file = colon < 0 ? undefined : name.slice(0, colon)
  const key = colon < 0 ? name : name.slice(colon + 1)
  const keyOffset = colon < 0 ? nameAt : nameAt + colon + 1
  if (file === '') throw overrideError(arg, nameAt, "empty file name before ':'")
  if (key === '') throw overrideError(arg, keyOffset, 'expected a key')
  const result: ParsedOverride = { arg, offset, op, key, keyOffset, valueOffset: nameEnd + 1, rawValue: '' }
  if (file !== undefined) result.file = file
  if (nameEnd === end) {
    if (op !== 'delete') throw overrideError(arg, end, `expected '=' and a value after '${key}'`)
    result.valueOffset = end
    return result
  }
  result.rawValue = arg.slice(nameEnd + 1, end)
  if (result.rawValue.trim() === '') {
    // `~key=` deletes whatever the value; `key=` sets the empty string (DVC 3, dvc#6129)
    if (op !== 'delete') result.value = ''
    return result
  }
  const parsed = new Parser(arg, nameEnd + 1, end).topValue()
  if (parsed.sweep) {
    if (op === 'delete') throw overrideError(arg, nameEnd + 1, 'a deletion (~key) cannot sweep')
    result.sweep = parsed.sweep
  } else {
    result.value = parsed.value
  }
  return result
}

/** Whether any argument holds a sweep (parses them: throws on a malformed one). */
export function hasSweep(args: string[]): boolean {
  return args.some((arg) => parseOverrideArg(arg).some((o) => o.sweep))
}

// ---------------------------------------------------------------------------------------------
// Writing values back in override syntax (queued entries record their concrete -S)

const PLAIN = /^[A-Za-z_./][A-Za-z0-9_./@:+-]*$/

/** A value in override notation that `parseOverrideArg` reads back as the same value. */
export function formatOverrideValue(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof PyFloat) {
    const x = value.value
    if (Number.isNaN(x)) return 'nan'
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
    return Number.isInteger(x) && Math.abs(x) < 1e16 ? `${x.toFixed(1)}` : String(x)
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value)
    const text = String(value)
    return text.includes('.') || text.includes('e') ? text : `${text}.0`
  }
  if (typeof value === 'string') {
    if (PLAIN.test(value) && typeof typePrimitive(value) === 'string') return value
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  }
  if (Array.isArray(value)) return `[${value.map(formatOverrideValue).join(',')}]`
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${PLAIN.test(k) ? k : `'${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`}:${formatOverrideValue(v)}`)
      .join(',')}}`
  }
  return String(value)
}

/** `[+|++|~][file:]key=value` for one override with a concrete value. */
export function formatOverride(o: Pick<ParsedOverride, 'op' | 'file' | 'key'>, value: unknown, hasValue = true): string {
  const prefix = o.op === 'add' ? '+' : o.op === 'force' ? '++' : o.op === 'delete' ? '~' : ''
  const name = `${prefix}${o.file !== undefined ? `${o.file}:` : ''}${o.key}`
  return hasValue ? `${name}=${formatOverrideValue(value)}` : name
}
