/** Sweeps through the CLI: grid, seeded random, --dry, --queue, a 2x3 grid run with -j 2, exp show --sweep, bad input. */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => {
  repos.splice(0).forEach((r) => r.remove())
})

/** train: acc = lr * epochs (read from params.yaml), written to metrics.json. */
const TRAIN =
  "const fs=require('fs');const t=fs.readFileSync('params.yaml','utf8');" +
  "const lr=Number(/lr: *([0-9.e-]+)/.exec(t)[1]);const ep=Number(/epochs: *([0-9]+)/.exec(t)[1]);" +
  "fs.writeFileSync('metrics.json',JSON.stringify({acc:Math.round(lr*ep*1000)/1000}))\n"

function project(): Repo {
  const r = makeRepo({
    'dvc.yaml': 'stages:\n  train:\n    cmd: node train.cjs\n    deps: [train.cjs]\n    params: [train]\n    metrics:\n    - metrics.json:\n        cache: false\n',
    'params.yaml': '# settings\ntrain:\n  lr: 0.1  # the rate\n  epochs: 3\n  opt: adam\n',
    'train.cjs': TRAIN,
    'metrics.json': '{"acc": 0.3}',
  })
  repos.push(r)
  return r
}

interface Entry {
  id: string
  name?: string
  state: string
  sweep?: string
  request?: { setParams: string[] }
}
const status = async (r: Repo) => JSON.parse((await r.run(['queue', 'status', '--json'])).stdout) as Entry[]
const expRefs = (r: Repo) =>
  r
    .git('for-each-ref', '--format=%(refname)', 'refs/exps')
    .split('\n')
    .filter((l) => l && !l.includes('/exec/') && l !== 'refs/exps/stash')
const sweepId = (stdout: string) => /Sweep ([0-9a-f]{8})/.exec(stdout)![1]

