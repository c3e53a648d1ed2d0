// `-S +key=value` and `-S ~key` on each params format: added keys keep the file's layout,
// deleted ones take their lines (and comments on them) with them; Python refuses clearly.
import { describe, expect, it } from 'vitest'
import { editParamsText, parseOverrides } from './param-overrides.js'
import { errorOf } from '../test-support/error-of.js'

function edit(text: string, file: string, ...args: string[]): { after: string; warnings: string[] } {
  const { after, warnings } = editParamsText(text, file, parseOverrides(args, ''))
  return { after, warnings }
}

const YAML = `# top
train:
  lr: 0.1   # learning rate
  epochs: 10
  # the optimizer
  opt: adam
flow: {a: 1, b: 2}
list: [1, 2, 3]
`

describe('YAML', () => {
  it.each([
    ['+train.momentum=0.9', YAML.replace('  opt: adam\n', '  opt: adam\n  momentum: 0.9\n')],
    ['+seed=1', `${YAML}seed: 1\n`],
    ['+train.sched.kind=cos', YAML.replace('  opt: adam\n', '  opt: adam\n  sched:\n    kind: cos\n')],
    ['+flow.c=3', YAML.replace('{a: 1, b: 2}', '{a: 1, b: 2, c: 3}')],
    ['++train.lr=0.2', YAML.replace('lr: 0.1 ', 'lr: 0.2 ')],
    ['++train.new=x', YAML.replace('  opt: adam\n', '  opt: adam\n  new: x\n')],
    ['~train.lr', YAML.replace('  lr: 0.1   # learning rate\n', '')],
    ['~train.epochs=10', YAML.replace('  epochs: 10\n', '')],
    ['~flow.a', YAML.replace('{a: 1, b: 2}', '{b: 2}')],
    ['~flow.b', YAML.replace('{a: 1, b: 2}', '{a: 1}')],
    ['~list.1', YAML.replace('[1, 2, 3]', '[1, 3]')],
    ['~train.opt', YAML.replace('  opt: adam\n', '')],
  ])('%s', (arg, expected) => {
    expect(edit(YAML, 'params.yaml', arg)).toEqual({ after: expected, warnings: [] })
  })

  it('deletes a block mapping with its lines, and a key of a block sequence item', () => {
    expect(edit('a:\n  b: 1\n  c: [1]\nz: 0\n', 'params.yaml', '~a').after).toBe('z: 0\n')
    expect(edit('l:\n- x: 1\n  y: 2\n', 'params.yaml', '~l.0.y').after).toBe('l:\n- x: 1\n')
  })

  it('re-serialises (with a warning) when the last key of a mapping goes', () => {
    const result = edit('a:\n  b: 1\nz: 0\n', 'params.yaml', '~a.b')
    expect(result.after).toBe('a: {}\nz: 0\n')
    expect(result.warnings[0]).toContain('re-formatted')
  })
})

describe('JSON', () => {
  const JSON_TEXT = '{\n    "a": 1,\n    "b": {\n        "c": [1, 2]\n    },\n    "d": "x"\n}\n'
  it.each([
    ['+e=true', JSON_TEXT.replace('"d": "x"', '"d": "x",\n    "e": true')],
    ['+b.n=null', JSON_TEXT.replace('"c": [1, 2]', '"c": [1, 2],\n        "n": null')],
    ['~a', JSON_TEXT.replace('    "a": 1,\n', '')],
    ['~d', JSON_TEXT.replace(',\n    "d": "x"', '')],
    ['~b.c', JSON_TEXT.replace('\n        "c": [1, 2]\n    ', '')],
    ['~b.c.0', JSON_TEXT.replace('[1, 2]', '[2]')],
  ])('%s', (arg, expected) => {
    expect(edit(JSON_TEXT, 'params.json', arg)).toEqual({ after: expected, warnings: [] })
  })
})

describe('TOML', () => {
  const TOML = '# top\ntitle = "t"  # c\n\n[train]\nlr = 0.1 # learning rate\nepochs = 10\n'
  it.each([
    ['+train.momentum=0.9', TOML.replace('epochs = 10\n', 'epochs = 10\nmomentum = 0.9\n')],
    ['~train.lr', TOML.replace('lr = 0.1 # learning rate\n', '')],
    ['~title', TOML.replace('title = "t"  # c\n', '')],
  ])('%s', (arg, expected) => {
    expect(edit(TOML, 'params.toml', arg)).toEqual({ after: expected, warnings: [] })
  })

  it('re-serialises with a warning to delete a whole [table]', () => {
    const result = edit(TOML, 'params.toml', '~train')
    expect(result.after).toBe('title = "t"\n\n')
    expect(result.warnings[0]).toContain('re-formatted')
  })
})

describe('Python', () => {
  const PY = 'LR = 0.1\nOPTS = {"a": 1, "b": 2}\n'
  it('deletes an item of a dict literal, refuses to delete or add statements', () => {
    expect(edit(PY, 'params.py', '~OPTS.a').after).toBe('LR = 0.1\nOPTS = {\'b\': 2}\n')
    expect(errorOf(() => edit(PY, 'params.py', '~LR')).message).toContain("cannot delete 'LR'")
    expect(errorOf(() => edit(PY, 'params.py', '+NEW=1')).message).toContain("cannot add 'NEW'")
  })
})

describe('key rules', () => {
  it.each([
    ['+train.lr=1', "Could not add '+train.lr': 'train.lr' already exists in 'params.yaml'"],
    ['nope=1', "1 parameter is missing from 'params.yaml': nope"],
    ['~nope', "1 parameter is missing from 'params.yaml': nope"],
    ['~train.lr=0.5', "Could not delete 'train.lr' from 'params.yaml': its value is 0.1, not 0.5"],
    ['+list.x=1', "Could not add 'list.x' to 'params.yaml': 'list' is not a mapping"],
  ])('%s', (arg, message) => {
    const error = errorOf(() => edit(YAML, 'params.yaml', arg))
    expect(error.code).toBe('PARAMS_INVALID')
    expect(error.message).toBe(message)
    expect(error.hint).toBeTruthy()
  })
})
