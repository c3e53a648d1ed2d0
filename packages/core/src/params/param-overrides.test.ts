import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../errors.js'
import { parseParamsText } from './params-file.js'
import { PyFloat } from '../util/python-json.js'
import {
  applyOverrides,
  editParamsText,
  parseKeyPath,
  parseOverrides,
  planOverrides,
  type Override,
} from './param-overrides.js'
import { errorOf } from '../test-support/error-of.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'trellis-set-param-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function put(file: string, text: string): Promise<void> {
  await mkdir(join(root, file, '..'), { recursive: true })
  await writeFile(join(root, file), text)
}

const get = (file: string) => readFile(join(root, file), 'utf8')

function one(arg: string, cwd = ''): Override {
  return parseOverrides([arg], cwd)[0]
}

async function rejection(promise: Promise<unknown>): Promise<TrellisError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TrellisError)
  return error as TrellisError
}

/** Set overrides on a text in memory. */
function edit(text: string, file: string, ...args: string[]): string {
  return editParamsText(text, file, parseOverrides(args, '')).after
}

describe('parseOverrides', () => {
  it('splits the name at the first :, and keeps DVC 2.x a=1,b=2 as two assignments', () => {
    expect(one('a=x:y').value).toBe('x:y')
    expect(one('cfg/train.json:model.lr=0.1')).toMatchObject({ file: 'cfg/train.json', key: 'model.lr', value: 0.1 })
    expect(one('p.yaml:a:b=1')).toMatchObject({ file: 'p.yaml', key: 'a:b' })
    expect(parseOverrides(['a=1,bar=2'], '').map((o) => [o.key, o.value])).toEqual([
      ['a', 1],
      ['bar', 2],
    ])
    expect(parseOverrides(['p.json:a=1,b=2'], '').map((o) => o.file)).toEqual(['p.json', 'p.json'])
  })

  it('resolves files against the cwd, params.yaml by default', () => {
    expect(one('lr=1', 'sub/dir').file).toBe('sub/dir/params.yaml')
    expect(one('other.toml:lr=1', 'sub').file).toBe('sub/other.toml')
    expect(one('../params.yaml:lr=1', 'sub').file).toBe('params.yaml')
    expect(one('./x/../p.json:lr=1', '').file).toBe('p.json')
    expect(errorOf(() => one('../p.yaml:lr=1', '')).code).toBe('PATH_OUTSIDE_REPO')
  })

  it('types values as Hydra does (DVC 3)', () => {
    expect(one('a=2').value).toBe(2)
    expect(one('a=0.1').value).toBe(0.1)
    expect(one('a=1.0').value).toEqual(new PyFloat(1))
    expect(one('a=1e-3').value).toBe(0.001)
    expect(one('a=true').value).toBe(true)
    expect(one('a=yes').value).toBe('yes')
    expect(one('a=null').value).toBeNull()
    expect(one('a=[a, b]').value).toEqual(['a', 'b'])
    expect(one('a={a: 1}').value).toEqual({ a: 1 })
    expect(one("a='01'").value).toBe('01')
    expect(one('a=01').value).toBe('01')
    expect(one('a=bar').value).toBe('bar')
    expect(one('a=2021-01-01').value).toBe('2021-01-01')
  })

  it('parses keys as dotted paths with list indexes', () => {
    expect(parseKeyPath('a.b')).toEqual([
      { name: 'a', index: false },
      { name: 'b', index: false },
    ])
    expect(parseKeyPath('a[0].c')).toEqual([
      { name: 'a', index: false },
      { name: '0', index: true },
      { name: 'c', index: false },
    ])
    expect(parseKeyPath('a.0.c')[1]).toEqual({ name: '0', index: false })
    expect(parseKeyPath('m[1][2]').map((s) => s.name)).toEqual(['m', '1', '2'])
    for (const bad of ['a..b', '.a', 'a.', 'a[x]', 'a[0]b', '[0]', 'a[-1]', 'a[1']) {
      const error = errorOf(() => parseKeyPath(bad))
      expect(error.code).toBe('INVALID_ARGUMENT')
      expect(error.message).toBe(`Invalid parameter name '${bad}'`)
    }
  })

  it('requires a value; key= is the empty string (DVC 3)', () => {
    const error = errorOf(() => parseOverrides(['lr'], ''))
    expect(error.code).toBe('OVERRIDE_INVALID')
    expect(error.message).toBe("Invalid -S 'lr' at position 3: expected '=' and a value after 'lr'")
    expect(error.hint).toBeTruthy()
    expect(one('lr=').value).toBe('')
    expect(one('p.json:train.lr=')).toMatchObject({ file: 'p.json', key: 'train.lr', value: '' })
  })

  it('rejects malformed values, in one line, with the position', () => {
    for (const [value, at] of [
      ['[1, 2', 10],
      ['{a: 1, a: 2}', 17],
      ['"x', 10],
      ['b=c', 11],
    ] as const) {
      const error = errorOf(() => parseOverrides([`train.lr=${value}`], ''))
      expect(error.code).toBe('OVERRIDE_INVALID')
      expect(error.message).toContain(`Invalid -S 'train.lr=${value}' at position ${at}:`)
      expect(error.message).not.toContain('\n')
      expect(error.hint).toBeTruthy()
    }
  })

  it('rejects an empty file or key', () => {
    expect(errorOf(() => one(':a=1')).message).toBe("Invalid -S ':a=1' at position 1: empty file name before ':'")
    expect(errorOf(() => one('p.yaml:=1')).message).toBe("Invalid -S 'p.yaml:=1' at position 8: expected a key")
  })

  it('refuses a sweep where one experiment is made', () => {
    expect(errorOf(() => one('a=1,2')).message).toContain('a sweep makes several experiments')
  })
})

