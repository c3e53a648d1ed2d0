import { describe, expect, it } from 'vitest'
import { PyFloat } from '../util/python-json.js'
import { computeDiff, DIFF_NOT_SUPPORTED, renderDiff } from './compare.js'

describe('computeDiff', () => {
  it('diffs flattened keys with old/new/diff', () => {
    const result = computeDiff({ 'm.json': { a: { b: { c: 1 } }, same: 2 } }, { 'm.json': { a: { b: { c: 3 } }, same: 2 } })
    expect(result).toEqual({ 'm.json': { 'a.b.c': { old: 1, new: 3, diff: 2 } } })
  })

  it('keeps unchanged keys with all', () => {
    const result = computeDiff({ 'm.json': { a: 1, b: 'x' } }, { 'm.json': { a: 1, b: 'y' } }, { all: true })
    expect(result).toEqual({ 'm.json': { a: { old: 1, new: 1, diff: 0 }, b: { old: 'x', new: 'y' } } })
  })

  it('turns lists into Python repr strings (metrics/params diff)', () => {
    const result = computeDiff({ 'params.yaml': { foo: ['bar'] } }, { 'params.yaml': { foo: ['bar', 'baz'] } })
    expect(result).toEqual({ 'params.yaml': { foo: { old: "['bar']", new: "['bar', 'baz']" } } })
  })

  it('compares single-element lists as their element when lists are kept (exp diff 2.8)', () => {
    const result = computeDiff({ 'p.yaml': { a: [1], b: [1, 2] } }, { 'p.yaml': { a: [2], b: [1, 2] } }, { listsAsRepr: false })
    expect(result).toEqual({ 'p.yaml': { a: { old: 1, new: 2, diff: 1 } } })
  })

  it('gives null for a missing key, file or a file that failed to load', () => {
    expect(computeDiff({ 'm.json': { a: 1 } }, { 'm.json': { b: 2 } })).toEqual({
      'm.json': { a: { old: 1, new: null }, b: { old: null, new: 2 } },
    })
    expect(computeDiff({ 'm.json': { a: 1 } }, {})).toEqual({ 'm.json': { a: { old: 1, new: null } } })
    expect(computeDiff({ 'm.json': { a: 1 } }, { 'm.json': { error: new Error('corrupted') } })).toEqual({
      'm.json': { a: { old: 1, new: null } },
    })
    expect(computeDiff({ 'm.json': { a: 1 } }, { 'm.json': new Error('corrupted') })).toEqual({
      'm.json': { a: { old: 1, new: null } },
    })
  })

  it('does not mistake an "error" metric for a failed file', () => {
    expect(computeDiff({ 'm.json': { error: 0.1 } }, { 'm.json': { error: 0.2 } })).toEqual({
      'm.json': { error: { old: 0.1, new: 0.2, diff: 0.1 } },
    })
  })

  it('uses "unable to parse" when one side is a bare scalar and the other a map', () => {
    expect(computeDiff({ 'm.json': 5 }, { 'm.json': { a: 1 } })).toEqual({ 'm.json': { a: { old: 'unable to parse', new: 1 } } })
  })

  it("compares two scalar files under the key ''", () => {
    expect(computeDiff({ m: 0.5 }, { m: 0.75 })).toEqual({ m: { '': { old: 0.5, new: 0.75, diff: 0.25 } } })
    expect(computeDiff({ m: 'a' }, { m: '1.5' })).toEqual({ m: { '': { old: 'a', new: 1.5 } } })
  })

  it('follows Python numbers: 1 == 1.0 == True, float diffs stay floats, bools subtract', () => {
    expect(computeDiff({ p: { a: 1, b: true } }, { p: { a: new PyFloat(1), b: 1 } })).toEqual({})
    const result = computeDiff({ p: { a: 0.5, b: false } }, { p: { a: 1.5, b: true } })
    expect(result.p.a.diff).toEqual(new PyFloat(1))
    expect(result.p.b.diff).toBe(1)
    expect(computeDiff({ p: { a: 1 } }, { p: { a: 2 } }, { withDiff: false })).toEqual({ p: { a: { old: 1, new: 2 } } })
  })
})

