import { describe, expect, it } from 'vitest'
import { PyFloat } from '../../util/python-json.js'
import { fromWire, toWire } from './wire-values.js'

describe('wire values', () => {
  it('carries what JSON cannot through JSON.stringify/parse and back', () => {
    const value = {
      f: new PyFloat(1),
      nz: new PyFloat(-0),
      x: 0.5,
      i: 3,
      nan: NaN,
      inf: Infinity,
      ninf: -Infinity,
      big: 2n ** 70n,
      s: 'plain',
      nul: '\u0000f1',
      list: [new PyFloat(2), 'a', [NaN], { deep: new PyFloat(3) }],
      nested: { n: null, t: true },
      ['__proto__']: 'own key',
    }
    Object.defineProperty(value, '__proto__', { value: { polluted: new PyFloat(4) }, enumerable: true })
    const back = fromWire(JSON.parse(JSON.stringify(toWire(value)))) as Record<string, unknown>
    expect(back.f).toEqual(new PyFloat(1))
    expect(back.f).toBeInstanceOf(PyFloat)
    expect(Object.is((back.nz as PyFloat).value, -0)).toBe(true)
    expect(back.nan).toBeNaN()
    expect([back.inf, back.ninf, back.big, back.s, back.nul, back.x, back.i]).toEqual([Infinity, -Infinity, 2n ** 70n, 'plain', '\u0000f1', 0.5, 3])
    expect(back.list).toEqual([new PyFloat(2), 'a', [NaN], { deep: new PyFloat(3) }])
    expect(back.nested).toEqual({ n: null, t: true })
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: new PyFloat(4) })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
