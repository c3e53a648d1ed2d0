import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { exactDecimal, pyRound } from './py-round.js'
import { pyFormatG, pythonStr } from './py-format.js'
import { PyFloat, pyStr } from './python-json.js'

const vectors = JSON.parse(readFileSync(new URL('./py-number-vectors.json', import.meta.url), 'utf8')) as {
  round: Array<[string, number, string]>
  format: Array<[string, number, string]>
}

/** Python float literal → JS value that is a Python float (PyFloat when integral). */
function pyFloat(repr: string): number | PyFloat {
  const x = Number(repr.replace(/^(-?)inf$/, '$1Infinity'))
  return Number.isInteger(x) ? new PyFloat(x) : x
}

describe('pyRound', () => {
  it.each([
    [2.2345, 3, '2.235'],
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [2.675, 2, '2.67'],
    [2.5, 0, '2.0'],
    [3.5, 0, '4.0'],
    [-0.125, 2, '-0.12'],
    [-0.001, 2, '-0.0'],
    [1.23456789, 5, '1.23457'],
    [3.45678910111213, 5, '3.45679'],
    [0.9249974999612706, 5, '0.925'],
    [0.9743681430252835, 5, '0.97437'],
    [1e-7, 5, '0.0'],
    [1234.5678, -2, '1200.0'],
  ])('round(%s, %s) == %s', (x, n, expected) => {
    expect(pyStr(pyRound(x, n))).toBe(expected)
  })

  it('keeps floats floats and ints ints', () => {
    const r = pyRound(1.9999999, 2)
    expect(r).toBeInstanceOf(PyFloat)
    expect(pyStr(r)).toBe('2.0')
    expect(pyRound(7, 2)).toBe(7)
    expect(pyRound(1250, -2)).toBe(1200)
    expect(pyRound(1350, -2)).toBe(1400)
    expect(pyStr(pyRound(new PyFloat(3), 2))).toBe('3.0')
    expect(pyRound('abc', 2)).toBe('abc')
    expect(pyRound(true, 2)).toBe(true)
  })

  it('passes non-finite values through', () => {
    expect(pyStr(pyRound(Infinity, 2))).toBe('inf')
    expect(pyStr(pyRound(NaN, 2))).toBe('nan')
  })

  it(`matches CPython on ${vectors.round.length} generated vectors`, () => {
    const failures = vectors.round
      .map(([x, n, expected]) => [x, n, expected, pyStr(pyRound(pyFloat(x), n))])
      .filter(([, , expected, actual]) => expected !== actual)
    expect(failures).toEqual([])
  })
})

describe('exactDecimal', () => {
  it('expands doubles exactly', () => {
    expect(exactDecimal(0.125)).toEqual({ negative: false, digits: '125', exponent: -3 })
    expect(exactDecimal(-2)).toEqual({ negative: true, digits: '2', exponent: 0 })
    expect(exactDecimal(0.1).digits).toBe('1000000000000000055511151231257827021181583404541015625')
    expect(exactDecimal(-0)).toEqual({ negative: true, digits: '0', exponent: 0 })
  })
})

describe('pyFormatG', () => {
  it.each([
    [0.9544670443829399, 5, '0.95447'],
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [2.5, 1, '2'],
    [123456.0, 5, '1.2346e+05'],
    [100000.0, 5, '1e+05'],
    [99999.5, 5, '1e+05'],
    [12345.0, 5, '12345'],
    [0.0001, 5, '0.0001'],
    [0.00001234, 5, '1.234e-05'],
    [1e-5, 3, '1e-05'],
    [0, 5, '0'],
    [-0, 5, '-0'],
    [-1.5, 5, '-1.5'],
    [2, 5, '2'],
    [Infinity, 5, 'inf'],
    [-Infinity, 5, '-inf'],
    [NaN, 5, 'nan'],
    [1.5, 0, '2'],
    [1e300, 5, '1e+300'],
  ])('format(%s, ".%sg") == %s', (x, p, expected) => {
    expect(pyFormatG(x, p)).toBe(expected)
  })

  it(`matches CPython on ${vectors.format.length} generated vectors`, () => {
    const failures = vectors.format
      .map(([x, p, expected]) => [x, p, expected, pyFormatG(pyFloat(x), p)])
      .filter(([, , expected, actual]) => expected !== actual)
    expect(failures).toEqual([])
  })
})

describe('pythonStr', () => {
  it('prints values as Python str() does', () => {
    expect(pythonStr(true)).toBe('True')
    expect(pythonStr(null)).toBe('None')
    expect(pythonStr(3)).toBe('3')
    expect(pythonStr(new PyFloat(3))).toBe('3.0')
    expect(pythonStr(1e-5)).toBe('1e-05')
    expect(pythonStr('x y')).toBe('x y')
    expect(pythonStr(['bar', 1, 0.5, true])).toBe("['bar', 1, 0.5, True]")
    expect(pythonStr({ a: 'b' })).toBe("{'a': 'b'}")
  })
})
