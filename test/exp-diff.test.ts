import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'
import { writeDvcExperiment } from './support/dvc-experiment.js'
import { addExperiment, commitAt, makeExpProject, metricsJson, paramsYaml, runUtc } from './support/exp-project.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const lines = (...rows: string[]) => rows.join('\n') + '\n'

const BASE = { acc: 0.9544670443829399, loss: 0.25 }
const EXP1 = { lr: 0.01, epochs: 10, acc: 0.96123456, loss: 0.2 }
const EXP2 = { lr: 0.1, epochs: 20, acc: 0.9, loss: 0.3, model: 'rnn' }

function standard() {
  const { repo, baseline } = makeExpProject()
  repos.push(repo)
  const exp1 = addExperiment(repo, EXP1, { name: 'exp-1', date: '2021-08-03T09:00:00+00:00' })
  const exp2 = addExperiment(repo, EXP2, { name: 'exp-2', date: '2021-08-05T14:30:00+00:00' })
  return { repo, baseline, exp1, exp2 }
}

describe('trellis exp diff', () => {
  it('compares the baseline with an experiment DVC wrote: tables and JSON', async () => {
    const { repo } = standard()
    const table = await runUtc(repo, ['exp', 'diff', 'HEAD', 'exp-1'])
    expect(table.stderr).toBe('')
    expect(table.stdout).toBe(
      lines(
        'Path          Metric    HEAD     exp-1    Change',
        'metrics.json  acc       0.95447  0.96123  0.0067675',
        'metrics.json  loss      0.25     0.2      -0.05',
        '',
        'Path         Param    HEAD    exp-1    Change',
        // params are never rounded (DVC passes no precision for them)
        'params.yaml  lr       0.001   0.01     0.009000000000000001',
      ),
    )
    const json = JSON.parse((await runUtc(repo, ['exp', 'diff', 'HEAD', 'exp-1', '--json'])).stdout)
    expect(json).toEqual({
      metrics: {
        'metrics.json': {
          acc: { old: BASE.acc, new: EXP1.acc, diff: EXP1.acc - BASE.acc },
          loss: { old: 0.25, new: 0.2, diff: 0.2 - 0.25 },
        },
      },
      params: { 'params.yaml': { lr: { old: 0.001, new: 0.01, diff: 0.01 - 0.001 } } },
    })
    expect(Object.keys(json)).toEqual(['metrics', 'params'])
  })

  it('compares two experiments by name, ref or sha; non-numbers say "diff not supported"', async () => {
    const { repo, exp1, exp2 } = standard()
    const byName = await runUtc(repo, ['exp', 'diff', 'exp-1', 'exp-2', '--no-path'])
    expect(byName.stdout).toBe(
      lines(
        'Metric    exp-1    exp-2    Change',
        'acc       0.96123  0.9      -0.061235',
        'loss      0.2      0.3      0.1',
        '',
        'Param       exp-1    exp-2    Change',
        'epochs      10       20       10',
        'lr          0.01     0.1      0.09000000000000001',
        'model.name  cnn      rnn      diff not supported',
      ),
    )
    const byRef = await runUtc(repo, ['exp', 'diff', exp1.ref, exp2.sha, '--no-path'])
    const words = (text: string) => text.split('\n').map((row) => row.split(/ {2,}/))
    expect(words(byRef.stdout)[0]).toEqual(['Metric', exp1.ref, exp2.sha, 'Change'])
    expect(words(byRef.stdout).filter((row) => !row.includes(exp1.ref))).toEqual(words(byName.stdout).filter((row) => !row.includes('exp-1')))
    const short = await runUtc(repo, ['exp', 'diff', exp1.sha.slice(0, 8), 'exp-2', '--json'])
    expect(JSON.parse(short.stdout)).toEqual(JSON.parse((await runUtc(repo, ['exp', 'diff', 'exp-1', 'exp-2', '--json'])).stdout))
  })

  it('defaults to HEAD vs the workspace; compares an experiment with the workspace; --all, --md, --param-deps', async () => {
    const { repo } = standard()
    expect((await runUtc(repo, ['exp', 'diff', '--json'])).stdout).toBe('{"metrics": {}, "params": {}}\n')
    expect((await runUtc(repo, ['exp', 'diff'])).stdout).toBe('\n')
    repo.write('params.yaml', paramsYaml(0.005, 10, 'vit')).write('metrics.json', metricsJson(0.97, 0.25))
    const changed = await runUtc(repo, ['exp', 'diff'])
    expect(changed.stdout).toBe(
      lines(
        'Path          Metric    HEAD     workspace    Change',
        'metrics.json  acc       0.95447  0.97         0.015533',
        '',
        'Path         Param       HEAD    workspace    Change',
        'params.yaml  lr          0.001   0.005        0.004',
        'params.yaml  model.name  cnn     vit          diff not supported',
      ),
    )
    const deps = await runUtc(repo, ['exp', 'diff', '--param-deps', '--json'])
    expect(JSON.parse(deps.stdout).params).toEqual({ 'params.yaml': { lr: { old: 0.001, new: 0.005, diff: 0.004 } } })
    const vsExp = JSON.parse((await runUtc(repo, ['exp', 'diff', 'exp-1', '--json'])).stdout)
    expect(vsExp.params['params.yaml'].lr).toEqual({ old: 0.01, new: 0.005, diff: 0.005 - 0.01 })
    expect(vsExp.metrics['metrics.json'].loss).toEqual({ old: 0.2, new: 0.25, diff: 0.25 - 0.2 })
    const all = await runUtc(repo, ['exp', 'diff', 'exp-1', 'workspace', '--all', '--md'])
    expect(all.stdout).toBe(
      lines(
        '| Path         | Metric   | exp-1   | workspace   | Change    |',
        '|--------------|----------|---------|-------------|-----------|',
        '| metrics.json | acc      | 0.96123 | 0.97        | 0.0087654 |',
        '| metrics.json | loss     | 0.2     | 0.25        | 0.05      |',
        '',
        '',
        '| Path        | Param      | exp-1   | workspace   | Change             |',
        '|-------------|------------|---------|-------------|--------------------|',
        '| params.yaml | epochs     | 10      | 10          | 0                  |',
        '| params.yaml | lr         | 0.01    | 0.005       | -0.005             |',
        '| params.yaml | model.name | cnn     | vit         | diff not supported |',
        '',
      ),
    )
  })

  it('fails with one clear ERROR line for an unknown revision, and compares nothing without commits', async () => {
    const { repo } = standard()
    for (const args of [['exp', 'diff', 'nope'], ['exp', 'diff', 'HEAD', 'exp-9'], ['metrics', 'diff', 'nope'], ['params', 'diff', 'HEAD~5']]) {
      const res = await runUtc(repo, args)
      expect(res.code).toBe(1)
      expect(res.stdout).toBe('')
      const [first, ...rest] = res.stderr.trimEnd().split('\n')
      expect(first).toBe(`ERROR: '${args[args.length - 1]}' is not an experiment name, ref or git revision`)
      expect(rest).toHaveLength(1)
      expect(rest[0]).toMatch(/^ {2}hint: /)
    }
    const empty = makeRepo({ 'dvc.yaml': 'stages: {}\n', 'params.yaml': 'lr: 1\n' }, { commit: false })
    repos.push(empty)
    for (const cmd of [['exp', 'diff'], ['metrics', 'diff'], ['params', 'diff']]) {
      const json = await runUtc(empty, [...cmd, '--json'])
      expect(json.code).toBe(0)
      expect(json.stdout).toBe('{}\n')
      expect((await runUtc(empty, cmd)).stdout).toBe('')
    }
  })
})

