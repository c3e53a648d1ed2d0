import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrellisError, type ErrorCode } from '../errors.js'
import { readParamsDep } from '../params/key-path.js'
import { PyFloat } from '../util/python-json.js'
import { loadDvcFile, loadDvcYaml } from './load-dvc-yaml.js'

// shared/ lies beside the repository (also in CI)
const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/example-get-started/', import.meta.url))

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'trellis-dvcyaml-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function files(map: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(map)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), text)
  }
}

/** The one error thrown by loading `relPath`. */
async function loadError(relPath = 'dvc.yaml'): Promise<TrellisError> {
  try {
    await loadDvcYaml(root, relPath)
  } catch (error) {
    expect(error).toBeInstanceOf(TrellisError)
    return error as TrellisError
  }
  throw new Error('expected an error')
}

async function expectError(code: ErrorCode, message: string, yaml?: string): Promise<TrellisError> {
  if (yaml !== undefined) await files({ 'dvc.yaml': yaml })
  const error = await loadError()
  expect(error.code).toBe(code)
  expect(error.message).toBe(message)
  return error
}

describe('loadDvcYaml: the example-get-started fixture', () => {
  it('loads the 4 stages with paths, params, outs, flags and lines', async () => {
    const stages = await loadDvcYaml(FIXTURE, 'dvc.yaml')
    expect(stages.map((s) => s.name)).toEqual(['prepare', 'featurize', 'train', 'evaluate'])
    const [prepare, , train, evaluate] = stages
    expect(prepare).toMatchObject({
      kind: 'pipeline',
      dvcfile: 'dvc.yaml',
      address: 'prepare',
      cmd: 'python src/prepare.py data/data.xml',
      wdir: '',
      deps: [
        { pathAsWritten: 'data/data.xml', path: 'data/data.xml' },
        { pathAsWritten: 'src/prepare.py', path: 'src/prepare.py' },
      ],
      params: [{ fileAsWritten: 'params.yaml', file: 'params.yaml', keys: ['prepare.seed', 'prepare.split'] }],
      outs: [{ path: 'data/prepared', cache: true, persist: false, metric: false, plot: false }],
      frozen: false,
      alwaysChanged: false,
      line: 2,
    })
    expect(train.line).toBe(22)
    expect(evaluate.outs.map((o) => [o.path, o.cache, o.metric])).toEqual([
      ['eval/importance.png', true, false],
      ['eval/live/plots', false, false],
      ['eval/prc', false, false],
      ['eval/live/metrics.json', false, true],
    ])
  })

  it('collects prepare.split as 0.2 from params.yaml (written 0.20)', async () => {
    const [prepare] = await loadDvcYaml(FIXTURE, 'dvc.yaml')
    expect(await readParamsDep(FIXTURE, prepare.params[0])).toEqual({ 'prepare.seed': 20170428, 'prepare.split': 0.2 })
  })

  it('keeps the top-level plots', async () => {
    const file = await loadDvcFile(FIXTURE, 'dvc.yaml')
    expect(Array.isArray(file.plots)).toBe(true)
    expect((file.plots as unknown[])[3]).toBe('eval/importance.png')
  })
})

