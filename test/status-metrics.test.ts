import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const FIXTURE_METRICS = readFileSync(new URL('./fixtures/example-get-started/eval/live/metrics.json', import.meta.url), 'utf8')

describe('trellis init', () => {
  it('creates .dvc like dvc init and refuses to run twice', async () => {
    const r = makeRepo({}, { init: false, commit: false })
    repos.push(r)
    const res = await r.run(['init'])
    expect(res.code).toBe(0)
    expect(r.read('.dvc/.gitignore')).toBe('/config.local\n/tmp\n/cache\n')
    expect(r.exists('.dvc/config')).toBe(true)
    const again = await r.run(['init'])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toMatch(/ERROR: .*\.dvc' exists already\n {2}hint: .*--force/)
  })
})

describe('trellis status', () => {
  it('reports why stages changed, in text and JSON', async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  train:\n    cmd: cp data.txt model.txt\n    deps: [data.txt]\n    params: [lr]\n    outs: [model.txt]\n  always:\n    cmd: echo\n    always_changed: true\n',
      'params.yaml': 'lr: 0.1\n',
      'data.txt': 'v1',
    })
    repos.push(r)
    expect((await r.run(['repro'])).code).toBe(0)
    expect((await r.run(['status'])).stdout).toBe('always:\n\talways changed\n')
    r.write('data.txt', 'v2').write('params.yaml', 'lr: 0.2\n')
    ;(await import('node:fs')).rmSync(r.path('model.txt'))
    const text = await r.run(['status'])
    expect(text.stdout).toBe(
      'train:\n\tchanged deps:\n\t\tmodified:           data.txt\n\t\tparams.yaml:\n\t\t\tmodified:           lr\n\tchanged outs:\n\t\tdeleted:            model.txt\nalways:\n\talways changed\n',
    )
    const json = JSON.parse((await r.run(['status', '--json'])).stdout)
    expect(json).toEqual({
      train: [{ 'changed deps': { 'data.txt': 'modified', 'params.yaml': { lr: 'modified' } } }, { 'changed outs': { 'model.txt': 'deleted' } }],
      always: ['always changed'],
    })
    r.write('dvc.yaml', r.read('dvc.yaml').replace('cp data.txt', 'cp  data.txt'))
    expect((await r.run(['status', 'train', '--json'])).stdout).toContain('"changed command"')
  })

  it('without targets covers every stage of the project, .dvc files included, as dvc status does, named from the cwd', async () => {
    const r = makeRepo({ 'sub/dvc.yaml': 'stages:\n  copy:\n    cmd: cp ../data.txt copy.txt\n    deps: [../data.txt]\n    outs: [copy.txt]\n' })
    repos.push(r)
    r.write('data.txt', 'v1')
    expect((await r.run(['add', 'data.txt'])).code).toBe(0)
    expect((await r.run(['repro', 'sub/dvc.yaml'])).code).toBe(0)
    expect((await r.run(['status'])).stdout).toBe('Data and pipelines are up to date.\n')
    r.write('data.txt', 'v2')
    const json = JSON.parse((await r.run(['status', '--json'])).stdout)
    expect(json).toEqual({ 'data.txt.dvc': [{ 'changed outs': { 'data.txt': 'modified' } }], 'sub/dvc.yaml:copy': [{ 'changed deps': { 'data.txt': 'modified' } }] })
    // from sub/: addresses and paths relative to the cwd (DVC 2.58 and 3.x print the same)
    const fromSub = JSON.parse((await r.run(['status', '--json'], { cwd: 'sub' })).stdout)
    expect(fromSub).toEqual({ '../data.txt.dvc': [{ 'changed outs': { '../data.txt': 'modified' } }], copy: [{ 'changed deps': { '../data.txt': 'modified' } }] })
    expect(JSON.parse((await r.run(['status', 'data.txt.dvc', '--json'])).stdout)).toEqual({ 'data.txt.dvc': [{ 'changed outs': { 'data.txt': 'modified' } }] })
  })
})

describe('trellis metrics show', () => {
  it('prints DVC tables for the fixture metrics (plain, md, json)', async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  evaluate:\n    cmd: echo\n    metrics:\n    - eval/live/metrics.json:\n        cache: false\n',
      'eval/live/metrics.json': FIXTURE_METRICS,
    })
    repos.push(r)
    const plain = await r.run(['metrics', 'show'])
    expect(plain.stdout).toBe(
      'Path                    avg_prec.test    avg_prec.train    roc_auc.test    roc_auc.train\neval/live/metrics.json  0.925            0.97437           0.94602         0.98667\n',
    )
    const md = await r.run(['metrics', 'show', '--md'])
    expect(md.stdout).toBe(
      '| Path                   | avg_prec.test   | avg_prec.train   | roc_auc.test   | roc_auc.train   |\n|------------------------|-----------------|------------------|----------------|-----------------|\n| eval/live/metrics.json | 0.925           | 0.97437          | 0.94602        | 0.98667         |\n\n',
    )
    const json = JSON.parse((await r.run(['metrics', 'show', '--json'])).stdout)
    expect(json.workspace.data['eval/live/metrics.json'].data.roc_auc.test).toBe(0.9460213440787918)
    const sub = await r.run(['metrics', 'show', '--precision', '2'], { cwd: 'eval' })
    expect(sub.stdout).toContain('live/metrics.json  0.92')
  })
})