const PARAMS_YAML = `# Training parameters
train:
  lr: 0.1   # learning rate
  epochs: 10

  # the network
  layers:
    - units: 64
      act: relu
    - units: 32
      act: relu

data: {path: data.csv, split: 0.2}
flag: 'yes'
seed: 1.0
name: "exp"
`

describe('applyOverrides: YAML', () => {
  it('changes only the edited value, byte for byte', async () => {
    await put('params.yaml', PARAMS_YAML)
    const result = await applyOverrides(root, parseOverrides(['train.lr=0.01', 'name=other'], ''))
    expect(result.files).toEqual(['params.yaml'])
    expect(result.written).toEqual(['params.yaml'])
    expect(result.warnings).toEqual([])
    expect(await get('params.yaml')).toBe(
      PARAMS_YAML.replace('lr: 0.1 ', 'lr: 0.01 ').replace('name: "exp"', 'name: other'),
    )
  })

  it('keeps 1.0 as 1.0 and writes floats and ints in YAML notation', () => {
    expect(edit('seed: 2\n', 'params.yaml', 'seed=1.0')).toBe('seed: 1.0\n')
    expect(edit('a: 1.0\nb: 1\n', 'params.yaml', 'b=2')).toBe('a: 1.0\nb: 2\n')
    expect(edit('a: 1\n', 'params.yaml', 'a=1e-5')).toBe('a: 1e-05\n')
    expect(edit('a: 1\n', 'params.yaml', 'a=inf')).toBe('a: .inf\n')
    expect(edit('a: 1\n', 'params.yaml', 'a=0.1')).toBe('a: 0.1\n')
    expect(edit('a: 1\n', 'params.yaml', 'a=1.5e3')).toBe('a: 1500.0\n')
  })

  it('leaves the text alone when the value is already the same', () => {
    expect(edit('lr: 1.0e-3  # x\n', 'params.yaml', 'lr=0.001')).toBe('lr: 1.0e-3  # x\n')
  })

  it('quotes strings only when needed', () => {
    const set = (v: string) => edit('a: x\n', 'params.yaml', `a=${v}`)
    expect(set('hello world')).toBe('a: hello world\n')
    expect(set('data/train.csv')).toBe('a: data/train.csv\n')
    expect(set("'01'")).toBe("a: '01'\n")
    expect(set("'true'")).toBe("a: 'true'\n")
    expect(set("'null'")).toBe("a: 'null'\n")
    expect(set('yes')).toBe("a: 'yes'\n")
    expect(set('x:y')).toBe("a: 'x:y'\n")
    expect(set("'1,bar=2'")).toBe("a: '1,bar=2'\n")
    expect(set("\"it's\"")).toBe("a: 'it''s'\n")
    expect(set('"a\\\\b"')).toBe("a: 'a\\b'\n")
  })

  it('replaces a scalar by a flow list or mapping', () => {
    expect(edit('a: 1  # c\nb: 2\n', 'params.yaml', 'a=[1, 2]')).toBe('a: [1, 2]  # c\nb: 2\n')
    expect(edit('a: 1\n', 'params.yaml', 'a={x: 1, y: [a, b]}')).toBe('a: {x: 1, y: [a, b]}\n')
    expect(edit('a: [1, 2]\n', 'params.yaml', 'a=[3]')).toBe('a: [3]\n')
    expect(edit('a: []\n', 'params.yaml', 'a=[3]')).toBe('a: [3]\n')
    expect(edit('a:\nb: 1\n', 'params.yaml', 'a=3')).toBe('a: 3\nb: 1\n')
    expect(edit('x: !!str 5\n', 'params.yaml', 'x=6')).toBe('x: 6\n')
  })

  it('replaces a block collection in block style with the file indentation', () => {
    const text = 'a:\n  - 1\n  - 2\nb:\n    c: 1\n    d: 2\nz: 0\n'
    expect(edit(text, 'params.yaml', 'a=[x, {k: v, l: [1]}]')).toBe(
      'a:\n  - x\n  - k: v\n    l:\n      - 1\nb:\n    c: 1\n    d: 2\nz: 0\n',
    )
    expect(edit(text, 'params.yaml', 'a=[]')).toBe('a: []\nb:\n    c: 1\n    d: 2\nz: 0\n')
    expect(edit(text, 'params.yaml', 'b=5')).toBe('a:\n  - 1\n  - 2\nb: 5\nz: 0\n')
    expect(edit('a:  # the list\n- 1\n- 2\n', 'params.yaml', 'a=null')).toBe('a: null  # the list\n')
    expect(edit('a: |\n  text\nb: 1\n', 'params.yaml', 'a=short')).toBe('a: short\nb: 1\n')
  })

  it('re-indents when a block sequence at its key column becomes a mapping', () => {
    expect(edit('a:\n- 1\n- 2\nb: 1\n', 'params.yaml', 'a={x: 1, y: [1, 2]}')).toBe('a:\n  x: 1\n  y:\n  - 1\n  - 2\nb: 1\n')
    expect(edit('a:\n  # c\n  x: 1\nb: 1\n', 'params.yaml', 'a=[1, {z: 2}]')).toBe('a:\n- 1\n- z: 2\nb: 1\n')
    expect(edit('l:\n- - 1\n  - 2\n- k: 1\n', 'params.yaml', 'l[0]={m: 1}', 'l[1]=[3]')).toBe('l:\n- m: 1\n- - 3\n')
  })

  it('handles document markers, flow roots, a missing final newline and a BOM', () => {
    expect(edit('---\na: 1\n...\n', 'params.yaml', 'a=2')).toBe('---\na: 2\n...\n')
    expect(edit('{a: 1, b: [1, 2]}\n', 'params.yaml', 'a=[1]', 'b[1]=x')).toBe('{a: [1], b: [1, x]}\n')
    expect(edit('a: 1', 'params.yaml', 'a=2')).toBe('a: 2')
    expect(edit('\ufeffa: 1\n', 'params.yaml', 'a=2')).toBe('\ufeffa: 2\n')
  })

  it('sets list items by index, both a[0] and a.0', () => {
    const text = 'layers:\n- units: 64\n- units: 32\nm: [[1, 2], [3, 4]]\n'
    expect(edit(text, 'params.yaml', 'layers[1].units=16', 'm[1][0]=9')).toBe(
      'layers:\n- units: 64\n- units: 16\nm: [[1, 2], [9, 4]]\n',
    )
    expect(edit(text, 'params.yaml', 'layers.0.units=8')).toBe('layers:\n- units: 8\n- units: 32\nm: [[1, 2], [3, 4]]\n')
    expect(edit(text, 'params.yaml', 'layers[0]=x')).toBe('layers:\n- x\n- units: 32\nm: [[1, 2], [3, 4]]\n')
  })

  it('merges a mapping onto a mapping, adding keys in the mapping style', () => {
    const text = 'train:\n  lr: 0.1  # lr\n  opt: {name: sgd}\ntail: 1\n'
    expect(edit(text, 'params.yaml', 'train={lr: 0.2, new: 1, opt: {beta: 0.9}}')).toBe(
      'train:\n  lr: 0.2  # lr\n  opt: {name: sgd, beta: 0.9}\n  new: 1\ntail: 1\n',
    )
    expect(edit(text, 'params.yaml', 'train={deep: {a: [1, 2]}}')).toBe(
      'train:\n  lr: 0.1  # lr\n  opt: {name: sgd}\n  deep:\n    a:\n    - 1\n    - 2\ntail: 1\n',
    )
    expect(edit('a: {}\n', 'params.yaml', 'a={x: 1}')).toBe('a: {x: 1}\n')
    expect(edit('a: 1\nb: {x: 1}', 'params.yaml', 'b={y: 2}')).toBe('a: 1\nb: {x: 1, y: 2}')
    expect(edit('b:\n  x: 1', 'params.yaml', 'b={y: 2}')).toBe('b:\n  x: 1\n  y: 2\n')
  })

  it('a mapping onto a scalar replaces it', () => {
    expect(edit('a: 1\n', 'params.yaml', 'a={x: 1}')).toBe('a: {x: 1}\n')
  })

  it('keeps CRLF line endings', () => {
    expect(edit('a:\r\n  b: 1\r\nc: 2\r\n', 'params.yaml', 'a.b=3', 'a={d: 4}')).toBe('a:\r\n  b: 3\r\n  d: 4\r\nc: 2\r\n')
  })

  it('later duplicates of the same file and key win', async () => {
    await put('params.yaml', 'a: 1\nb: 2\n')
    const result = await applyOverrides(root, parseOverrides(['a=5', 'params.yaml:a=6', 'b=3', 'a=7'], ''))
    expect(await get('params.yaml')).toBe('a: 7\nb: 3\n')
    expect(result.changes.map((c) => [c.key, c.new])).toEqual([
      ['a', 7],
      ['b', 3],
    ])
  })

  it('a later mapping duplicate replaces the earlier one instead of merging with it', () => {
    expect(edit('a: {x: 1}\n', 'params.yaml', 'a={y: 1}', 'a={z: 2}')).toBe('a: {x: 1, z: 2}\n')
  })

  it('refuses a key under a parent replaced by another override', () => {
    const error = errorOf(() => edit('a: {b: 1}\n', 'params.yaml', 'a=5', 'a.b=2'))
    expect(error.code).toBe('INVALID_ARGUMENT')
  })

  it('a value through an alias cannot be edited without changing the anchor', () => {
    const error = errorOf(() => edit('base: &b {lr: 1}\nother: *b\n', 'params.yaml', 'other.lr=2'))
    expect(error.code).toBe('PARAMS_INVALID')
    expect(error.message).toContain("Cannot set parameters in 'params.yaml'")
  })
})

