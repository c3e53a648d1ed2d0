import { describe, expect, it } from 'vitest'
import { PyFloat } from '../util/python-json.js'
import { formatOverride, formatOverrideValue, hasSweep, parseOverrideArg, type ParsedOverride } from './override-grammar.js'
import { errorOf } from '../test-support/error-of.js'

/** The parts of a parsed override a test looks at. */
function shape(o: ParsedOverride): Record<string, unknown> {
  const out: Record<string, unknown> = { op: o.op, key: o.key }
  if (o.file !== undefined) out.file = o.file
  if (o.sweep) out.sweep = o.sweep
  else if (o.op !== 'delete' || o.rawValue.trim() !== '') out.value = o.value
  return out
}

const f = (x: number) => new PyFloat(x)

describe('override grammar: values and operations', () => {
  // [argument, expected overrides]
  const cases: Array<[string, Array<Record<string, unknown>>]> = [
    // DVC 3's own vectors (iterative/dvc tests/func/utils/test_hydra.py::test_apply_overrides)
    ['foo=baz', [{ op: 'set', key: 'foo', value: 'baz' }]],
    ['foo.0=bar', [{ op: 'set', key: 'foo.0', value: 'bar' }]],
    ['foo.1.baz=3', [{ op: 'set', key: 'foo.1.baz', value: 3 }]],
    ['goo.bag=4.0', [{ op: 'set', key: 'goo.bag', value: f(4) }]],
    ['++goo={bag: 1, b: 2}', [{ op: 'force', key: 'goo', value: { bag: 1, b: 2 } }]],
    ['lorem=', [{ op: 'set', key: 'lorem', value: '' }]],
    ['lorem=null', [{ op: 'set', key: 'lorem', value: null }]],
    ['lorem=1992-11-20', [{ op: 'set', key: 'lorem', value: '1992-11-20' }]],
    ["lorem='1992-11-20'", [{ op: 'set', key: 'lorem', value: '1992-11-20' }]],
    ['+a=1', [{ op: 'add', key: 'a', value: 1 }]],
    ['~foo', [{ op: 'delete', key: 'foo' }]],
    // Hydra's basic grammar
    ['~foo=1', [{ op: 'delete', key: 'foo', value: 1 }]],
    ['a=NULL', [{ op: 'set', key: 'a', value: null }]],
    ['a=True', [{ op: 'set', key: 'a', value: true }]],
    ['a=-3', [{ op: 'set', key: 'a', value: -3 }]],
    ['a=1_000', [{ op: 'set', key: 'a', value: 1000 }]],
    ['a=.5', [{ op: 'set', key: 'a', value: 0.5 }]],
    ['a=1e-3', [{ op: 'set', key: 'a', value: 0.001 }]],
    ['a=1e3', [{ op: 'set', key: 'a', value: f(1000) }]],
    ['a=-inf', [{ op: 'set', key: 'a', value: f(-Infinity) }]],
    ['a=01', [{ op: 'set', key: 'a', value: '01' }]],
    ['a=hello world', [{ op: 'set', key: 'a', value: 'hello world' }]],
    ['a=  padded  ', [{ op: 'set', key: 'a', value: 'padded' }]],
    ['a=data/x.csv', [{ op: 'set', key: 'a', value: 'data/x.csv' }]],
    ['a=x:y', [{ op: 'set', key: 'a', value: 'x:y' }]],
    ['a=a\\,b', [{ op: 'set', key: 'a', value: 'a,b' }]],
    ['a=\\1', [{ op: 'set', key: 'a', value: '1' }]],
    ['a="a, b"', [{ op: 'set', key: 'a', value: 'a, b' }]],
    ["a='it\\'s'", [{ op: 'set', key: 'a', value: "it's" }]],
    ['a=[]', [{ op: 'set', key: 'a', value: [] }]],
    ['a=[1, [2, x], {k: v}]', [{ op: 'set', key: 'a', value: [1, [2, 'x'], { k: 'v' }] }]],
    ['a={}', [{ op: 'set', key: 'a', value: {} }]],
    ["a={'k 1': [1.5], k2: null}", [{ op: 'set', key: 'a', value: { 'k 1': [1.5], k2: null } }]],
    ['params.json:model.layers[0]=64', [{ op: 'set', key: 'model.layers[0]', file: 'params.json', value: 64 }]],
    ['+cfg/a.toml:new.key=x', [{ op: 'add', key: 'new.key', file: 'cfg/a.toml', value: 'x' }]],
    // the DVC 2.x comma rule: every part is key=value → several assignments
    [
      'train.lr=0.3,train.epochs=5',
      [
        { op: 'set', key: 'train.lr', value: 0.3 },
        { op: 'set', key: 'train.epochs', value: 5 },
      ],
    ],
    [
      'p.json:a=1,b=2,other.yaml:c=3',
      [
        { op: 'set', key: 'a', file: 'p.json', value: 1 },
        { op: 'set', key: 'b', file: 'p.json', value: 2 },
        { op: 'set', key: 'c', file: 'other.yaml', value: 3 },
      ],
    ],
    [
      'a=1,+b=[1,2],~c=3',
      [
        { op: 'set', key: 'a', value: 1 },
        { op: 'add', key: 'b', value: [1, 2] },
        { op: 'delete', key: 'c', value: 3 },
      ],
    ],
  ]
  it.each(cases)('%s', (arg, expected) => {
    expect(parseOverrideArg(arg).map(shape)).toEqual(expected)
  })
})