describe('renderDiff', () => {
  const foo = computeDiff({ 'm.yaml': { foo: 1.23456789 } }, { 'm.yaml': { foo: 3.45678910111213 } })

  it("reproduces DVC's metrics diff CLI test exactly", () => {
    expect(renderDiff(foo, { kind: 'Metric', oldLabel: 'HEAD~2' })).toBe(
      'Path    Metric    HEAD~2    workspace    Change\nm.yaml  foo       1.23457   3.45679      2.22222\n',
    )
  })

  it('supports --no-path, --md, --precision and --json', () => {
    expect(renderDiff(foo, { kind: 'Metric', noPath: true, precision: 2 })).toBe(
      'Metric    HEAD    workspace    Change\nfoo       1.23    3.46         2.22\n',
    )
    expect(renderDiff(foo, { kind: 'Metric', format: 'md' })).toBe(
      '| Path   | Metric   | HEAD    | workspace   | Change   |\n' +
        '|--------|----------|---------|-------------|----------|\n' +
        '| m.yaml | foo      | 1.23457 | 3.45679     | 2.22222  |\n\n',
    )
    expect(renderDiff(foo, { kind: 'Metric', format: 'json' })).toBe(
      '{"m.yaml": {"foo": {"old": 1.23456789, "new": 3.45678910111213, "diff": 2.22222121111213}}}\n',
    )
  })

  it('prints the §d.4 example row and - for missing values and diffs', () => {
    const result = computeDiff(
      { 'eval/live/metrics.json': { avg_prec: { test: 0.92 } }, 'x.json': { gone: 1 } },
      { 'eval/live/metrics.json': { avg_prec: { test: 0.925 } } },
    )
    expect(renderDiff(result, { kind: 'Metric' })).toBe(
      'Path                    Metric         HEAD    workspace    Change\n' +
        'eval/live/metrics.json  avg_prec.test  0.92    0.925        0.005\n' +
        'x.json                  gone           1       -            -\n',
    )
  })

  it('renders params without rounding and without Change', () => {
    const result = computeDiff({ 'params.yaml': { lr: 0.0001234567, opt: 'adam' } }, { 'params.yaml': { lr: 0.001, opt: 'sgd' } })
    expect(renderDiff(result, { kind: 'Param' })).toBe(
      'Path         Param    HEAD          workspace\nparams.yaml  lr       0.0001234567  0.001\nparams.yaml  opt      adam          sgd\n',
    )
  })

  it('renders exp diff style: significant digits, diff not supported, single Value column', () => {
    const result = computeDiff({ 'params.yaml': { lr: 0.0001234567, opt: 'adam' } }, { 'params.yaml': { lr: 0.001, opt: 'sgd' } })
    expect(
      renderDiff(result, { kind: 'Param', numberFormat: 'significant', showChange: true, onEmptyDiff: DIFF_NOT_SUPPORTED, precision: 3 }),
    ).toBe(
      'Path         Param    HEAD      workspace    Change\n' +
        'params.yaml  lr       0.000123  0.001        0.000877\n' +
        'params.yaml  opt      adam      sgd          diff not supported\n',
    )
    expect(renderDiff(result, { kind: 'Param', showOld: false, showChange: true, onEmptyDiff: DIFF_NOT_SUPPORTED })).toBe(
      'Path         Param    Value    Change\nparams.yaml  lr       0.001    0.0008765433\nparams.yaml  opt      sgd      diff not supported\n',
    )
  })

  it('prints nothing for an empty plain diff but the md header', () => {
    expect(renderDiff({}, { kind: 'Metric' })).toBe('')
    expect(renderDiff({}, { kind: 'Param', format: 'md' })).toBe('| Path   | Param   | HEAD   | workspace   |\n|--------|---------|--------|-------------|\n\n')
  })
})
