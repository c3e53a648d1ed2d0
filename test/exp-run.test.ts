/** `trellis exp run`: experiments as commits under refs/exps, never on a branch. */
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const TRAIN = "const fs=require('fs');const lr=Number(/lr: *([0-9.e-]+)/.exec(fs.readFileSync('params.yaml','utf8'))[1]);" +
  "fs.writeFileSync('model.txt','model '+lr+'\\n');fs.writeFileSync('metrics.json',JSON.stringify({loss:1-lr}));" +
  "fs.writeFileSync('env.txt',[process.env.DVC_ROOT,process.env.DVC_EXP_BASELINE_REV,process.env.DVC_EXP_NAME].join('|'))\n"

function project(): Repo {
  const r = makeRepo({
    'dvc.yaml': 'stages:\n  train:\n    cmd: node train.cjs\n    deps: [train.cjs]\n    params: [train.lr]\n    outs: [model.txt]\n    metrics:\n    - metrics.json:\n        cache: false\n',
    'params.yaml': '# learning settings\ntrain:\n  lr: 0.1  # the rate\n  epochs: 3\n',
    'train.cjs': TRAIN,
    '.gitignore': 'env.txt\n',
  })
  repos.push(r)
  return r
}

/** Experiment refs (not refs/exps/exec/*) with their shas. */
const refsOf = (r: Repo) =>
  r.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/exps').split('\n').filter((l) => l && !l.includes('/exec/'))

