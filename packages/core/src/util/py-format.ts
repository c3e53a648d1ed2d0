/**
 * Python number/value formatting used by DVC's tables:
 *
 * - `pyFormatG(x, p)` is `format(x, '.<p>g')` (what `exp show` / `exp diff` apply to floats):
 *   p significant digits, rounded exactly with ties to even, fixed notation when the decimal
 *   exponent is in [-4, p), scientific (`1.2346e+05`, `1e-05`) otherwise, trailing zeros and
 *   a bare point removed, `-0`, `inf`, `-inf`, `nan`.
 * - `pythonStr(v)` is Python's built-in `str()` of a parsed value as a table cell shows it:
 *   `True`/`False`, `None`, ints, float repr (`2.0`, `1e-05`), strings as-is, lists/dicts
 *   as their repr. (This differs from `pyStr` in python-json.ts, which is DVC's
 *   *interpolation* str with lower-case booleans.)
 */
import { exactDecimal, pyRound, roundHalfEven } from './py-round.js'
import { PyFloat, pyRepr, pyStr } from './python-json.js'

/** Python `format(x, '.<precision>g')` for a float (ints are formatted as floats, as Python does). */
export function pyFormatG(value: number | PyFloat, precision: number): string {
  const x = value instanceof PyFloat ? value.value : value
  if (!Number.isInteger(precision) || precision < 0) throw new RangeError(`invalid precision ${precision}`)
  const p = precision === 0 ? 1 : precision
  if (Number.isNaN(x)) return 'nan'
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  const sign = x < 0 || Object.is(x, -0) ? '-' : ''
  if (x === 0) return `${sign}0`

  const { digits, exponent } = roundSignificant(x, p)
  // scientific exponent of the rounded value: d.ddd × 10^sci
  const sci = exponent + digits.length - 1
  let out: string
  if (sci >= -4 && sci < p) {
    out = toFixedNotation(digits, exponent)
  } else {
    const mantissa = stripZeros(digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits)
    const expSign = sci < 0 ? '-' : '+'
    out = `${mantissa}e${expSign}${String(Math.abs(sci)).padStart(2, '0')}`
  }
  return sign + out
}

/** |x| rounded to `p` significant digits (ties to even, on the exact binary value). */
function roundSignificant(x: number, p: number): { digits: string; exponent: number } {
  const exact = exactDecimal(x)
  let { digits, exponent } = exact
  if (digits.length > p) {
    const drop = digits.length - p
    const kept = roundHalfEven(BigInt(digits), 10n ** BigInt(drop))
    digits = kept.toString()
    exponent += drop
    if (digits.length > p) {
      // carried into a new digit (e.g. 9.9999 → 10.000): the last digit is a zero
      digits = digits.slice(0, p)
      exponent += 1
    }
  }
  return { digits, exponent }
}

function toFixedNotation(digits: string, exponent: number): string {
  if (exponent >= 0) return digits + '0'.repeat(exponent)
  const point = digits.length + exponent
  const text = point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`
  return stripZeros(text)
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text
  return text.replace(/0+$/, '').replace(/\.$/, '')
}

/** Python's built-in `str()` of a value parsed from JSON/YAML/TOML (booleans `True`/`False`). */
export function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat) return pyStr(value)
  return pyRepr(value)
}

export type NumberFormatMode = 'round' | 'significant'

/**
 * DVC's `_format_field(value, precision, round_digits)` followed by `str()`: floats (also
 * inside lists/maps) are rounded with Python `round(x, precision)` (`'round'`, metrics
 * show/diff) or formatted with `format(x, '.<precision>g')` (`'significant'`, exp show/diff —
 * nested floats then print as quoted strings, as in DVC); ints, bools and strings are
 * untouched. `precision` undefined/null/0 disables formatting.
 */
export function formatField(value: unknown, precision: number | null | undefined, mode: NumberFormatMode): string {
  const format = (v: unknown): unknown => {
    if (precision && isFloat(v)) {
      return mode === 'round' ? pyRound(v as number | PyFloat, precision) : pyFormatG(v as number | PyFloat, precision)
    }
    if (Array.isArray(v)) return v.map(format)
    if (isPlainObject(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, format(x)]))
    }
    return v
  }
  return pythonStr(format(value))
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))
}