describe('applyOverrides: validation', () => {
  it('only existing keys, across files, and nothing is written', async () => {
    await put('params.yaml', 'a:\n  x: 1\nb: [1]\n')
    await put('other.json', '{"z": 1}\n')
    const before = (await stat(join(root, 'params.yaml'))).mtimeMs
    const error = await rejection(
      applyOverrides(root, parseOverrides(['a.x=2', 'a.b=1', 'c=3', 'b[1]=3', 'other.json:z=2', 'other.json:y=1'], '')),
    )
    expect(error.code).toBe('PARAMS_INVALID')
    expect(error.message).toBe(
      "3 parameters are missing from 'params.yaml': a.b, c, b[1]; 1 parameter is missing from 'other.json': y",
    )
    expect(error.hint).toBeTruthy()
    expect(await get('params.yaml')).toBe('a:\n  x: 1\nb: [1]\n')
    expect(await get('other.json')).toBe('{"z": 1}\n')
    expect((await stat(join(root, 'params.yaml'))).mtimeMs).toBe(before)
  })

  it('a valid first file is not written when the second has missing keys', async () => {
    await put('params.yaml', 'a: 1\n')
    await put('p2.yaml', 'b: 1\n')
    const error = await rejection(applyOverrides(root, parseOverrides(['a=2', 'p2.yaml:nope=1'], '')))
    expect(error.message).toBe("1 parameter is missing from 'p2.yaml': nope")
    expect(await get('params.yaml')).toBe('a: 1\n')
  })

  it('index keys need a list, names need a mapping', async () => {
    await put('params.yaml', 'm: {0: a}\nl: [1, 2]\n')
    const error = await rejection(applyOverrides(root, parseOverrides(['m[0]=b', 'l.x=1', 'l[2]=1'], '')))
    expect(error.message).toBe("3 parameters are missing from 'params.yaml': m[0], l.x, l[2]")
    await applyOverrides(root, parseOverrides(['m.0=b', 'l.1=5'], ''))
    expect(await get('params.yaml')).toBe('m: {0: b}\nl: [1, 5]\n')
  })

  it('the file must exist', async () => {
    const error = await rejection(applyOverrides(root, parseOverrides(['lr=1'], 'sub')))
    expect(error.code).toBe('PARAMS_INVALID')
    expect(error.message).toBe("Parameters file 'sub/params.yaml' does not exist")
    expect(error.hint).toBeTruthy()
  })

  it('resolves the default file against the cwd', async () => {
    await put('sub/params.yaml', 'lr: 1\n')
    await put('params.yaml', 'lr: 1\n')
    const result = await applyOverrides(root, parseOverrides(['lr=2', '../params.yaml:lr=3'], 'sub'))
    expect(result.files).toEqual(['sub/params.yaml', 'params.yaml'])
    expect(await get('sub/params.yaml')).toBe('lr: 2\n')
    expect(await get('params.yaml')).toBe('lr: 3\n')
  })

  it('accepts absolute file paths inside the root', async () => {
    await put('p.yaml', 'lr: 1\n')
    await applyOverrides(root, parseOverrides([`${join(root, 'p.yaml')}:lr=2`], ''))
    expect(await get('p.yaml')).toBe('lr: 2\n')
  })

  it('writes every file once all are valid', async () => {
    await put('params.yaml', 'a: 1  # one\n')
    await put('cfg/p.toml', '[t]\nb = 1 # two\n')
    await put('cfg/p.json', '{\n  "c": [1]\n}\n')
    const written = await applyOverrides(root, parseOverrides(['../params.yaml:a=2', 'p.toml:t.b=2.5', 'p.json:c[0]=3'], 'cfg'))
    expect(written.written).toEqual(['params.yaml', 'cfg/p.toml', 'cfg/p.json'])
    expect(await get('params.yaml')).toBe('a: 2  # one\n')
    expect(await get('cfg/p.toml')).toBe('[t]\nb = 2.5 # two\n')
    expect(await get('cfg/p.json')).toBe('{\n  "c": [3]\n}\n')
  })

  it('keeps the file mode and skips writing unchanged files', async () => {
    await put('params.yaml', 'lr: 1\n')
    await chmod(join(root, 'params.yaml'), 0o600)
    const same = await applyOverrides(root, parseOverrides(['lr=1'], ''))
    expect(same.written).toEqual([])
    expect(same.files).toEqual(['params.yaml'])
    expect(same.changes[0].changed).toBe(false)
    await applyOverrides(root, parseOverrides(['lr=2'], ''))
    expect((await stat(join(root, 'params.yaml'))).mode & 0o777).toBe(0o600)
  })
})