describe('override grammar: sweeps', () => {
  const cases: Array<[string, unknown]> = [
    // DVC 3 (tests/func/utils/test_hydra.py::test_hydra_sweeps) and Hydra's docs
    ['defaults/foo=1,2', { fn: 'choice', values: [1, 2] }],
    ['+foo=1,2', { fn: 'choice', values: [1, 2] }],
    ['foo=choice(1,2)', { fn: 'choice', values: [1, 2] }],
    ['foo=range(1, 3)', { fn: 'range', start: 1, stop: 3, step: 1, float: false }],
    ['db=mysql,postgresql', { fn: 'choice', values: ['mysql', 'postgresql'] }],
    ['num=range(0,5,2)', { fn: 'range', start: 0, stop: 5, step: 2, float: false }],
    ['num=range(0,10,3.3)', { fn: 'range', start: 0, stop: 10, step: 3.3, float: true }],
    ['x=range(start=5,stop=0,step=-1)', { fn: 'range', start: 5, stop: 0, step: -1, float: false }],
    ['x=range(0.0,1)', { fn: 'range', start: 0, stop: 1, step: 1, float: true }],
    ['x=choice([1,2],{a: 1},null)', { fn: 'choice', values: [[1, 2], { a: 1 }, null] }],
    ['x=choice(single)', { fn: 'choice', values: ['single'] }],
    ['x=a,"b,c"', { fn: 'choice', values: ['a', 'b,c'] }],
    ['lr=interval(0,1)', { fn: 'interval', lo: 0, hi: 1 }],
    ['lr=loguniform(1e-4, 0.1)', { fn: 'loguniform', lo: 0.0001, hi: 0.1 }],
    ['n=randint(lo=1,hi=10)', { fn: 'randint', lo: 1, hi: 10 }],
    // a=1,2 is a sweep: not every comma part has the form key=value
    ['a=1,2', { fn: 'choice', values: [1, 2] }],
    ['train.lr=0.1,0.2,train.x', { fn: 'choice', values: [0.1, 0.2, 'train.x'] }],
  ]
  it.each(cases)('%s', (arg, sweep) => {
    const parsed = parseOverrideArg(arg)
    expect(parsed).toHaveLength(1)
    expect(parsed[0].sweep).toEqual(sweep)
    expect(hasSweep([arg])).toBe(true)
  })

  it('plain values are not sweeps', () => {
    expect(hasSweep(['a=1', 'b=[1,2]', 'c=a\\,b', "d='x,y'", 'e=1,f=2'])).toBe(false)
  })
})