describe('trellis metrics diff', () => {
  it("prints DVC's own test vector exactly (HEAD~2 vs the workspace)", async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  m:\n    cmd: echo\n    metrics:\n    - m.yaml:\n        cache: false\n',
      'm.yaml': 'foo: 1.23456789\n',
    })
    repos.push(r)
    r.write('m.yaml', 'foo: 2\n').commitAll('two')
    r.write('m.yaml', 'foo: 3\n').commitAll('three')
    r.write('m.yaml', 'foo: 3.45678910111213\n')
    const res = await r.run(['metrics', 'diff', 'HEAD~2'])
    expect(res.stdout).toBe('Path    Metric    HEAD~2    workspace    Change\nm.yaml  foo       1.23457   3.45679      2.22222\n')
  })

  it('defaults to HEAD vs the workspace, takes HEAD~1, experiments, --all/--precision/--no-path/--md, paths from the cwd', async () => {
    const { repo, baseline } = makeExpProject()
    repos.push(repo)
    repo.write('metrics.json', metricsJson(0.97, 0.125))
    const second = commitAt(repo, 'better', '2021-08-06T10:00:00+00:00')
    addExperiment(repo, { lr: 0.2, epochs: 3, acc: 0.5, loss: 0.125 }, { name: 'worse', date: '2021-08-07T10:00:00+00:00' })
    expect((await runUtc(repo, ['metrics', 'diff'])).stdout).toBe('')
    expect((await runUtc(repo, ['metrics', 'diff', '--json'])).stdout).toBe('{}\n')
    const prev = await runUtc(repo, ['metrics', 'diff', 'HEAD~1'])
    expect(prev.stdout).toBe(
      lines(
        'Path          Metric    HEAD~1    workspace    Change',
        'metrics.json  acc       0.95447   0.97         0.01553',
        'metrics.json  loss      0.25      0.125        -0.125',
      ),
    )
    expect((await runUtc(repo, ['metrics', 'diff', baseline, second, '--precision', '2', '--no-path'])).stdout).toBe(
      lines(
        `Metric    ${baseline}    ${second}    Change`,
        `acc       0.95${' '.repeat(40)}0.97${' '.repeat(40)}0.02`,
        `loss      0.25${' '.repeat(40)}0.12${' '.repeat(40)}-0.12`, // round(0.125, 2) = 0.12, as Python
      ),
    )
    const vsExp = JSON.parse((await runUtc(repo, ['metrics', 'diff', 'HEAD', 'worse', '--all', '--json'])).stdout)
    expect(vsExp).toEqual({ 'metrics.json': { acc: { old: 0.97, new: 0.5, diff: 0.5 - 0.97 }, loss: { old: 0.125, new: 0.125, diff: 0 } } })
    repo.write('sub/x.txt', 'x')
    const md = await runUtc(repo, ['metrics', 'diff', 'HEAD~1', '--md'], 'sub')
    expect(md.stdout.split('\n')[2]).toBe('| ../metrics.json | acc      | 0.95447  | 0.97        | 0.01553  |')
    // a metrics file that no longer parses counts as missing on that side
    repo.write('metrics.json', '{"acc": ')
    expect(JSON.parse((await runUtc(repo, ['metrics', 'diff', '--json'])).stdout)).toEqual({
      'metrics.json': { acc: { old: 0.97, new: null }, loss: { old: 0.125, new: null } },
    })
  })
})