describe('planOverrides', () => {
  it('tells which files and keys would change without writing', async () => {
    await put('params.yaml', 'train:\n  lr: 0.1\n  epochs: 10\n')
    await put('p.json', '{"a": 1}')
    const plan = await planOverrides(root, parseOverrides(['train.lr=0.2', 'train.epochs=10', 'p.json:a=1.0', 'train={x: 1}'], ''))
    expect(plan.files.map((f) => [f.file, f.format, f.changed])).toEqual([
      ['params.yaml', 'yaml', true],
      ['p.json', 'json', true],
    ])
    expect(plan.files[0].changes.map((c) => [c.key, c.changed])).toEqual([
      ['train.lr', true],
      ['train.epochs', false],
      ['train', true],
    ])
    expect(plan.files[0].changes[2].new).toEqual({ lr: 0.2, epochs: 10, x: 1 })
    expect(plan.files[0].after).toBe('train:\n  lr: 0.2\n  epochs: 10\n  x: 1\n')
    expect(plan.files[1].after).toBe('{"a": 1.0}')
    expect(plan.files[1].changes[0]).toMatchObject({ old: 1, new: new PyFloat(1), changed: true })
    expect(await get('params.yaml')).toBe('train:\n  lr: 0.1\n  epochs: 10\n')
  })
})

