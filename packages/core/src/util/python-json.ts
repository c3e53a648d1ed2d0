/**
 * Python-compatible values and serialisation. DVC hashes (run-cache keys, `.dir`
 * manifests, experiment hashes) are computed over `json.dumps(obj, sort_keys=True)`
 * and its lock files print floats with Python's `repr`, so both are emulated here.
 *
 * JavaScript has one number type; Python distinguishes `1` from `1.0`. A float whose
 * value is integral (`1.0`, `-0.0`, `1e3`) is therefore carried as a `PyFloat`;
 * every non-integral JS number is a float anyway.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value
  }
  toString(): string {
    return pyFloatRepr(this.value)
  }
}

export function isPyFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === 'number' && !Number.isInteger(value))
}

export function isPyNumber(value: unknown): value is number | PyFloat {
  return typeof value === 'number' || value instanceof PyFloat
}

/** The plain JS number of a Python number (PyFloat unwrapped); other values unchanged. */
export function unwrap<T>(value: T | PyFloat): T | number {
  return value instanceof PyFloat ? value.value : value
}

/** Python `repr(float)`: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(x)
  if (abs >= 1e-4 && abs < 1e16) {
    const s = formatFixedShortest(x)
    return s.includes('.') ? s : `${s}.0`
  }
  // exponent form: JS gives e.g. "1e-7", "1.2345e+21"; Python: "1e-07", "1.2345e+21"
  const [mantissa, exp] = x.toExponential().split('e')
  const sign = exp[0] === '-' ? '-' : '+'
  const digits = exp.replace(/^[+-]/, '').padStart(2, '0')
  return `${mantissa}e${sign}${digits}`
}

/** Shortest round-trip digits in positional notation (JS switches to exponents at 1e21 / 1e-7). */
function formatFixedShortest(x: number): string {
  const s = String(x)
  if (!s.includes('e')) return s
  const [mantissa, expStr] = s.split('e')
  const exp = Number(expStr)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const intLen = mantissa.replace('-', '').split('.')[0].length
  const point = intLen + exp
  let out: string
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length)
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`
  return negative ? `-${out}` : out
}

/** Python `str()` of a scalar as DVC interpolates it (bools lower-case, None, float repr). */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (value instanceof PyFloat) return pyFloatRepr(value.value)
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return value
  return pyRepr(value)
}

/** Python `repr()` of a value (lists and dicts as Python prints them). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return pyStringRepr(value)
  if (isPyNumber(value) || typeof value === 'bigint') return pyStr(value)
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    return `{${entries.map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v)}`).join(', ')}}`
  }
  return String(value)
}

function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`
    else out += ch
  }
  return out + quote
}

/** `json.dumps(value, sort_keys=True)` with Python's default separators and ASCII escaping. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (value instanceof PyFloat) return pyJsonFloat(value.value)
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyJsonFloat(value)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return pyJsonString(value)
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort(compareCodePoints)
    const obj = value as Record<string, unknown>
    return `{${keys.map((k) => `${pyJsonString(k)}: ${pyJsonDumps(obj[k])}`).join(', ')}}`
  }
  throw new TypeError(`cannot serialise ${typeof value} as JSON`)
}

function pyJsonFloat(x: number): string {
  return pyNumberText(new PyFloat(x), JSON_SPECIALS)
}

/** How a format spells the float specials (JSON: `NaN`, `Infinity`; TOML: `nan`, `inf`). */
export interface FloatSpecials {
  nan: string
  inf: string
}

export const JSON_SPECIALS: FloatSpecials = { nan: 'NaN', inf: 'Infinity' }

/** A Python number as text: ints in full, floats as `repr` (`1.0`, `1e-05`), specials per format. */
export function pyNumberText(value: number | PyFloat, specials: FloatSpecials): string {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString()
  const x = value instanceof PyFloat ? value.value : value
  if (Number.isNaN(x)) return specials.nan
  if (x === Infinity) return specials.inf
  if (x === -Infinity) return `-${specials.inf}`
  return pyFloatRepr(x)
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

/** Printable ASCII other than `"` and `\\`: such strings are their own JSON text. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

function pyJsonString(s: string): string {
  if (PLAIN_ASCII.test(s)) return `"${s}"`
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    const code = s.charCodeAt(i)
    const short = SHORT_ESCAPES[ch]
    if (short) out += short
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return out + '"'
}

/** Sort comparator by Unicode code point (Python's str ordering), not UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done) return y.done ? 0 : -1
    if (y.done) return 1
    const cx = x.value.codePointAt(0)!
    const cy = y.value.codePointAt(0)!
    if (cx !== cy) return cx - cy
  }
}

/** Python equality for params comparison: 1 == 1.0 == True, lists/maps deep. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const na = toComparable(a)
  const nb = toComparable(b)
  if (typeof na === 'number' && typeof nb === 'number') return na === nb
  if (Array.isArray(na) && Array.isArray(nb)) return na.length === nb.length && na.every((v, i) => pyEquals(v, nb[i]))
  if (na && nb && typeof na === 'object' && typeof nb === 'object' && !Array.isArray(na) && !Array.isArray(nb)) {
    const ka = Object.keys(na)
    const kb = Object.keys(nb)
    return ka.length === kb.length && ka.every((k) => k in nb && pyEquals((na as any)[k], (nb as any)[k]))
  }
  return na === nb
}

function toComparable(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value
  if (v === true) return 1
  if (v === false) return 0
  return v
}