describe('loadDvcYaml: one clear error per bad input', () => {
  it('invalid YAML names the file and the line', async () => {
    await files({ 'dvc.yaml': 'stages:\n  train:\n    cmd: [unclosed\n' })
    const error = await loadError()
    expect(error.code).toBe('YAML_INVALID')
    expect(error.message).toMatch(/^'dvc\.yaml' is invalid: .*, line \d+$/)
  })

  it('duplicate keys are invalid YAML', async () => {
    await files({ 'dvc.yaml': 'stages:\n  train:\n    cmd: a\n    cmd: b\n' })
    const error = await loadError()
    expect(error.code).toBe('YAML_INVALID')
    expect(error.message).toContain('line 4')
  })

  it('an unknown stage key', async () => {
    const error = await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: extra keys not allowed, in stages -> train -> outz, line 7",
      'stages:\n  prepare:\n    cmd: echo\n  train:\n    cmd: python train.py\n    deps: [a]\n    outz: [model]\n',
    )
    expect(error.hint).toContain('Allowed keys here: cmd, wdir, deps')
  })

  it('an unknown key in output flags', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: extra keys not allowed, in stages -> s -> outs -> 0 -> model -> cach, line 6",
      'stages:\n  s:\n    cmd: x\n    outs:\n    - model:\n        cach: false\n',
    )
  })

  it('frozen: yes-please', async () => {
    const error = await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: expected bool, in stages -> train -> frozen, line 4",
      'stages:\n  train:\n    cmd: python train.py\n    frozen: yes-please\n',
    )
    expect(error.hint).toContain('true or false')
  })

  it('frozen cannot be templated (checked before interpolation)', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: expected bool, in stages -> train -> frozen, line 4",
      'stages:\n  train:\n    cmd: python train.py\n    frozen: ${flag}\n',
    )
  })

  it('cmd: 3', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: expected str, in stages -> train -> cmd, line 3",
      'stages:\n  train:\n    cmd: 3\n',
    )
  })

  it('a missing cmd', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: required key not provided, in stages -> train -> cmd, line 3",
      'stages:\n  train:\n    deps: [a]\n',
    )
  })

  it('a dict in deps', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: expected str, in stages -> s -> deps -> 0, line 5",
      'stages:\n  s:\n    cmd: x\n    deps:\n    - a: b\n',
    )
  })

  it('a foreach group with stage keys and no do', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: 2 errors: extra keys not allowed, in stages -> build -> cmd, line 4; required key not provided, in stages -> build -> do, line 3",
      'stages:\n  build:\n    foreach: [a, b]\n    cmd: echo ${item}\n',
    )
  })

  it('an unknown top-level key, and a non-mapping file', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "'dvc.yaml' validation failed: extra keys not allowed, in stagez, line 1",
      'stagez: {}\n',
    )
    await expectError('SCHEMA_INVALID', "'dvc.yaml' validation failed: expected a dictionary.", '- a\n- b\n')
  })

  it('an undefined ${var} names the field and the line', async () => {
    const error = await expectError(
      'INTERPOLATION',
      "failed to parse 'stages.build.cmd' in 'dvc.yaml': Could not find 'models.foobar' (line 3)",
      'stages:\n  build:\n    cmd: python build.py ${models.foobar}\n',
    )
    expect(error.hint).toContain('models.foobar')
  })

  it('a grammar error in ${} gives the pyparsing-style message', async () => {
    await files({ 'params.yaml': 'models:\n  foo: 1\n', 'dvc.yaml': 'stages:\n  build:\n    cmd: echo ${models.foo.}\n' })
    const error = await loadError()
    expect(error.code).toBe('INTERPOLATION')
    expect(error.message).toBe(
      "failed to parse 'stages.build.cmd' in 'dvc.yaml' (line 3):\n${models.foo.}\n            ^\nParseException: Expected end of text, found '.'  (at char 12), (line:1, col:13)",
    )
  })

  it('paths escaping the repository', async () => {
    const base = 'stages:\n  s:\n    cmd: x\n'
    let error = await expectError(
      'PATH_OUTSIDE_REPO',
      "dependency '../secret' of stage 's' in 'dvc.yaml', line 5 is outside the repository",
      base + '    deps:\n    - ../secret\n',
    )
    expect(error.hint).toContain('inside')
    await expectError(
      'PATH_OUTSIDE_REPO',
      "output '/etc/passwd' of stage 's' in 'dvc.yaml', line 4 is an absolute path, outside the repository",
      base + '    outs: [/etc/passwd]\n',
    )
    await expectError(
      'PATH_OUTSIDE_REPO',
      "wdir '..' of stage 's' in 'dvc.yaml', line 4 is outside the repository",
      base + '    wdir: ..\n',
    )
    error = await expectError(
      'PATH_OUTSIDE_REPO',
      "dependency 's3://bucket/x' of stage 's' in 'dvc.yaml', line 4 is a remote URL, which is not supported",
      base + '    deps: [s3://bucket/x]\n',
    )
    // climbing out of a sub-directory but staying in the repo is fine
    await files({ 'sub/dvc.yaml': 'stages:\n  s:\n    cmd: x\n    deps: [../data/x]\n' })
    const [stage] = await loadDvcYaml(root, 'sub/dvc.yaml')
    expect(stage.deps[0]).toEqual({ pathAsWritten: '../data/x', path: 'data/x' })
  })

  it('a missing file and a bad file name', async () => {
    let error = await loadError('dvc.yaml')
    expect(error.code).toBe('TARGET_NOT_FOUND')
    expect(error.message).toBe("'dvc.yaml' does not exist")
    await files({ 'dvc.yml': 'stages: {}\n' })
    error = await loadError('dvc.yml')
    expect(error.message).toBe(
      "bad DVC file name 'dvc.yml'. DVC files should be named 'dvc.yaml' or have a '.dvc' suffix (e.g. 'dvc.yml.dvc').",
    )
  })

  it('bad params entries', async () => {
    await expectError(
      'SCHEMA_INVALID',
      "Expected list of params for custom params file 'b_file', got 'str'. (stage 's' in 'dvc.yaml', line 5)",
      'stages:\n  s:\n    cmd: x\n    params:\n    - b_file: foo\n',
    )
  })
})

