import { describe, expect, it } from 'vitest'
import { PyFloat } from '../util/python-json.js'
import { getMatches, ParseError, parseExpression, resolveData, resolveStr, shellQuote, toStr } from './interpolate.js'
import { Context, CtxDict, KeyNotInContext, MergeError, ReservedKeyError } from './vars-context.js'

function ctx(data: Record<string, unknown>): Context {
  return new Context('/nonexistent', data, { source: 'params.yaml', dpaths: [], local: false })
}

describe('parseExpression', () => {
  it('normalises brackets to dots', () => {
    expect(parseExpression('a.b')).toBe('a.b')
    expect(parseExpression('a[b]')).toBe('a.b')
    expect(parseExpression('lst[0].x')).toBe('lst.0.x')
    expect(parseExpression('mod[é].ü')).toBe('mod.é.ü')
  })

  it('reports grammar errors as pyparsing does', () => {
    expect(() => parseExpression('models.foo.')).toThrow(ParseError)
    expect(() => parseExpression('models.foo.')).toThrow(
      "${models.foo.}\n            ^\nParseException: Expected end of text, found '.'  (at char 12), (line:1, col:13)",
    )
    expect(() => parseExpression('a]')).toThrow("found ']'  (at char 3)")
    expect(() => parseExpression('')).toThrow(ParseError)
  })
})

describe('getMatches', () => {
  it('skips escaped ${', () => {
    expect(getMatches('a ${b} \\${c} ${d.e}').map((m) => m.inner)).toEqual(['b', 'd.e'])
  })
})

describe('toStr and shellQuote', () => {
  it('renders scalars like Python str() with lower-case bools', () => {
    expect(toStr(true)).toBe('true')
    expect(toStr(null)).toBe('None')
    expect(toStr(new PyFloat(3))).toBe('3.0')
    expect(toStr(1e-5)).toBe('1e-05')
    expect(toStr(12)).toBe('12')
  })

  it('quotes like shlex.quote', () => {
    expect(shellQuote('')).toBe("''")
    expect(shellQuote('a/b-c.d:e,f=g@h%i+j')).toBe('a/b-c.d:e,f=g@h%i+j')
    expect(shellQuote('my model')).toBe("'my model'")
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`)
  })

  it('rejects nested lists in a map rendered as flags', () => {
    expect(() => toStr({ a: [[1]] })).toThrow("Cannot interpolate nested iterable in 'a'")
  })
})

describe('resolveStr / resolveData', () => {
  const c = ctx({ n: 3, f: new PyFloat(1), s: 'x', b: false, lst: [1, { k: 'v' }], d: { a: 1 } })

  it('keeps the type of an exact ${} and renders the others into the string', () => {
    expect(resolveStr('${n}', c)).toBe(3)
    expect(resolveStr('${f}', c)).toBeInstanceOf(PyFloat)
    expect(resolveStr('${b}', c)).toBe(false)
    expect(resolveStr('${n}${n}', c)).toBe('33')
    expect(resolveStr('v=${f} ${b}', c)).toBe('v=1.0 false')
    expect(resolveStr('\\${n} ${n}', c)).toBe('${n} 3')
    expect(resolveStr('no vars \\${n}', c)).toBe('no vars ${n}')
  })

  it('only interpolates primitives, except in foreach and maps in cmd', () => {
    expect(() => resolveStr('${d}', c, { key: 'outs' })).toThrow("Cannot interpolate data of type 'dict'")
    expect(() => resolveStr('x ${lst}', c, { key: 'cmd' })).toThrow("Cannot interpolate data of type 'list'")
    expect(resolveStr('${lst}', c, { key: 'foreach' })).toEqual([1, { k: 'v' }])
    expect(resolveStr('run ${d}', c, { key: 'cmd' })).toBe('run --a 1')
  })

  it('resolves map keys too', () => {
    expect(resolveData([{ 'out/${s}': { cache: false } }], c, { key: 'outs' })).toEqual([{ 'out/x': { cache: false } }])
  })

  it('throws KeyNotInContext with the normalised expression', () => {
    expect(() => resolveStr('${lst[5]}', c)).toThrow(KeyNotInContext)
    expect(() => resolveStr('${lst[5]}', c)).toThrow("Could not find 'lst.5'")
    expect(() => resolveStr('${s.deeper}', c)).toThrow("Could not find 's.deeper'")
  })
})

describe('Context', () => {
  it('deep-merges maps and refuses to redefine leaves', () => {
    const c = ctx({ models: { bar: 1 } })
    c.mergeUpdate(new CtxDict({ models: { baz: 2 } }, { source: 'more.yaml', dpaths: [], local: false }))
    expect(c.select('models.baz')).toBe(2)
    expect(() =>
      c.mergeUpdate(new CtxDict({ models: { bar: 3 } }, { source: 'params.json', dpaths: [], local: false })),
    ).toThrow(new MergeError("cannot redefine 'models.bar' from 'params.json' as it already exists in 'params.yaml'", 'bar'))
  })

  it('refuses reserved keys', () => {
    const c = ctx({})
    c.set('item', 1, true)
    expect(() => c.mergeUpdate(new CtxDict({ item: 2, key: 3 }, { source: 'vars[0]', dpaths: [], local: true }))).toThrow(
      ReservedKeyError,
    )
  })

  it('clones deeply', () => {
    const a = ctx({ m: { x: 1 } })
    const b = a.clone()
    b.mergeUpdate(new CtxDict({ m: { y: 2 } }, { source: 'v', dpaths: [], local: true }))
    expect(() => a.select('m.y')).toThrow(KeyNotInContext)
    expect(b.select('m')).toEqual({ x: 1, y: 2 })
  })
})
