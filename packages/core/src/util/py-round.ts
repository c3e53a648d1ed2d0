/**
 * Python's built-in `round(x, ndigits)` for DVC's metric tables.
 *
 * CPython rounds the *exact* binary value of a float to `ndigits` decimals, breaking exact
 * ties to even, then converts the decimal result back to the nearest double. JavaScript's
 * `toFixed` rounds ties away from zero and is not exact for every input, so the decimal
 * expansion is computed here with BigInt (every finite double has a finite one).
 *
 *   round(2.2345, 3) → 2.235   (the double is slightly above the tie)
 *   round(0.125, 2)  → 0.12    (exact tie, to even)
 *   round(0.375, 2)  → 0.38
 *   round(2.675, 2)  → 2.67    (the double is slightly below the tie)
 *
 * Floats stay floats: an integral result is returned as a `PyFloat`, so printing it with
 * `pyStr` gives `2.0`, not `2`. Python ints (integral JS numbers, bigints) are returned
 * unchanged for `ndigits >= 0`.
 */
import { PyFloat } from './python-json.js'

/** `|x| = digits × 10^exponent` exactly, `digits` without leading zeros (`'0'` for zero). */
export interface ExactDecimal {
  negative: boolean
  digits: string
  exponent: number
}

/** The exact decimal value of a finite double (sign kept for `-0`). */
export function exactDecimal(x: number): ExactDecimal {
  if (!Number.isFinite(x)) throw new RangeError(`exactDecimal: ${x} is not finite`)
  const { negative, mantissa, exp2 } = decompose(x)
  if (mantissa === 0n) return { negative, digits: '0', exponent: 0 }
  if (exp2 >= 0) return { negative, digits: (mantissa << BigInt(exp2)).toString(), exponent: 0 }
  // m / 2^k = m·5^k / 10^k
  const k = -exp2
  let digits = (mantissa * 5n ** BigInt(k)).toString()
  let exponent = -k
  // drop trailing zeros so `digits` is minimal
  let end = digits.length
  while (end > 1 && digits[end - 1] === '0') end--
  exponent += digits.length - end
  digits = digits.slice(0, end)
  return { negative, digits, exponent }
}

/** Split a finite double into sign, integer mantissa and power of two: |x| = mantissa·2^exp2. */
function decompose(x: number): { negative: boolean; mantissa: bigint; exp2: number } {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const negative = hi >>> 31 === 1
  const biased = (hi >>> 20) & 0x7ff
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  let exp2: number
  if (biased === 0) {
    exp2 = -1074 // subnormal
  } else {
    mantissa |= 1n << 52n
    exp2 = biased - 1075
  }
  return { negative, mantissa, exp2 }
}

/** Round the non-negative rational num/den to an integer, ties to even. */
export function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den
  const twice = (num % den) * 2n
  if (twice > den || (twice === den && q % 2n === 1n)) return q + 1n
  return q
}

// CPython: beyond these, round() returns x unchanged (too many digits) or a signed zero.
const NDIGITS_MAX = Math.floor((53 - -1021) * 0.30103)
const NDIGITS_MIN = -Math.floor((1024 + 1) * 0.30103)

/**
 * Python `round(value, ndigits)`. Floats (non-integral numbers and `PyFloat`s) give a float:
 * a plain number, or a `PyFloat` when the result is integral. Ints are left alone unless
 * `ndigits` is negative (`round(1250, -2)` = 1200, ties to even). Other values pass through.
 */
export function pyRound(value: number | PyFloat, ndigits?: number): number | PyFloat
export function pyRound<T>(value: T, ndigits?: number): T | number | PyFloat
export function pyRound(value: unknown, ndigits = 0): unknown {
  if (!Number.isInteger(ndigits)) throw new TypeError(`ndigits must be an integer, got ${ndigits}`)
  if (value instanceof PyFloat) return roundFloat(value.value, ndigits)
  if (typeof value === 'bigint') return ndigits >= 0 ? value : roundBigInt(value, ndigits)
  if (typeof value !== 'number') return value
  if (Number.isInteger(value)) {
    // a JS integral number is a Python int here (floats that happen to be integral are PyFloat)
    if (ndigits >= 0) return value
    return Number(roundBigInt(BigInt(value), ndigits))
  }
  return roundFloat(value, ndigits)
}

/** Python `round(float, ndigits)`; the result is a float (PyFloat when integral). */
export function pyRoundFloat(x: number, ndigits = 0): number | PyFloat {
  return roundFloat(x, ndigits)
}

function roundFloat(x: number, ndigits: number): number | PyFloat {
  if (!Number.isFinite(x) || x === 0) return asFloat(x)
  if (ndigits > NDIGITS_MAX) return asFloat(x)
  if (ndigits < NDIGITS_MIN) return asFloat(x < 0 ? -0 : 0)
  const { negative, mantissa, exp2 } = decompose(x)
  let num = mantissa
  let den = 1n
  if (exp2 >= 0) num <<= BigInt(exp2)
  else den <<= BigInt(-exp2)
  if (ndigits >= 0) num *= 10n ** BigInt(ndigits)
  else den *= 10n ** BigInt(-ndigits)
  const q = roundHalfEven(num, den)
  const result = Number(`${negative ? '-' : ''}${q}e${-ndigits}`)
  if (!Number.isFinite(result)) throw new RangeError('rounded value too large to represent')
  return asFloat(result)
}

function roundBigInt(value: bigint, ndigits: number): bigint {
  const den = 10n ** BigInt(-ndigits)
  const negative = value < 0n
  const q = roundHalfEven(negative ? -value : value, den) * den
  return negative ? -q : q
}

function asFloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x
}