describe('loadDvcYaml: stages', () => {
  it('an empty file has no stages', async () => {
    await files({ 'dvc.yaml': '' })
    expect(await loadDvcYaml(root, 'dvc.yaml')).toEqual([])
  })

  it('resolves wdir and paths relative to it; addresses in sub-directories', async () => {
    await files({
      'sub/dvc.yaml': [
        'stages:',
        '  train:',
        '    cmd: python train.py',
        '    wdir: ../src',
        '    deps: [train.py, ../data/]',
        '    params: [lr, {../cfg.json: [a.b]}]',
        '    outs: [out/model]',
      ].join('\n'),
    })
    const [stage] = await loadDvcYaml(root, 'sub/dvc.yaml')
    expect(stage.address).toBe('sub/dvc.yaml:train')
    expect(stage.wdir).toBe('src')
    expect(stage.deps).toEqual([
      { pathAsWritten: 'train.py', path: 'src/train.py' },
      { pathAsWritten: '../data/', path: 'data' },
    ])
    expect(stage.params).toEqual([
      { fileAsWritten: 'params.yaml', file: 'src/params.yaml', keys: ['lr'] },
      { fileAsWritten: '../cfg.json', file: 'cfg.json', keys: ['a.b'] },
    ])
    expect(stage.outs[0]).toMatchObject({ pathAsWritten: 'out/model', path: 'src/out/model' })
  })

  it('merges params entries per file; whole-file tracking wins', async () => {
    await files({
      'dvc.yaml': [
        'stages:',
        '  a:',
        '    cmd: x',
        '    params:',
        '    - foo',
        '    - other.json: [b]',
        '    - cfg.toml:',
        '    - other.json: [c, b]',
        '    - bar',
        '  b:',
        '    cmd: x',
        '    params: [foo, {params.yaml: null}, {x.yaml: []}]',
      ].join('\n'),
    })
    const [a, b] = await loadDvcYaml(root, 'dvc.yaml')
    expect(a.params.map((p) => [p.file, p.keys])).toEqual([
      ['params.yaml', ['foo', 'bar']],
      ['other.json', ['b', 'c']],
      ['cfg.toml', null],
    ])
    expect(b.params.map((p) => [p.file, p.keys])).toEqual([
      ['params.yaml', null],
      ['x.yaml', null],
    ])
  })

  it('reads output flags, merges duplicate paths of a section, and flags metrics/plots', async () => {
    await files({
      'dvc.yaml': [
        'stages:',
        '  s:',
        '    cmd: x',
        '    desc: does things',
        '    meta: {owner: me}',
        '    frozen: true',
        '    always_changed: true',
        '    outs:',
        '    - model',
        '    - model:',
        '        persist: true',
        '    - ckpt:',
        '        checkpoint: true',
        '        cache: false',
        '        remote: store',
        '        push: false',
        '        desc: checkpoint',
        '    metrics:',
        '    - m.json:',
        '        cache: false',
        '    plots:',
        '    - p.csv:',
        '        x: step',
        '        y: loss',
        '        template: linear',
      ].join('\n'),
    })
    const [s] = await loadDvcYaml(root, 'dvc.yaml')
    expect(s).toMatchObject({ desc: 'does things', meta: { owner: 'me' }, frozen: true, alwaysChanged: true })
    expect(s.outs).toEqual([
      { pathAsWritten: 'model', path: 'model', cache: true, persist: true, checkpoint: false, metric: false, plot: false },
      {
        pathAsWritten: 'ckpt',
        path: 'ckpt',
        cache: false,
        persist: false,
        checkpoint: true,
        metric: false,
        plot: false,
        remote: 'store',
        push: false,
        desc: 'checkpoint',
      },
      { pathAsWritten: 'm.json', path: 'm.json', cache: false, persist: false, checkpoint: false, metric: true, plot: false },
      { pathAsWritten: 'p.csv', path: 'p.csv', cache: true, persist: false, checkpoint: false, metric: false, plot: true, plotProps: { x: 'step', y: 'loss', template: 'linear' } },
    ])
  })

  it('resolves top-level params and metrics relative to the dvc.yaml directory', async () => {
    await files({ 'sub/dvc.yaml': 'params: [p.yaml]\nmetrics: [../m.json]\nstages: {}\n' })
    const file = await loadDvcFile(root, 'sub/dvc.yaml')
    expect(file.params).toEqual(['sub/p.yaml'])
    expect(file.metrics).toEqual(['m.json'])
  })
})