describe('trellis params diff', () => {
  it('defaults to HEAD vs the workspace (every key of params files), takes HEAD~1 and experiments; --deps keeps dependency keys', async () => {
    const { repo } = makeExpProject()
    repos.push(repo)
    repo.write('params.yaml', paramsYaml(0.002, 10, 'resnet'))
    commitAt(repo, 'resnet', '2021-08-06T10:00:00+00:00')
    writeDvcExperiment(repo.dir, { files: { 'params.yaml': paramsYaml(0.002, 30, 'resnet') }, name: 'longer', date: '2021-08-07T10:00:00+00:00' })
    expect((await runUtc(repo, ['params', 'diff'])).stdout).toBe('')
    repo.write('params.yaml', paramsYaml(0.003, 10, 'resnet') + 'extra: [1, 2]\n')
    const ws = await runUtc(repo, ['params', 'diff'])
    expect(ws.stdout).toBe(lines('Path         Param    HEAD    workspace', 'params.yaml  extra    -       [1, 2]', 'params.yaml  lr       0.002   0.003'))
    const prev = await runUtc(repo, ['params', 'diff', 'HEAD~1', '--no-path'])
    expect(prev.stdout).toBe(
      lines('Param       HEAD~1    workspace', 'extra       -         [1, 2]', 'lr          0.001     0.003', 'model.name  cnn       resnet'),
    )
    const deps = await runUtc(repo, ['params', 'diff', 'HEAD~1', '--deps', '--json'])
    expect(JSON.parse(deps.stdout)).toEqual({ 'params.yaml': { lr: { old: 0.001, new: 0.003, diff: 0.003 - 0.001 } } })
    const exp = await runUtc(repo, ['params', 'diff', 'HEAD', 'longer', '--all', '--md'])
    expect(exp.stdout).toBe(
      lines(
        '| Path        | Param      | HEAD   | longer   |',
        '|-------------|------------|--------|----------|',
        '| params.yaml | epochs     | 10     | 30       |',
        '| params.yaml | lr         | 0.002  | 0.002    |',
        '| params.yaml | model.name | resnet | resnet   |',
        '',
      ),
    )
  })
})
