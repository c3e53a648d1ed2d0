import { describe, expect, it } from 'vitest'
import { PyFloat } from '@trellis/core'
import { wireJson } from './wire-json.js'

describe('wireJson', () => {
  it('keeps integral Python floats as floats, and stays JSON', () => {
    const text = wireJson({ a: new PyFloat(1), b: new PyFloat(-0), c: new PyFloat(2.5), d: 3, e: new PyFloat(1e21) })
    expect(text).toBe('{"a":1.0,"b":-0.0,"c":2.5,"d":3,"e":1e+21}')
    expect(JSON.parse(text)).toEqual({ a: 1, b: -0, c: 2.5, d: 3, e: 1e21 })
  })

  it('writes the floats JSON cannot hold as strings', () => {
    expect(wireJson([NaN, Infinity, -Infinity, new PyFloat(NaN), new PyFloat(-Infinity)])).toBe('["NaN","Infinity","-Infinity","NaN","-Infinity"]')
  })

  it('writes big integers with every digit, errors as DVC does, and drops undefined keys', () => {
    expect(wireJson({ n: 12345678901234567890n, e: new TypeError('bad'), u: undefined, l: [undefined, 'x"'] })).toBe(
      '{"n":12345678901234567890,"e":{"type":"TypeError","msg":"bad"},"l":[null,"x\\""]}',
    )
  })
})