describe('loadDvcYaml: vars and ${} interpolation', () => {
  it('loads params.yaml next to dvc.yaml, then vars files, partial keys and inline maps', async () => {
    await files({
      'sub/params.yaml': 'lr: 0.1\nnested: {a: 1}\n',
      'sub/conf/common.yaml': 'epochs: 10\nnested: {b: 2}\n',
      'sub/conf/models.json': '{"resnet": {"depth": 50}, "vit": {"depth": 12}, "other": 1}',
      'sub/dvc.yaml': [
        'vars:',
        '  - conf/common.yaml',
        '  - conf/models.json:resnet,vit',
        '  - threshold: 0.5',
        'stages:',
        '  train:',
        '    cmd: python train.py ${lr} ${epochs} ${nested.a}${nested.b} ${resnet.depth} ${threshold}',
      ].join('\n'),
    })
    const file = await loadDvcFile(root, 'sub/dvc.yaml')
    expect(file.stages[0].cmd).toBe('python train.py 0.1 10 12 50 0.5')
    const tracked = file.trackedVars.get('train')!
    expect(Object.fromEntries(tracked.get('sub/params.yaml')!)).toEqual({ lr: 0.1, 'nested.a': 1 })
    expect(Object.fromEntries(tracked.get('sub/conf/models.json')!)).toEqual({ 'resnet.depth': 50 })
    expect(tracked.has('vars[2]')).toBe(false) // inline values are not tracked
  })

  it('renders values inside strings with Python str() and keeps the type of a whole-string ${}', async () => {
    await files({
      'params.yaml': 'f: 1.0\nsmall: 0.00001\nt: true\nn: null\nnum: 7\nlst: [{x: a}, 2]\nd: {b: c}\n',
      'dvc.yaml': [
        'stages:',
        '  s:',
        '    cmd: echo ${f} ${small} ${t} ${n} ${lst[0].x} ${lst.1} ${d[b]} \\${escaped} ${ num }',
        '    meta:',
        '      num: ${num}',
        '      flag: ${t}',
        '      f: ${f}',
        '    deps:',
        '    - ${lst[0].x}',
      ].join('\n'),
    })
    const [s] = await loadDvcYaml(root, 'dvc.yaml')
    expect(s.cmd).toBe('echo 1.0 1e-05 true None a 2 c ${escaped} 7')
    const meta = s.meta as Record<string, unknown>
    expect(meta.num).toBe(7)
    expect(meta.flag).toBe(true)
    expect(meta.f).toBeInstanceOf(PyFloat)
    expect(s.deps[0].path).toBe('a')
  })

  it('renders a map in cmd as command-line flags', async () => {
    await files({
      'params.yaml': [
        'train:',
        '  lr: 0.001',
        '  epochs: 10',
        '  name: my model',
        "  quote: it's",
        '  flag: true',
        '  off: false',
        '  layers: [64, 32]',
        '  names: [a b, c]',
        '  opt: {beta: 0.9}',
        '  none: null',
      ].join('\n'),
      'dvc.yaml': 'stages:\n  s:\n    cmd: python train.py ${train}\n  t:\n    cmd: ${train}\n',
    })
    const [s, t] = await loadDvcYaml(root, 'dvc.yaml')
    const flags = `--lr 0.001 --epochs 10 --name 'my model' --quote 'it'"'"'s' --flag --layers 64 32 --names 'a b' c --opt.beta 0.9 --none None`
    expect(s.cmd).toBe(`python train.py ${flags}`)
    expect(t.cmd).toBe(flags)
    const [u] = await loadDvcYaml(root, 'dvc.yaml', { parsing: { bool: 'boolean_optional', list: 'append' } }).then((x) => [x[0]])
    expect(u.cmd).toBe(
      `python train.py --lr 0.001 --epochs 10 --name 'my model' --quote 'it'"'"'s' --flag --no-off --layers 64 --layers 32 --names 'a b' --names c --opt.beta 0.9 --none None`,
    )
  })

  it('refuses to interpolate a map outside cmd', async () => {
    await files({ 'params.yaml': 'd: {a: 1}\n', 'dvc.yaml': 'stages:\n  s:\n    cmd: x\n    outs:\n    - ${d}\n' })
    const error = await loadError()
    expect(error.code).toBe('INTERPOLATION')
    expect(error.message).toBe("failed to parse 'stages.s.outs' in 'dvc.yaml' (line 4):\nCannot interpolate data of type 'dict'")
  })

  it('reports redefinitions and mixed whole/partial loads', async () => {
    await files({
      'params.yaml': 'models: {bar: 1}\n',
      'params.json': '{"models": {"bar": 2}}',
      'dvc.yaml': 'vars: [params.json]\nstages: {}\n',
    })
    let error = await loadError()
    expect(error.code).toBe('INTERPOLATION')
    expect(error.message).toBe(
      "failed to parse 'vars' in 'dvc.yaml' (line 1):\ncannot redefine 'models.bar' from 'params.json' as it already exists in 'params.yaml'",
    )
    await files({ 'dvc.yaml': 'vars: [params.yaml:models]\nstages: {}\n' })
    error = await loadError()
    expect(error.message).toContain("cannot partially load 'params.yaml:models' as it's already loaded.")
    await rm(join(root, 'params.yaml'))
    await files({ 'p.yaml': 'a: 1\nb: 2\n', 'dvc.yaml': 'vars: [p.yaml:a, p.yaml]\nstages: {}\n' })
    error = await loadError()
    expect(error.message).toContain("cannot load 'p.yaml' as it's partially loaded already")
    await files({ 'dvc.yaml': 'vars: [p.yaml, p.yaml, p.yaml:a]\nstages: {}\n' })
    expect((await loadError()).message).toContain("cannot partially load 'p.yaml:a'")
    await files({ 'dvc.yaml': 'vars: [p.yaml, p.yaml]\nstages: {}\n' })
    await expect(loadDvcYaml(root, 'dvc.yaml')).resolves.toEqual([])
  })

  it('reports missing vars files, missing partial keys and ${} inside vars', async () => {
    await files({ 'dvc.yaml': 'vars: [x.yaml]\nstages: {}\n' })
    expect((await loadError()).message).toBe("failed to parse 'vars' in 'dvc.yaml': 'x.yaml' does not exist (line 1)")
    await files({ 'p.yaml': 'a: 1\n', 'dvc.yaml': 'vars: [p.yaml:sub3]\nstages: {}\n' })
    expect((await loadError()).message).toBe("failed to parse 'vars' in 'dvc.yaml': could not find 'sub3' in 'p.yaml' (line 1)")
    await files({ 'dvc.yaml': 'vars: [{a: "${b}"}]\nstages: {}\n' })
    expect((await loadError()).message).toBe("failed to parse 'vars' in 'dvc.yaml': interpolating is not allowed (line 1)")
    await files({ 'dvc.yaml': 'stages:\n  build:\n    vars: [missing.yaml]\n    cmd: x\n' })
    expect((await loadError()).message).toBe("failed to parse stage 'build' in 'dvc.yaml': 'missing.yaml' does not exist (line 2)")
  })

  it('stage vars are local to the stage and resolved relative to its wdir', async () => {
    await files({
      'sub/local.yaml': 'size: 3\n',
      'dvc.yaml': [
        'stages:',
        '  a:',
        '    wdir: sub',
        '    vars: [local.yaml, {extra: x}]',
        '    cmd: echo ${size} ${extra}',
        '  b:',
        '    cmd: echo ${size}',
      ].join('\n'),
    })
    const error = await loadError()
    expect(error.message).toBe("failed to parse 'stages.b.cmd' in 'dvc.yaml': Could not find 'size' (line 7)")
    await files({ 'dvc.yaml': 'stages:\n  a:\n    wdir: sub\n    vars: [local.yaml, {extra: x}]\n    cmd: echo ${size} ${extra}\n' })
    expect((await loadDvcYaml(root, 'dvc.yaml'))[0].cmd).toBe('echo 3 x')
  })
})