describe('override grammar: errors name the -S text and the position', () => {
  // [argument, 1-based position, part of the message]
  const cases: Array<[string, number, string]> = [
    ['lr', 3, "expected '=' and a value after 'lr'"],
    ['a b=1', 2, "unexpected ' ' in the key"],
    ['=1', 1, 'expected a key'],
    ['a=b=c', 4, "unexpected '=' in a value"],
    ['a=[1,2', 3, "unterminated list: expected ']'"],
    ['a={x}', 5, "expected ':' after the dict key 'x'"],
    ['a={x: 1, x: 2}', 10, "duplicate dict key 'x'"],
    ["a='open", 3, 'unterminated quoted string'],
    ["a='x'y", 6, "unexpected 'y' after a quoted string"],
    ['a=1,,2', 5, 'expected a value'],
    ['a=1,', 5, 'expected a value'],
    ['a=range(0,5,0)', 13, 'range() step must not be 0'],
    ['a=range(5,5)', 3, 'range(5, 5, 1) is empty'],
    ['a=range(0,5,-1)', 3, 'is empty'],
    ['a=range(0)', 3, 'range() needs start and stop'],
    ['a=range(0,x)', 11, "range() takes numbers, not 'x'"],
    ['a=range(0,5,1,2)', 15, 'at most 3 arguments'],
    ['a=range(begin=0,stop=5)', 9, "range() has no argument 'begin'"],
    ['a=range(stop=5,0)', 16, 'a positional argument cannot follow a named one'],
    ['a=glob(*)', 3, "unknown function 'glob'"],
    ['a=shuffle(1,2)', 3, "unknown function 'shuffle'"],
    ['a=choice()', 3, 'choice() needs at least one value'],
    ['a=choice(1,2', 3, 'unterminated choice(: expected'],
    ['a=[choice(1,2)]', 4, 'can only be the whole value'],
    ['a=choice(1,2),3', 3, 'a sweep cannot be part of a comma list'],
    ['a=choice(1)x', 12, "unexpected 'x'"],
    ['a=interval(1,1)', 3, 'needs lo < hi'],
    ['a=loguniform(0,1)', 14, 'loguniform() needs 0 < lo'],
    ['a=randint(1.5,3)', 11, 'randint() takes integers'],
    ['~a=1,2', 4, 'a deletion (~key) cannot sweep'],
  ]
  it.each(cases)('%s', (arg, position, what) => {
    const error = errorOf(() => parseOverrideArg(arg))
    expect(error.code).toBe('OVERRIDE_INVALID')
    expect(error.message).toContain(`Invalid -S '${arg}' at position ${position}: `)
    expect(error.message).toContain(what)
    expect(error.hint).toBeTruthy()
  })
})

describe('formatting values back', () => {
  const values: unknown[] = [1, -2, 0.1, f(1), f(-Infinity), 1e-7, true, null, 'text', 'two words', '01', 'true', 'a,b', "it's", '', [1, 'x'], { a: [1, { b: null }], 'k y': 'v' }]
  it.each(values.map((v) => [v]))('%j reads back as itself', (value) => {
    const text = formatOverride({ op: 'set', key: 'k' }, value)
    const [parsed] = parseOverrideArg(text)
    expect(parsed.value).toEqual(value)
  })

  it('writes prefixes and files', () => {
    expect(formatOverride({ op: 'add', key: 'a.b', file: 'p.json' }, 1)).toBe('+p.json:a.b=1')
    expect(formatOverride({ op: 'force', key: 'a' }, 'x')).toBe('++a=x')
    expect(formatOverride({ op: 'delete', key: 'a' }, undefined, false)).toBe('~a')
    expect(formatOverrideValue(0.30000000000000004)).toBe('0.30000000000000004')
  })
})