describe('JSON', () => {
  const JSON_TEXT = '{\n    "lr": 0.1,\n    "nested": {\n        "a": [1, 2],\n        "b": 1.0\n    },\n    "x": 1\n}\n'

  it('keeps indentation, key order and untouched spellings', async () => {
    await put('p.json', JSON_TEXT)
    await applyOverrides(root, parseOverrides(['p.json:lr=0.001', 'p.json:nested.a[0]=true'], ''))
    expect(await get('p.json')).toBe(JSON_TEXT.replace('0.1', '0.001').replace('[1, 2]', '[true, 2]'))
  })

  it('expands new containers with the detected indentation where the file is expanded', () => {
    expect(edit(JSON_TEXT, 'p.json', 'x=[1, 2.0]', 'nested={c: {d: "e"}}')).toBe(
      '{\n    "lr": 0.1,\n    "nested": {\n        "a": [1, 2],\n        "b": 1.0,\n        "c": {\n            "d": "e"\n        }\n    },\n    "x": [\n        1,\n        2.0\n    ]\n}\n',
    )
    const tabs = '{\n\t"a": 1,\n\t"b": {\n\t\t"c": 1\n\t}\n}'
    expect(edit(tabs, 'p.json', 'a=[1]', 'b={d: null}')).toBe('{\n\t"a": [\n\t\t1\n\t],\n\t"b": {\n\t\t"c": 1,\n\t\t"d": null\n\t}\n}')
  })

  it('keeps one-line and compact files on one line', () => {
    expect(edit('{"a": 1, "b": {"c": 2}}', 'p.json', 'a=[1, 2]', 'b={d: 1.0}')).toBe('{"a": [1, 2], "b": {"c": 2, "d": 1.0}}')
    expect(edit('{"a":1,"b":{}}', 'p.json', 'a={x: y}', 'b={d: 1}')).toBe('{"a":{"x":"y"},"b":{"d":1}}')
  })

  it('writes Python-style floats and JSON strings', () => {
    expect(edit('{"a": 1}', 'p.json', 'a=1e-5')).toBe('{"a": 1e-05}')
    expect(edit('{"a": 1}', 'p.json', 'a=nan')).toBe('{"a": NaN}')
    expect(edit('{"a": 1}', 'p.json', `a='héllo "x"'`)).toBe('{"a": "héllo \\"x\\""}')
  })
})