describe('trellis exp run', () => {
  it('stores the run as a commit under refs/exps/<baseline>/<name> and leaves the results in the workspace', async () => {
    const r = project()
    const baseline = r.git('rev-parse', 'HEAD')
    const branchBefore = r.git('symbolic-ref', 'HEAD')
    const indexBefore = createHash('md5').update(r.git('ls-files', '-s')).digest('hex')
    const res = await r.run(['exp', 'run', '-S', 'train.lr=0.3'])
    expect(res.code, res.stderr).toBe(0)
    const refs = refsOf(r)
    expect(refs).toHaveLength(1)
    const expRef = refs[0].split(' ')[0]
    const name = expRef.split('/').pop()!
    expect(expRef).toBe(`refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`)
    expect(name).toMatch(/^exp-[0-9a-f]{5}$/)
    expect(res.stdout).toContain(`Reproduced experiment(s): ${name}`)
    // HEAD, branch and index untouched; results and the edited params stay in the workspace
    expect(r.git('rev-parse', 'HEAD')).toBe(baseline)
    expect(r.git('symbolic-ref', 'HEAD')).toBe(branchBefore)
    expect(createHash('md5').update(r.git('ls-files', '-s')).digest('hex')).toBe(indexBefore)
    expect(r.read('params.yaml')).toBe('# learning settings\ntrain:\n  lr: 0.3  # the rate\n  epochs: 3\n')
    expect(r.read('model.txt')).toBe('model 0.3\n')
    // the commit: parent = baseline, DVC's message, tree = baseline + params, lock, metrics, .gitignore
    const commit = r.git('rev-parse', expRef)
    expect(r.git('rev-parse', `${commit}^`)).toBe(baseline)
    const message = r.git('log', '-1', '--format=%B', commit)
    expect(message).toMatch(/^dvc: commit experiment [0-9a-f]{64}$/)
    expect(name).toBe(`exp-${message.slice(-64, -59)}`)
    const files = r.git('ls-tree', '-r', '--name-only', commit).split('\n')
    expect(files).toEqual(expect.arrayContaining(['dvc.lock', 'metrics.json', 'params.yaml', '.gitignore', 'dvc.yaml']))
    expect(files).not.toContain('model.txt')
    expect(r.git('show', `${commit}:params.yaml`)).toContain('lr: 0.3')
    expect(r.git('show', `${commit}:dvc.lock`)).toContain('train.lr: 0.3')
    expect(r.git('show', `${commit}:metrics.json`)).toBe('{"loss":0.7}')
    // the stage saw the experiment environment
    expect(r.read('env.txt')).toBe(`${r.dir}|${baseline}|`)
    expect(r.git('stash', 'list')).toBe('')
  })

  it('same results reuse the experiment; nothing changed makes no experiment', async () => {
    const r = project()
    await r.run(['exp', 'run', '-S', 'train.lr=0.3'])
    await r.run(['exp', 'run', '-S', 'train.lr=0.2'])
    const first = refsOf(r)
    expect(first).toHaveLength(2)
    const again = await r.run(['exp', 'run', '-S', 'train.lr=0.3'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("Stage 'train' is cached - skipping run")
    expect(again.stdout).toContain('(identical to the existing experiment, reused)')
    expect(refsOf(r)).toEqual(first)
    // DVC's quirk, kept: a run that reproduces nothing over a changed workspace hashes {} → exp-44136
    const quirk = await r.run(['exp', 'run'])
    expect(quirk.stdout).toContain('Reproduced experiment(s): exp-44136')
    // back to the committed state: nothing to store
    r.git('checkout', '-q', '--', 'params.yaml')
    await r.run(['repro'])
    r.git('add', '-A')
    r.git('commit', '-qm', 'results')
    const none = await r.run(['exp', 'run'])
    expect(none.code).toBe(0)
    expect(none.stdout).toContain('Nothing changed: no experiment was created')
  })

  it('-n names are validated and checked for conflicts before anything runs; -f replaces', async () => {
    const r = project()
    for (const bad of ['fo^o', 'group/name', 'na me', 'x..y', 'a.lock']) {
      const res = await r.run(['exp', 'run', '-n', bad, '-S', 'train.lr=0.2'])
      expect(res.code).not.toBe(0)
      expect(res.stderr).toMatch(new RegExp(`^ERROR: Invalid exp name '${bad.replace(/[.^]/g, '\\$&')}'`))
      expect(r.exists('model.txt')).toBe(false)
      expect(r.read('params.yaml')).toContain('lr: 0.1')
    }
    expect((await r.run(['exp', 'run', '-n', 'good', '-S', 'train.lr=0.2'])).code).toBe(0)
    r.git('checkout', '-q', '--', 'params.yaml')
    ;(await import('node:fs')).rmSync(r.path('model.txt'))
    const clash = await r.run(['exp', 'run', '-n', 'good', '-S', 'train.lr=0.4'])
    expect(clash.code).not.toBe(0)
    expect(clash.stderr).toContain("ERROR: Experiment conflicts with existing experiment 'good'")
    expect(r.exists('model.txt')).toBe(false) // nothing ran
    expect(r.read('params.yaml')).toContain('lr: 0.1') // nothing was edited
    const forced = await r.run(['exp', 'run', '-f', '-n', 'good', '-S', 'train.lr=0.4'])
    expect(forced.code, forced.stderr).toBe(0)
    const baseline = r.git('rev-parse', 'HEAD')
    expect(r.git('show', `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/good:params.yaml`)).toContain('lr: 0.4')
  })

  it('a missing -S key fails before anything runs, naming the keys', async () => {
    const r = project()
    const res = await r.run(['exp', 'run', '-S', 'train.nope=1', '-S', 'other=2'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/ERROR: 2 parameters are missing from 'params\.yaml': (train\.nope, other|other, train\.nope)/)
    expect(r.exists('model.txt')).toBe(false)
    expect(r.read('params.yaml')).toContain('lr: 0.1')
    expect(refsOf(r)).toEqual([])
  })

  it('a failing stage leaves no experiment ref', async () => {
    const r = project()
    r.write('train.cjs', 'process.exit(4)\n')
    r.commitAll('broken')
    const res = await r.run(['exp', 'run', '-S', 'train.lr=0.5'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("ERROR: failed to reproduce 'train'")
    expect(refsOf(r)).toEqual([])
    expect(r.read('params.yaml')).toContain('lr: 0.5') // the workspace stays as the run left it
  })
})
