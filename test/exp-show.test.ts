import { afterEach, describe, expect, it } from 'vitest'
import { readdirSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { makeRepo, type Repo } from './support/repo.js'
import { writeDvcCheckpoints, writeDvcExperiment } from './support/dvc-experiment.js'
import { addExperiment, commitAt, makeExpProject, metricsJson, paramsYaml, runUtc } from './support/exp-project.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const lines = (...rows: string[]) => rows.join('\n') + '\n'

/** Baseline + exp-1 (Aug 03) + exp-2 (Aug 05), the workspace with lr changed. */
function standard() {
  const { repo, baseline } = makeExpProject()
  repos.push(repo)
  const exp1 = addExperiment(repo, { lr: 0.01, epochs: 10, acc: 0.96123456, loss: 0.2 }, { name: 'exp-1', date: '2021-08-03T09:00:00+00:00' })
  const exp2 = addExperiment(repo, { lr: 0.1, epochs: 20, acc: 0.9, loss: 0.3 }, { name: 'exp-2', date: '2021-08-05T14:30:00+00:00' })
  repo.write('params.yaml', paramsYaml(0.005, 10))
  return { repo, baseline, exp1, exp2 }
}

describe('trellis exp show', () => {
  it('prints the workspace, the baseline and its experiments (newest first) as DVC does', async () => {
    const { repo, baseline, exp1, exp2 } = standard()
    const res = await runUtc(repo, ['exp', 'show'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toBe(
      lines(
        'Experiment           Created           acc    loss  lr     epochs    model.name',
        'workspace            -             0.95447    0.25  0.005  10        cnn',
        'main                 Aug 02, 2021  0.95447    0.25  0.001  10        cnn',
        `├── ${exp2.sha.slice(0, 7)} [exp-2]  Aug 05, 2021      0.9     0.3  0.1    20        cnn`,
        `└── ${exp1.sha.slice(0, 7)} [exp-1]  Aug 03, 2021  0.96123     0.2  0.01   10        cnn`,
      ),
    )
    expect(baseline).toMatch(/^[0-9a-f]{40}$/)
    // the experiments were read from git, not checked out: HEAD, index and files untouched
    expect(repo.git('status', '--porcelain')).toBe('M params.yaml')
    expect(repo.git('rev-parse', 'HEAD')).toBe(baseline)
  })

  it('--json prints DVC 2.x data model: workspace first, then baselines keyed by sha', async () => {
    const { repo, baseline, exp1, exp2 } = standard()
    const res = await runUtc(repo, ['exp', 'show', '--json'])
    expect(res.code).toBe(0)
    const data = JSON.parse(res.stdout)
    expect(Object.keys(data)).toEqual(['workspace', baseline])
    expect(Object.keys(data[baseline])).toEqual(['baseline', exp2.sha, exp1.sha])
    expect(data.workspace).toEqual({
      baseline: {
        data: {
          timestamp: null,
          params: { 'params.yaml': { data: { lr: 0.005, epochs: 10, model: { name: 'cnn' } } } },
          metrics: { 'metrics.json': { data: { acc: 0.9544670443829399, loss: 0.25 } } },
          queued: false,
          running: false,
          executor: null,
        },
      },
    })
    expect(data[baseline].baseline.data).toMatchObject({ timestamp: '2021-08-02T16:48:14', name: 'main' })
    expect(data[baseline][exp1.sha]).toEqual({
      data: {
        timestamp: '2021-08-03T09:00:00',
        params: { 'params.yaml': { data: { lr: 0.01, epochs: 10, model: { name: 'cnn' } } } },
        metrics: { 'metrics.json': { data: { acc: 0.96123456, loss: 0.2 } } },
        queued: false,
        running: false,
        executor: null,
        name: 'exp-1',
      },
    })
    // --sha: no names
    const shas = JSON.parse((await runUtc(repo, ['exp', 'show', '--json', '--sha'])).stdout)
    expect(shas[baseline].baseline.data.name).toBeUndefined()
    expect(shas[baseline][exp2.sha].data.name).toBeUndefined()
  })

  it('--csv keeps rev, typ and parent apart, ISO times and full precision (or --precision)', async () => {
    const { repo, baseline, exp1, exp2 } = standard()
    const csv = await runUtc(repo, ['exp', 'show', '--csv'])
    expect(csv.stdout).toBe(
      [
        'Experiment,rev,typ,Created,parent,acc,loss,lr,epochs,model.name',
        ',workspace,baseline,,,0.9544670443829399,0.25,0.005,10,cnn',
        `main,${baseline.slice(0, 7)},baseline,2021-08-02T16:48:14,,0.9544670443829399,0.25,0.001,10,cnn`,
        `exp-2,${exp2.sha.slice(0, 7)},branch_commit,2021-08-05T14:30:00,,0.9,0.3,0.1,20,cnn`,
        `exp-1,${exp1.sha.slice(0, 7)},branch_base,2021-08-03T09:00:00,,0.96123456,0.2,0.01,10,cnn`,
        '',
      ].join('\r\n'),
    )
    const rounded = await runUtc(repo, ['exp', 'show', '--csv', '--precision', '3', '--no-timestamp'])
    expect(rounded.stdout.split('\r\n')[0]).toBe('Experiment,rev,typ,parent,acc,loss,lr,epochs,model.name')
    expect(rounded.stdout.split('\r\n')[1]).toBe(',workspace,baseline,,0.954,0.25,0.005,10,cnn')
  })

  it('--md prints a GitHub table', async () => {
    const { repo, exp1, exp2 } = standard()
    const md = await runUtc(repo, ['exp', 'show', '--md', '--no-timestamp'])
    expect(md.stdout).toBe(
      lines(
        '| Experiment          | acc     | loss   | lr    | epochs   | model.name   |',
        '|---------------------|---------|--------|-------|----------|--------------|',
        '| workspace           | 0.95447 | 0.25   | 0.005 | 10       | cnn          |',
        '| main                | 0.95447 | 0.25   | 0.001 | 10       | cnn          |',
        `| ├── ${exp2.sha.slice(0, 7)} [exp-2] | 0.9     | 0.3    | 0.1   | 20       | cnn          |`,
        `| └── ${exp1.sha.slice(0, 7)} [exp-1] | 0.96123 | 0.2    | 0.01  | 10       | cnn          |`,
        '',
      ),
    )
  })

  it('filters columns (include/exclude, --only-changed, --param-deps) and sorts experiments', async () => {
    const { repo, exp1, exp2 } = standard()
    const only = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--include-params', 'lr,epochs', '--exclude-metrics', 'loss'])
    expect(only.stdout.split('\n')[0]).toBe('Experiment               acc  lr     epochs')
    const prefixed = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--include-params', 'params.yaml:model.*', '--include-metrics', 'metrics.json:a*'])
    expect(prefixed.stdout.split('\n')[0]).toBe('Experiment               acc  model.name')
    const changed = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--only-changed'])
    expect(changed.stdout.split('\n')[0]).toBe('Experiment               acc    loss  lr     epochs') // model.name is cnn everywhere
    const deps = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--param-deps'])
    expect(deps.stdout.split('\n')[0]).toBe('Experiment               acc    loss  lr     epochs')
    const depsJson = JSON.parse((await runUtc(repo, ['exp', 'show', '--json', '--param-deps'])).stdout)
    expect(depsJson.workspace.baseline.data.params).toEqual({ 'params.yaml': { data: { lr: 0.005, epochs: 10 } } })

    const sorted = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--sort-by', 'acc'])
    const rows = sorted.stdout.split('\n')
    expect(rows[2]).toMatch(/^main /)
    expect(rows[3]).toContain(`${exp2.sha.slice(0, 7)} [exp-2]`) // 0.9 < 0.96123
    expect(rows[3]).toMatch(/^├── /)
    expect(rows[4]).toMatch(new RegExp(`^└── ${exp1.sha.slice(0, 7)} \\[exp-1\\]`))
    const desc = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--sort-by', 'metrics.json:acc', '--sort-order', 'desc'])
    expect(desc.stdout.split('\n')[3]).toContain('[exp-1]')

    const bad = await runUtc(repo, ['exp', 'show', '--include-params', 'nope'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr.split('\n')[0]).toBe("ERROR: 'nope' does not match any known params")
    const unknown = await runUtc(repo, ['exp', 'show', '--sort-by', 'nope'])
    expect(unknown.stderr.split('\n')[0]).toBe("ERROR: Unknown sort column 'nope'")
  })

  it('-n shows older baselines with their experiments; -a every branch; -n 0 is an error', async () => {
    const { repo, baseline } = makeExpProject()
    repos.push(repo)
    const old = addExperiment(repo, { lr: 0.5, epochs: 1, acc: 0.5, loss: 1 }, { name: 'old-exp', date: '2021-08-02T18:00:00+00:00' })
    repo.write('params.yaml', paramsYaml(0.002, 10))
    const second = commitAt(repo, 'second', '2021-08-06T08:00:00+00:00')
    const fresh = addExperiment(repo, { lr: 0.2, epochs: 5, acc: 0.8, loss: 0.5 }, { name: 'new-exp', date: '2021-08-07T08:00:00+00:00' })

    const head = JSON.parse((await runUtc(repo, ['exp', 'show', '--json'])).stdout)
    expect(Object.keys(head)).toEqual(['workspace', second])
    expect(Object.keys(head[second])).toEqual(['baseline', fresh.sha])

    const two = await runUtc(repo, ['exp', 'show', '-n', '2', '--no-timestamp', '--include-params', 'lr', '--include-metrics', 'acc'])
    expect(two.stdout).toBe(
      lines(
        'Experiment                 acc  lr',
        'workspace              0.95447  0.002',
        'main                   0.95447  0.002',
        `└── ${fresh.sha.slice(0, 7)} [new-exp]      0.8  0.2`,
        `${baseline.slice(0, 7)}                0.95447  0.001`,
        `└── ${old.sha.slice(0, 7)} [old-exp]      0.5  0.5`,
      ),
    )
    const zero = await runUtc(repo, ['exp', 'show', '-n', '0'])
    expect(zero.code).not.toBe(0)
    expect(zero.stderr.split('\n')[0]).toBe("ERROR: Invalid number of commits '0'")

    repo.git('branch', 'feature', baseline)
    const all = JSON.parse((await runUtc(repo, ['exp', 'show', '-a', '--json'])).stdout)
    expect(Object.keys(all)).toEqual(['workspace', second, baseline])
    expect(all[baseline].baseline.data.name).toBe('feature')
    expect(Object.keys(all[baseline])).toEqual(['baseline', old.sha])
    repo.git('tag', '-a', 'v1', '-m', 'release', baseline)
    const tags = JSON.parse((await runUtc(repo, ['exp', 'show', '-T', '--json'])).stdout)
    expect(tags[baseline].baseline.data.name).toBe('v1') // a tag wins over a branch
    const every = JSON.parse((await runUtc(repo, ['exp', 'show', '-A', '--json'])).stdout)
    expect(Object.keys(every)).toEqual(['workspace', second, baseline])
  })

  it('shows a checkpoint experiment (3 commits on one ref) as a chain', async () => {
    const { repo, baseline } = makeExpProject()
    repos.push(repo)
    const single = addExperiment(repo, { lr: 0.01, epochs: 10, acc: 0.91, loss: 0.3 }, { name: 'single', date: '2021-08-03T08:00:00+00:00' })
    const steps = [1, 2, 3].map((epoch) => ({
      files: { 'params.yaml': paramsYaml(0.001, epoch), 'metrics.json': metricsJson(0.9 + epoch / 100, 1 / epoch) },
      date: `2021-08-04T10:0${epoch}:00+00:00`,
    }))
    const [cp1, cp2, cp3] = writeDvcCheckpoints(repo.dir, { name: 'cp-exp', steps })
    expect(repo.git('rev-parse', cp3!.ref)).toBe(cp3!.sha)

    const table = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--include-params', 'epochs', '--include-metrics', 'acc,loss'])
    const short = (sha: string) => sha.slice(0, 7)
    expect(table.stdout).toBe(
      lines(
        'Experiment                acc     loss  epochs',
        'workspace             0.95447     0.25  10',
        'main                  0.95447     0.25  10',
        `│ ╓ ${short(cp3!.sha)} [cp-exp]     0.93  0.33333  3`,
        `│ ╟ ${short(cp2!.sha)}              0.92      0.5  2`,
        `├─╨ ${short(cp1!.sha)}              0.91        1  1`,
        `└── ${short(single.sha)} [single]     0.91      0.3  10`,
      ),
    )
    const data = JSON.parse((await runUtc(repo, ['exp', 'show', '--json'])).stdout)[baseline]
    expect(Object.keys(data)).toEqual(['baseline', cp3!.sha, cp2!.sha, cp1!.sha, single.sha])
    expect(data[cp3!.sha].data).toMatchObject({ name: 'cp-exp', checkpoint_tip: cp3!.sha, checkpoint_parent: cp2!.sha })
    expect(data[cp2!.sha].data).toMatchObject({ checkpoint_tip: cp3!.sha, checkpoint_parent: cp1!.sha })
    expect(data[cp2!.sha].data.name).toBeUndefined()
    expect(data[cp1!.sha].data).toMatchObject({ checkpoint_tip: cp3!.sha, checkpoint_parent: baseline })
    expect(data[single.sha].data.checkpoint_tip).toBeUndefined()

    // a chain resumed from cp2 shares cp1 and cp2; as in DVC they stay with the chain
    // collected last (cp-exp, the older tip) and the fork's own commit names its parent
    const fork = writeDvcExperiment(repo.dir, {
      files: { 'params.yaml': paramsYaml(0.001, 4), 'metrics.json': metricsJson(0.99, 0.1) },
      name: 'cp-fork',
      parent: cp2!.sha,
      date: '2021-08-04T11:00:00+00:00',
    })
    const forked = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--include-params', 'epochs', '--include-metrics', 'acc'])
    expect(forked.stdout.split('\n').slice(2, 8).map((row) => row.replace(/ +[\d.]+ +\d+$/, ''))).toEqual([
      'main',
      `│ ╟ ${short(fork.sha)} [cp-fork] (${short(cp2!.sha)})`,
      `│ ╓ ${short(cp3!.sha)} [cp-exp]`,
      `│ ╟ ${short(cp2!.sha)}`,
      `├─╨ ${short(cp1!.sha)}`,
      `└── ${short(single.sha)} [single]`,
    ])
    const forkData = JSON.parse((await runUtc(repo, ['exp', 'show', '--json'])).stdout)[baseline]
    expect(forkData[fork.sha].data).toMatchObject({ name: 'cp-fork', checkpoint_tip: fork.sha, checkpoint_parent: cp2!.sha })
    expect(forkData[cp2!.sha].data).toMatchObject({ checkpoint_tip: cp3!.sha, checkpoint_parent: cp1!.sha })
  })

  it('keeps a summary of what it read (unchanged experiments are not read from git again); the summary is safe to lose', async () => {
    const { repo, exp1 } = standard()
    const first = await runUtc(repo, ['exp', 'show', '--json'])
    const cacheDir = repo.path('.dvc/tmp/exps/trellis')
    expect(readdirSync(cacheDir)).toEqual(['rev-data.v1.json'])
    // Destroy the experiment's metrics blob: only the summary still knows the values.
    const blob = repo.git('rev-parse', `${exp1.sha}:metrics.json`)
    rmSync(repo.path(`.git/objects/${blob.slice(0, 2)}/${blob.slice(2)}`), { force: true })
    const warm = await runUtc(repo, ['exp', 'show', '--json'])
    expect(warm.stdout).toBe(first.stdout)
    // A corrupt summary is ignored (and rewritten): now git is read and the blob is missing.
    writeFileSync(join(cacheDir, 'rev-data.v1.json'), '{"version": 1, "scope": tru')
    const cold = await runUtc(repo, ['exp', 'show', '--json'])
    expect(cold.code).toBe(0)
    const entry = JSON.parse(cold.stdout)[exp1.baseline][exp1.sha].data.metrics['metrics.json']
    expect(entry.error.type).toBe('SCMError')
    expect(entry.error.msg).toContain(blob)
    const table = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--include-metrics', 'acc', '--include-params', 'lr'])
    expect(table.stdout).toContain(`└── ${exp1.sha.slice(0, 7)} [exp-1]        !  0.01`)
    // deleting the summary is fine too
    rmSync(cacheDir, { recursive: true })
    expect((await runUtc(repo, ['exp', 'show'])).code).toBe(0)
  })

  it('reports files it cannot parse as errors, and reads cached metrics from the DVC cache', async () => {
    const { repo, baseline } = makeExpProject()
    repos.push(repo)
    const badMetrics = writeDvcExperiment(repo.dir, { files: { 'metrics.json': '{"acc": 0.5,' }, name: 'bad-metrics', date: '2021-08-03T08:00:00+00:00' })
    // params.yaml is also dvc.yaml's default vars file: the pipeline itself cannot load
    const badParams = writeDvcExperiment(repo.dir, { files: { 'params.yaml': 'lr: [unclosed\n' }, name: 'bad-params', date: '2021-08-03T09:00:00+00:00' })
    // a stage whose metrics are cached: the experiment commit has only dvc.lock's hash
    const cachedMetrics = metricsJson(0.77, 0.4)
    const md5 = createHash('md5').update(cachedMetrics).digest('hex')
    mkdirSync(repo.path(`.dvc/cache/${md5.slice(0, 2)}`), { recursive: true })
    writeFileSync(repo.path(`.dvc/cache/${md5.slice(0, 2)}/${md5.slice(2)}`), cachedMetrics)
    const cached = writeDvcExperiment(repo.dir, {
      files: {
        'dvc.yaml': 'stages:\n  train:\n    cmd: python train.py\n    params: [lr]\n    metrics: [metrics.json]\n',
        'metrics.json': null,
        'dvc.lock': `schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    params:\n      params.yaml:\n        lr: 0.001\n    outs:\n    - path: metrics.json\n      md5: ${md5}\n      size: ${cachedMetrics.length}\n`,
      },
      name: 'cached',
      date: '2021-08-04T08:00:00+00:00',
    })
    const data = JSON.parse((await runUtc(repo, ['exp', 'show', '--json'])).stdout)[baseline]
    expect(data[badMetrics.sha].data.metrics['metrics.json'].error).toMatchObject({ type: 'JSONFileCorruptedError' })
    expect(data[badMetrics.sha].data.metrics['metrics.json'].error.msg).toMatch(/^unable to read: 'metrics.json', JSON file structure is corrupted/)
    expect(data[badMetrics.sha].data.params['params.yaml']).toEqual({ data: { lr: 0.001, epochs: 10, model: { name: 'cnn' } } })
    expect(data[badMetrics.sha].error).toBeUndefined()
    expect(data[badParams.sha].error).toMatchObject({ type: 'ResolveError' })
    expect(data[badParams.sha].error.msg).toMatch(/^failed to parse 'vars' in 'dvc.yaml'/)
    expect(data[badParams.sha].data.params['params.yaml'].error).toMatchObject({ type: 'YAMLFileCorruptedError' })
    expect(data[badParams.sha].data.params['params.yaml'].error.msg).toMatch(/^unable to read: 'params.yaml', YAML file structure is corrupted/)
    expect(data[badParams.sha].data.metrics).toEqual({})
    expect(data[cached.sha].data.metrics).toEqual({ 'metrics.json': { data: { acc: 0.77, loss: 0.4 } } })
    const table = await runUtc(repo, ['exp', 'show', '--no-timestamp'])
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n').slice(3)).toEqual([
      `├── ${cached.sha.slice(0, 7)} [cached]          0.77     0.4  0.001  10        cnn`,
      `├── ${badParams.sha.slice(0, 7)} [bad-params]         !       !  !      !         !`,
      `└── ${badMetrics.sha.slice(0, 7)} [bad-metrics]        !       !  0.001  10        cnn`,
      '',
    ])
  })

  it("shows the vars values stages interpolate, per experiment (vars files read from each commit's tree)", async () => {
    const repo = makeRepo({
      'dvc.yaml': 'vars:\n  - config.yaml\nstages:\n  train:\n    cmd: python train.py --seed ${seed} --lr ${lr}\n    params: [lr]\n    metrics:\n    - metrics.json:\n        cache: false\n',
      'config.yaml': 'seed: 1\nunused: 5\n',
      'params.yaml': 'lr: 0.1\n',
      'metrics.json': '{"acc": 0.5}',
    })
    repos.push(repo)
    const baseline = repo.git('rev-parse', 'HEAD')
    const seeded = writeDvcExperiment(repo.dir, { files: { 'config.yaml': 'seed: 2\nunused: 5\n', 'metrics.json': '{"acc": 0.6}' }, name: 'seed-2', date: '2021-08-03T08:00:00+00:00' })
    const broken = writeDvcExperiment(repo.dir, { files: { 'config.yaml': 'other: 1\n' }, name: 'no-seed', date: '2021-08-04T08:00:00+00:00' })
    const data = JSON.parse((await runUtc(repo, ['exp', 'show', '--json'])).stdout)
    expect(data.workspace.baseline.data.params).toEqual({ 'params.yaml': { data: { lr: 0.1 } }, 'config.yaml': { data: { seed: 1 } } })
    expect(data[baseline].baseline.data.params['config.yaml']).toEqual({ data: { seed: 1 } })
    expect(data[baseline][seeded.sha].data.params).toEqual({ 'params.yaml': { data: { lr: 0.1 } }, 'config.yaml': { data: { seed: 2 } } })
    expect(data[baseline][seeded.sha].data.metrics).toEqual({ 'metrics.json': { data: { acc: 0.6 } } })
    expect(data[baseline][broken.sha].error.msg).toMatch(/^failed to parse 'stages.train.cmd' in 'dvc.yaml': Could not find 'seed'/)
    const table = await runUtc(repo, ['exp', 'show', '--no-timestamp', '--sha'])
    expect(table.stdout.split('\n').slice(0, 5)).toEqual([
      'Experiment      acc  lr    seed',
      'workspace       0.5  0.1   1',
      `${baseline.slice(0, 7)}         0.5  0.1   1`,
      `├── ${broken.sha.slice(0, 7)}       !  0.1   !`,
      `└── ${seeded.sha.slice(0, 7)}     0.6  0.1   2`,
    ])
  })

  it('shows experiments from a subdirectory with paths relative to it, and a repo without commits', async () => {
    const { repo } = standard()
    repo.write('sub/readme.txt', 'x')
    const fromSub = JSON.parse((await runUtc(repo, ['exp', 'show', '--json'], 'sub')).stdout)
    expect(Object.keys(fromSub.workspace.baseline.data.metrics)).toEqual(['../metrics.json'])
    expect(Object.keys(fromSub.workspace.baseline.data.params)).toEqual(['../params.yaml'])

    const empty = makeRepo({ 'dvc.yaml': 'stages: {}\n', 'params.yaml': 'lr: 1\n' }, { commit: false })
    repos.push(empty)
    const res = await runUtc(empty, ['exp', 'show', '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout)).toEqual({
      workspace: { baseline: { data: { timestamp: null, params: { 'params.yaml': { data: { lr: 1 } } }, metrics: {}, queued: false, running: false, executor: null } } },
    })
    const table = await runUtc(empty, ['exp', 'show'])
    expect(table.stdout).toBe(lines('Experiment    Created    lr', 'workspace     -          1'))
    expect(existsSync(empty.path('.dvc/tmp/exps/trellis/rev-data.v1.json'))).toBe(false)
  })
})