describe('TOML', () => {
  const TOML_TEXT = `# top
title = "t"  # c

[train]
lr = 0.1 # learning rate
layers = [1, 2]
opt = { name = "adam", b = 1.0 }

[[runs]]
id = 1

[[runs]]
id = 2
`

  it('edits values in place, keeping comments and layout', () => {
    expect(edit(TOML_TEXT, 'p.toml', 'train.lr=0.01', 'train.layers[1]=3', 'train.opt.b=2.0', 'runs[1].id=5', 'title=[1]')).toBe(
      TOML_TEXT.replace('lr = 0.1', 'lr = 0.01')
        .replace('[1, 2]', '[1, 3]')
        .replace('b = 1.0', 'b = 2.0')
        .replace('id = 2', 'id = 5')
        .replace('title = "t"', 'title = [1]'),
    )
  })

  it('adds merged keys after the last assignment of the section or inline table', () => {
    expect(edit(TOML_TEXT, 'p.toml', 'train={new: x, opt: {z: [1]}}', 'runs[0]={tag: a}')).toBe(
      TOML_TEXT.replace('b = 1.0 }', 'b = 1.0, z = [1] }')
        .replace('}\n\n[[runs]]', '}\nnew = "x"\n\n[[runs]]')
        .replace('id = 1\n', 'id = 1\ntag = "a"\n'),
    )
    expect(edit('a = 1\n\n[t]\nb = 2\n', 'p.toml', 'a=2', 't={c: {d: 1}}')).toBe('a = 2\n\n[t]\nb = 2\nc = { d = 1 }\n')
  })

  it('refuses null', () => {
    const error = errorOf(() => edit(TOML_TEXT, 'p.toml', 'title=null'))
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toBe("TOML has no null: cannot set 'title' to null")
  })

  it('re-serialises with a warning when a table section must be replaced', () => {
    const result = editParamsText('# c\n[t]\na = 1\n', 'p.toml', parseOverrides(['t=5'], ''))
    expect(result.warnings).toHaveLength(1)
    expect(result.warnings[0]).toContain("'p.toml' was re-formatted")
    expect(parseParamsText(result.after, 'toml', 'p.toml')).toEqual({ t: 5 })
  })
})

