import { describe, expect, it } from 'vitest'
import { PyFloat } from '../util/python-json.js'
import { seededRandom } from '../util/seeded-random.js'
import { parseOverrideArg } from './override-grammar.js'
import { expandSweep, type ExpandOptions } from './sweep-expand.js'
import { errorOf } from '../test-support/error-of.js'

/** Each combination as `key=value` texts (values JSON), for comparison. */
function expand(args: string[], options?: ExpandOptions): string[][] {
  return expandSweep(args.flatMap((a) => parseOverrideArg(a)), options).map((combo) =>
    combo.map((a) => `${a.override.key}=${a.value instanceof PyFloat ? `${a.value.value}f` : JSON.stringify(a.value)}`),
  )
}

describe('grid expansion', () => {
  it('is the cartesian product, the first sweep varying slowest (DVC 3 test_hydra_sweeps order)', () => {
    expect(expand(['+foo=1,2', '~bar', '++foobar=5,6'])).toEqual([
      ['foo=1', 'bar=undefined', 'foobar=5'],
      ['foo=1', 'bar=undefined', 'foobar=6'],
      ['foo=2', 'bar=undefined', 'foobar=5'],
      ['foo=2', 'bar=undefined', 'foobar=6'],
    ])
    expect(expand(['foo=1,2', 'bar=3,4'])).toEqual([
      ['foo=1', 'bar=3'],
      ['foo=1', 'bar=4'],
      ['foo=2', 'bar=3'],
      ['foo=2', 'bar=4'],
    ])
  })

  it.each([
    ['foo=range(1, 3)', ['1', '2']],
    ['num=range(0,5)', ['0', '1', '2', '3', '4']],
    ['num=range(0,5,2)', ['0', '2', '4']],
    ['num=range(0,10,3.3)', ['0f', '3.3', '6.6', '9.9']],
    ['num=range(0,1,0.1)', ['0f', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']],
    ['num=range(5,0,-2)', ['5', '3', '1']],
    ['num=range(0.5,2)', ['0.5', '1.5']],
    ['x=choice(a,[1,2])', ['"a"', '[1,2]']],
  ])('%s', (arg, values) => {
    expect(expand([arg]).map((c) => c[0].slice(c[0].indexOf('=') + 1))).toEqual(values)
  })

  it('keeps fixed overrides in every combination, in the order given', () => {
    expect(expand(['a=1', 'b=x,y', 'c=[1]'])).toEqual([
      ['a=1', 'b="x"', 'c=[1]'],
      ['a=1', 'b="y"', 'c=[1]'],
    ])
  })

  it('stops at --max-runs, naming the count and the flag', () => {
    const error = errorOf(() => expand(['a=range(0,20)', 'b=range(0,10)']))
    expect(error.code).toBe('SWEEP_TOO_LARGE')
    expect(error.message).toBe('The sweep has 200 combinations, more than --max-runs 100')
    expect(expand(['a=range(0,20)', 'b=range(0,10)'], { maxRuns: 200 })).toHaveLength(200)
  })

  it('refuses random-only sweeps without --sweep random', () => {
    const error = errorOf(() => expand(['lr=interval(0,1)']))
    expect(error.message).toBe("Invalid -S 'lr=interval(0,1)' at position 4: interval() is for random search: add --sweep random --samples N")
  })
})

describe('random expansion', () => {
  const args = ['lr=loguniform(1e-4,1e-1)', 'drop=interval(0,0.5)', 'n=randint(1,4)', 'opt=adam,sgd', 'k=range(0,100,10)', 'fixed=7']

  it('draws --samples combinations, the same for the same seed', () => {
    const a = expand(args, { mode: 'random', samples: 20, seed: 42 })
    expect(a).toHaveLength(20)
    expect(expand(args, { mode: 'random', samples: 20, seed: '42' })).toEqual(a)
    expect(expand(args, { mode: 'random', samples: 20, seed: 43 })).not.toEqual(a)
  })

  it('draws within each distribution', () => {
    const combos = expandSweep(args.flatMap((a) => parseOverrideArg(a)), { mode: 'random', samples: 100, seed: 1 })
    const num = (v: unknown) => (v instanceof PyFloat ? v.value : (v as number))
    for (const [lr, drop, n, opt, k, fixed] of combos.map((c) => c.map((x) => x.value))) {
      expect(num(lr)).toBeGreaterThanOrEqual(1e-4)
      expect(num(lr)).toBeLessThanOrEqual(1e-1)
      expect(num(drop)).toBeGreaterThanOrEqual(0)
      expect(num(drop)).toBeLessThanOrEqual(0.5)
      expect([1, 2, 3]).toContain(n)
      expect(['adam', 'sgd']).toContain(opt)
      expect([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]).toContain(k)
      expect(fixed).toBe(7)
    }
    // log-uniform: about as many draws below 1e-2.5 as above
    const low = combos.filter((c) => num(c[0].value) < 10 ** -2.5).length
    expect(low).toBeGreaterThan(25)
    expect(low).toBeLessThan(75)
  })

  it('needs --samples, within --max-runs', () => {
    expect(errorOf(() => expand(args, { mode: 'random' })).message).toContain('--sweep random needs --samples N')
    expect(errorOf(() => expand(args, { mode: 'random', samples: 101 })).message).toBe('The sweep has 101 samples, more than --max-runs 100')
  })
})

describe('seeded generator', () => {
  it('is uniform enough and repeatable', () => {
    const r = seededRandom('x')
    const buckets = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) buckets[r.below(4)]++
    for (const b of buckets) expect(b).toBeGreaterThan(850)
    expect(seededRandom(5).next()).toBe(seededRandom('5').next())
  })
})