describe('exp run with a sweep', () => {
  it('--dry prints the grid in order and touches nothing', async () => {
    const r = project()
    const before = r.git('status', '--porcelain')
    const res = await r.run(['exp', 'run', '--dry', '-n', 'g', '-S', 'train.lr=0.1,0.2', '-S', 'train.epochs=range(1,4)', '-S', 'train.opt=sgd'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toBe(
      [
        '#    Name    train.lr    train.epochs',
        '1    g-1     0.1         1',
        '2    g-2     0.1         2',
        '3    g-3     0.1         3',
        '4    g-4     0.2         1',
        '5    g-5     0.2         2',
        '6    g-6     0.2         3',
        '',
        '6 experiment(s); nothing was queued or run (--dry).',
        '',
      ].join('\n'),
    )
    expect(r.git('status', '--porcelain')).toBe(before)
    expect(await status(r)).toEqual([])
  })

  it('--queue queues one entry per combination, named NAME-1..k, with the sweep id and concrete -S', async () => {
    const r = project()
    const res = await r.run(['exp', 'run', '--queue', '-n', 'grid', '-S', 'train.lr=choice(0.1,0.2)', '-S', 'train.opt=adam,sgd'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain("Queueing with overrides 'train.lr=0.1 train.opt=adam'.\nQueued experiment 'grid-1' for future execution.")
    const entries = await status(r)
    expect(entries.map((e) => [e.name, e.state, e.request?.setParams])).toEqual([
      ['grid-1', 'queued', ['train.lr=0.1', 'train.opt=adam']],
      ['grid-2', 'queued', ['train.lr=0.1', 'train.opt=sgd']],
      ['grid-3', 'queued', ['train.lr=0.2', 'train.opt=adam']],
      ['grid-4', 'queued', ['train.lr=0.2', 'train.opt=sgd']],
    ])
    expect(new Set(entries.map((e) => e.sweep))).toEqual(new Set([sweepId(res.stdout)]))
    // the entries' params (read from their commits) keep the file's comments
    expect(r.git('show', `${entries[3].id}:params.yaml`)).toBe('# settings\ntrain:\n  lr: 0.2  # the rate\n  epochs: 3\n  opt: sgd')
    expect(r.read('params.yaml')).toContain('lr: 0.1')
    // exp show lists them as queued, --sweep filters to them
    const show = await r.run(['exp', 'show', '--no-timestamp', '--sweep', sweepId(res.stdout).slice(0, 4)])
    expect(show.stdout.match(/Queued/g)).toHaveLength(4)
    await r.run(['exp', 'run', '--queue', '-S', 'train.lr=0.7'])
    expect((await r.run(['exp', 'show', '--no-timestamp'])).stdout.match(/Queued/g)).toHaveLength(5)
    expect((await r.run(['exp', 'show', '--no-timestamp', '--sweep', sweepId(res.stdout)])).stdout.match(/Queued/g)).toHaveLength(4)
  })

  it('a 2x3 grid runs with -j 2: six experiments with the right params, a sorted summary, the workspace untouched', async () => {
    const r = project()
    const before = r.read('params.yaml')
    const res = await r.run(['exp', 'run', '-j', '2', '-S', 'train.lr=0.1,0.2', '-S', 'train.epochs=range(4,7)', '--sort-by', 'acc', '--sort-order', 'desc'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(r.read('params.yaml')).toBe(before)
    expect(expRefs(r)).toHaveLength(6)
    const id = sweepId(res.stdout)
    // the summary: swept params and metrics, best first (acc = lr * epochs)
    const summary = res.stdout.slice(res.stdout.indexOf(`Sweep ${id}:\n`))
    const accs = [...summary.matchAll(/^[├└]── \S+ \[(exp-[0-9a-f]{5})\]\s+(\S+)\s+(\S+)\s+(\S+)\s*$/gm)].map((m) => [Number(m[2]), m[3], m[4]])
    expect(accs).toEqual([
      [1.2, '0.2', '6'],
      [1, '0.2', '5'],
      [0.8, '0.2', '4'],
      [0.6, '0.1', '6'],
      [0.5, '0.1', '5'],
      [0.4, '0.1', '4'],
    ])
    expect(summary).toMatch(/Experiment\s+acc\s+train\.lr\s+train\.epochs\n/)
    // exp show --json: the six experiments with their params
    const json = JSON.parse((await r.run(['exp', 'show', '--json', '--sweep', id])).stdout) as Record<string, Record<string, { data: { params: Record<string, { data: { train: { lr: number; epochs: number } } }> } }>>
    const baseline = r.git('rev-parse', 'HEAD')
    const rows = Object.entries(json[baseline]).filter(([rev]) => rev !== 'baseline')
    expect(rows.map(([, e]) => [e.data.params['params.yaml'].data.train.lr, e.data.params['params.yaml'].data.train.epochs]).sort()).toEqual([
      [0.1, 4],
      [0.1, 5],
      [0.1, 6],
      [0.2, 4],
      [0.2, 5],
      [0.2, 6],
    ])
    expect((await status(r)).every((e) => e.state === 'success' && e.sweep === id)).toBe(true)
  })

  it('--sweep random: the same seed queues the same experiments, another seed others', async () => {
    const r = project()
    const args = ['exp', 'run', '--dry', '--sweep', 'random', '--samples', '5', '-S', 'train.lr=loguniform(1e-4,1e-1)', '-S', 'train.epochs=randint(1,100)', '-S', 'train.opt=adam,sgd']
    const a = await r.run([...args, '--seed', '7'])
    const b = await r.run([...args, '--seed', '7'])
    const c = await r.run([...args, '--seed', '8'])
    expect(a.code).toBe(0)
    expect(a.stdout).toContain('seed 7')
    expect(a.stdout.split('\n').filter((l) => /^\d+ {2,}/.test(l))).toHaveLength(5)
    expect(b.stdout).toBe(a.stdout)
    expect(c.stdout).not.toBe(a.stdout)
    // queued for real: the entries carry the drawn values
    const q = await r.run(['exp', 'run', '--queue', '--sweep', 'random', '--samples', '3', '--seed', '7', '-S', 'train.lr=interval(0,1)'])
    expect(q.code).toBe(0)
    const lrs = (await status(r)).map((e) => e.request!.setParams[0])
    expect(lrs).toHaveLength(3)
    const again = await r.run(['exp', 'run', '--dry', '--sweep', 'random', '--samples', '3', '--seed', '7', '-S', 'train.lr=interval(0,1)'])
    expect(again.stdout.split('\n').filter((l) => /^\d+ {2,}/.test(l)).map((l) => `train.lr=${l.trim().split(/\s+/)[1]}`)).toEqual(lrs)
  })

  it('a failing combination stays queued with its log, the others are made, the summary shows it, exit 255', async () => {
    const r = project()
    r.write('train.cjs', `if(/lr: 0.5/.test(require('fs').readFileSync('params.yaml','utf8'))){console.error('boom');process.exit(3)}\n${TRAIN}`).commitAll('fail on 0.5')
    const res = await r.run(['exp', 'run', '-S', 'train.lr=0.2,0.5,0.3'])
    expect(res.code).toBe(255)
    expect(res.stderr).toContain('ERROR: 1 of 3 queued experiment(s) failed')
    expect(expRefs(r)).toHaveLength(2)
    expect(res.stdout).toMatch(/Failed\s+-\s+0\.5/)
    expect((await status(r)).map((e) => e.state)).toEqual(['failed', 'success', 'success'])
  })

  it('checkpoint stages follow the --queue rules: every entry starts over', async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  train:\n    cmd: node train.cjs\n    params: [lr]\n    outs:\n    - model.txt:\n        checkpoint: true\n',
      'params.yaml': 'lr: 0.1\n',
      'train.cjs': "require('fs').writeFileSync('model.txt','m')\n",
    })
    repos.push(r)
    const res = await r.run(['exp', 'run', '--queue', '-S', 'lr=0.2,0.3'])
    expect(res.code).toBe(0)
    const entries = (await status(r)) as Array<Entry & { request?: { reset?: boolean } }>
    expect(entries.map((e) => e.request?.reset)).toEqual([true, true])
    const rev = await r.run(['exp', 'run', '--queue', '--rev', 'HEAD', '-S', 'lr=0.2,0.3'])
    expect(rev.stderr).toContain('--rev continues one checkpoint: it does not combine with a sweep')
  })

  it('keeps DVC 2.x -S a=1,b=2 as two assignments', async () => {
    const r = project()
    const res = await r.run(['exp', 'run', '-S', 'train.lr=0.3,train.epochs=5'])
    expect(res.code).toBe(0)
    expect(r.read('params.yaml')).toBe('# settings\ntrain:\n  lr: 0.3  # the rate\n  epochs: 5\n  opt: adam\n')
    expect(JSON.parse(r.read('metrics.json'))).toEqual({ acc: 1.5 })
  })

  it('+key adds and ~key deletes in an experiment', async () => {
    const r = project()
    const res = await r.run(['exp', 'run', '-S', '+train.momentum=0.9', '-S', '~train.opt'])
    expect(res.code).toBe(0)
    expect(r.read('params.yaml')).toBe('# settings\ntrain:\n  lr: 0.1  # the rate\n  epochs: 3\n  momentum: 0.9\n')
  })
})

describe('bad sweeps: one ERROR naming the -S and the position, nothing queued', () => {
  it.each([
    [['-S', 'train.lr=choice(0.1,'], "ERROR: Invalid -S 'train.lr=choice(0.1,' at position 21: expected a value"],
    [['-S', 'train.lr=range(0,1,0)'], "ERROR: Invalid -S 'train.lr=range(0,1,0)' at position 20: range() step must not be 0"],
    [['-S', 'train.lr=range(1,1)'], "ERROR: Invalid -S 'train.lr=range(1,1)' at position 10: range(1, 1, 1) is empty"],
    [['-S', 'train.lr=uniform(0,1)'], "ERROR: Invalid -S 'train.lr=uniform(0,1)' at position 10: unknown function 'uniform'"],
    [['-S', '+train.lr=0.1,0.2'], "ERROR: Invalid -S '+train.lr=0.1,0.2' at position 1: 'train.lr' already exists in 'params.yaml': +key adds new keys only"],
    [['-S', 'train.nope=1,2'], "ERROR: Invalid -S 'train.nope=1,2' at position 1: cannot sweep 'train.nope': it is not a parameter in 'params.yaml'"],
    [['-S', 'train.lr=1,2', '-S', 'nope=3'], "ERROR: Invalid -S 'nope=3' at position 1: no parameter 'nope' in 'params.yaml'"],
    [['-S', 'dvc.yaml:stages.train.cmd=a,b'], "ERROR: Invalid -S 'dvc.yaml:stages.train.cmd=a,b' at position 1: 'dvc.yaml' is not a params file: only params can be swept"],
    [['-S', 'train.lr=interval(0,1)'], "ERROR: Invalid -S 'train.lr=interval(0,1)' at position 10: interval() is for random search"],
    [['-S', '../p.yaml:a=1,2'], "ERROR: Invalid -S '../p.yaml:a=1,2' at position 1: params file '../p.yaml' is outside the repository"],
    [['-S', 'train.lr=range(0,1,0.001)'], 'ERROR: The sweep has 1000 combinations, more than --max-runs 100'],
    [['--sweep', 'random', '-S', 'train.lr=interval(0,1)'], 'ERROR: --sweep random needs --samples N'],
    [['--samples', '3', '-S', 'train.lr=1,2'], 'ERROR: --samples and --seed are for random search'],
  ])('%j', async (args, message) => {
    const r = project()
    const res = await r.run(['exp', 'run', '--queue', ...args])
    expect(res.code).not.toBe(0)
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('ERROR:'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(message)
    expect(res.stderr).toContain('hint:')
    expect(await status(r)).toEqual([])
  })

  it('--temp does not take a sweep', async () => {
    const r = project()
    const res = await r.run(['exp', 'run', '--temp', '-S', 'train.lr=1,2'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('ERROR: --temp runs one experiment: a sweep is queued')
    expect(await status(r)).toEqual([])
  })

  it('a combination a file cannot hold stops the sweep before anything is queued', async () => {
    const r = project()
    r.write('p.toml', 'x = 1\n').commitAll('toml')
    const res = await r.run(['exp', 'run', '--queue', '-S', 'p.toml:x=1,null'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('ERROR: Sweep combination 2 (p.toml:x=null): TOML has no null')
    expect(await status(r)).toEqual([])
  })
})