describe('Python', () => {
  const PY = `import os

LR = 0.1  # learning rate
LAYERS = (1, 2)
NAMES = ["a", "b"]


class Train:
    epochs: int = 10

    def __init__(self):
        self.seed = 1
`

  it('edits module constants, class attributes and self.x in __init__', async () => {
    await put('params.py', PY)
    await applyOverrides(root, parseOverrides(['params.py:LR=0.01', 'params.py:LAYERS[0]=5', 'params.py:Train.epochs=20', 'params.py:Train.seed=3', 'params.py:NAMES=[c]'], ''))
    expect(await get('params.py')).toBe(
      PY.replace('0.1', '0.01').replace('(1, 2)', '(5, 2)').replace('= 10', '= 20').replace('seed = 1', 'seed = 3').replace('["a", "b"]', "['c']"),
    )
    expect(edit('X = 1\n', 'p.py', 'X=1.0')).toBe('X = 1.0\n')
    expect(edit('X = "a"\n', 'p.py', 'X=true')).toBe('X = True\n')
    expect(edit('X = 1\n', 'p.py', 'X={a: null}')).toBe("X = {'a': None}\n")
  })

  it('refuses values DVC could not read back, and new attributes', () => {
    for (const [arg, reason] of [
      ['LR=-1', 'negative number'],
      ['NAMES=[[1]]', 'nested'],
      ['LR=inf', 'no Python literal'],
      ['Train={x: 1}', "cannot add 'x'"],
      ['+NEW=1', "cannot add 'NEW'"],
      ['~LR', "cannot delete 'LR'"],
    ]) {
      const error = errorOf(() => edit(PY, 'params.py', arg))
      expect(error.code).toBe('INVALID_ARGUMENT')
      expect(error.message).toContain("-S cannot edit 'params.py'")
      expect(error.message).toContain(reason)
      expect(error.hint).toBeTruthy()
    }
  })
})