describe('loadDvcYaml: foreach / do', () => {
  it('names stages after list items (scalars), indexes (composite items) or map keys', async () => {
    await files({
      'params.yaml': 'models:\n  us: {size: 1}\n  eu: {size: 2}\n',
      'dvc.yaml': [
        'stages:',
        '  build:',
        '    foreach: [foo, bar, foo, 1, true]',
        '    do:',
        '      cmd: echo ${item}',
        '      outs:',
        '      - out/${item}',
        '  composite:',
        '    foreach:',
        '    - {name: a}',
        '    - {name: b}',
        '    do:',
        '      cmd: echo ${item.name}',
        '  regions:',
        '    foreach: ${models}',
        '    do:',
        '      cmd: deploy ${key} --size ${item.size}',
        '      meta: {size: "${item.size}"}',
      ].join('\n'),
    })
    const stages = await loadDvcYaml(root, 'dvc.yaml')
    expect(stages.map((s) => s.name)).toEqual([
      'build@foo',
      'build@bar',
      'build@1',
      'build@true',
      'composite@0',
      'composite@1',
      'regions@us',
      'regions@eu',
    ])
    expect(stages[0]).toMatchObject({ cmd: 'echo foo', outs: [{ path: 'out/foo' }], line: 2, address: 'build@foo' })
    expect(stages[3].cmd).toBe('echo true')
    expect(stages[5].cmd).toBe('echo b')
    expect(stages[6].cmd).toBe('deploy us --size 1')
    expect(stages[7].meta).toEqual({ size: 2 })
    expect(stages[7].line).toBe(14)
  })

  it('rejects a non-iterable foreach and reserved keys in stage vars; warns about shadowing', async () => {
    await files({ 'params.yaml': 'name: x\nitem: 1\n', 'dvc.yaml': 'stages:\n  build:\n    foreach: ${name}\n    do:\n      cmd: echo\n' })
    expect((await loadError()).message).toBe(
      "failed to resolve 'stages.build.foreach' in 'dvc.yaml': expected list/dictionary, got str (line 3)",
    )
    await files({ 'dvc.yaml': 'stages:\n  build:\n    foreach: [a]\n    do:\n      vars: [{item: 2}]\n      cmd: echo ${item}\n' })
    expect((await loadError()).message).toBe(
      "failed to parse stage 'build@a' in 'dvc.yaml': attempted to modify reserved key item (line 2)",
    )
    await files({ 'dvc.yaml': 'stages:\n  build:\n    foreach: [a]\n    do:\n      cmd: echo ${item}\n' })
    const file = await loadDvcFile(root, 'dvc.yaml')
    expect(file.stages[0].cmd).toBe('echo a')
    expect(file.warnings).toEqual(["item is already specified, will be overwritten for stages generated from 'build'"])
  })

  it('stage vars of a generated stage do not leak into its siblings', async () => {
    await files({
      'params.yaml': 'cfg: {a: 1}\n',
      'dvc.yaml': 'stages:\n  g:\n    foreach: [x, y]\n    do:\n      vars: [{cfg: {b: 2}}]\n      cmd: echo ${cfg.a}${cfg.b}${item}\n',
    })
    expect((await loadDvcYaml(root, 'dvc.yaml')).map((s) => s.cmd)).toEqual(['echo 12x', 'echo 12y'])
  })

  it('reports undefined variables in generated stages under their generated name', async () => {
    await files({ 'dvc.yaml': 'stages:\n  build:\n    foreach: [a]\n    do:\n      cmd: echo ${item.nope}\n' })
    expect((await loadError()).message).toBe("failed to parse 'stages.build@a.cmd' in 'dvc.yaml': Could not find 'item.nope' (line 5)")
  })
})
