/**
 * The hook bus as a plugin sees it through the CLI: lifecycle hooks, the run every
 * payload carries (also under `--run-all -j 2`), `onExperimentCommit` only for commits
 * written, `onCheckpoint` before the commit's `onExperimentCommit`, observers that
 * throw, and the checkpoints plugin left out.
 */
import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

/** Writes one JSON line per event to `events.jsonl` (its options may make one hook throw). */
const RECORDER = `import { appendFileSync } from 'node:fs'
export default {
  name: 'recorder',
  apply(trellis) {
    const file = trellis.root + '/events.jsonl'
    const run = (r) => r && { id: r.id, kind: r.kind, projectRoot: r.projectRoot, workspaceRoot: r.workspaceRoot, queueEntryId: r.queueEntryId,
      experiment: r.experiment && { baseline: r.experiment.baseline, name: r.experiment.name } }
    const write = (hook, event, extra = {}) => appendFileSync(file, JSON.stringify({ hook, run: run(event.run), ...extra }) + '\\n')
    const throwIn = trellis.options?.throwIn
    for (const hook of ['runStarted', 'runFinished', 'runFailed', 'beforeStage', 'afterStage', 'stageFailed', 'onCheckpoint', 'onExperimentCommit', 'queueEntryChanged']) {
      trellis.hooks[hook].tapPromise('recorder', async (event) => {
        write(hook, event, {
          stage: event.stage?.address,
          name: event.name,
          commit: event.commit,
          state: event.state,
          entry: event.entry?.id,
          error: event.error?.code,
          experiment: event.experiment?.name,
        })
        if (hook === throwIn) throw new Error('recorder broke on purpose')
      })
    }
  },
}
`

const PIPELINE = 'stages:\n  train:\n    cmd: cat params.yaml > model.txt\n    params: [lr]\n    outs: [model.txt]\n'

function events(r: Repo): Array<Record<string, any>> {
  return r.read('events.jsonl').trim().split('\n').map((line) => JSON.parse(line))
}

function repo(config = 'plugins:\n  - ./recorder.mjs\n', files: Record<string, string> = {}): Repo {
  const r = makeRepo({
    'recorder.mjs': RECORDER,
    '.trellisrc.yaml': config,
    '.gitignore': 'events.jsonl\n',
    'params.yaml': 'lr: 1\n',
    'dvc.yaml': PIPELINE,
    ...files,
  })
  repos.push(r)
  return r
}

describe('the hook bus', () => {
  it('exp run: runStarted, stage events and the commit carry one run; reusing an identical experiment fires no onExperimentCommit', async () => {
    const r = repo()
    const first = await r.run(['exp', 'run', '-n', 'one', '-S', 'lr=2'])
    expect(first.code, first.stderr).toBe(0)
    const seen = events(r)
    expect(seen.map((e) => e.hook)).toEqual(['runStarted', 'beforeStage', 'afterStage', 'onExperimentCommit', 'runFinished'])
    const ids = new Set(seen.map((e) => e.run.id))
    expect(ids.size).toBe(1)
    const baseline = r.git('rev-parse', 'HEAD')
    expect(seen[0].run).toMatchObject({ kind: 'exp-run', projectRoot: r.dir, workspaceRoot: r.dir, experiment: { baseline, name: 'one' } })
    expect(seen.at(-1)).toMatchObject({ hook: 'runFinished', experiment: 'one' })

    // an automatic name, then the same results again: the experiment is reused, nothing is written, no onExperimentCommit
    r.git('checkout', '-q', '--', 'params.yaml')
    expect((await r.run(['exp', 'run', '-S', 'lr=7'])).code).toBe(0)
    r.write('events.jsonl', '')
    r.git('checkout', '-q', '--', 'params.yaml')
    rmSync(r.path('dvc.lock'))
    const again = await r.run(['exp', 'run', '-S', 'lr=7'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout, again.stdout).toContain('identical to the existing experiment, reused')
    const hooks = events(r).map((e) => e.hook)
    expect(hooks).toContain('runFinished')
    expect(hooks).not.toContain('onExperimentCommit')
  })

  it('a failing stage fires stageFailed then runFailed; trellis repro runs are told apart from experiments', async () => {
    const r = repo('plugins:\n  - ./recorder.mjs\n', { 'dvc.yaml': 'stages:\n  bad:\n    cmd: exit 3\n' })
    const res = await r.run(['repro'])
    expect(res.code).not.toBe(0)
    const seen = events(r)
    expect(seen.map((e) => e.hook)).toEqual(['runStarted', 'beforeStage', 'stageFailed', 'runFailed'])
    expect(seen[2]).toMatchObject({ stage: 'bad', error: 'STAGE_FAILED', run: { kind: 'repro', projectRoot: r.dir } })
    expect(seen[3].error).toBe('STAGE_FAILED')
  })

  it('an observer that throws is reported with the plugin name and changes nothing', async () => {
    const r = repo('plugins:\n  - [./recorder.mjs, {throwIn: onExperimentCommit}]\n')
    const res = await r.run(['exp', 'run', '-n', 'kept', '-S', 'lr=5'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr).toContain("WARNING: plugin 'recorder' failed in onExperimentCommit: recorder broke on purpose")
    expect(r.git('for-each-ref', '--format=%(refname)', 'refs/exps/')).toMatch(/\/kept$/m)
    expect(events(r).map((e) => e.hook)).toContain('runFinished')
  })

  it('--run-all -j 2: stage events carry their experiment and queue entry; queueEntryChanged follows every entry', async () => {
    const r = repo()
    for (const [name, lr] of [['a', '3'], ['b', '4']]) {
      const q = await r.run(['exp', 'run', '--queue', '-n', name, '-S', `lr=${lr}`])
      expect(q.code, q.stderr).toBe(0)
    }
    const res = await r.run(['exp', 'run', '--run-all', '-j', '2'])
    expect(res.code, res.stderr).toBe(0)
    const seen = events(r)
    const queued = seen.filter((e) => e.hook === 'queueEntryChanged' && e.state === 'queued')
    expect(queued).toHaveLength(2)
    for (const name of ['a', 'b']) {
      const stages = seen.filter((e) => (e.hook === 'beforeStage' || e.hook === 'afterStage') && e.run.experiment?.name === name)
      expect(stages.map((e) => e.hook)).toEqual(['beforeStage', 'afterStage'])
      const run = stages[0].run
      expect(run.projectRoot).toBe(r.dir)
      expect(run.workspaceRoot).not.toBe(r.dir)
      expect(run.queueEntryId).toMatch(/^[0-9a-f]{40}$/)
      const states = seen.filter((e) => e.hook === 'queueEntryChanged' && e.entry === run.queueEntryId).map((e) => e.state)
      expect(states).toEqual(['queued', 'running', 'done'])
      expect(seen.find((e) => e.hook === 'onExperimentCommit' && e.name === name)?.run.queueEntryId).toBe(run.queueEntryId)
    }
    // the CLI's progress lines come from the same bus
    expect(res.stdout).toMatch(/Running experiment '[0-9a-f]{7}' \(a\) in /)
    expect(res.stdout).toMatch(/Reproduced experiment 'b' from '[0-9a-f]{7}' \(b\)/)
  })

  it('removing queue entries fires queueEntryChanged (removed)', async () => {
    const r = repo()
    expect((await r.run(['exp', 'run', '--queue', '-n', 'gone', '-S', 'lr=9'])).code).toBe(0)
    const res = await r.run(['queue', 'remove', 'gone'])
    expect(res.code, res.stderr).toBe(0)
    expect(events(r).filter((e) => e.hook === 'queueEntryChanged').map((e) => e.state)).toEqual(['queued', 'removed'])
  })
})

describe('checkpoints without the checkpoints plugin', () => {
  it('a checkpoint stage fails before anything runs, saying the plugin is not loaded', async () => {
    const r = repo('builtins: false\nplugins:\n  - git-refs\n  - queue\n', {
      'dvc.yaml': 'stages:\n  train:\n    cmd: echo ran > ran.txt && echo 1 > model.txt\n    outs:\n      - model.txt:\n          checkpoint: true\n',
    })
    const res = await r.run(['exp', 'run'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/^ERROR: stage 'train' \(dvc\.yaml:\d+\) has checkpoint outputs, but the checkpoints plugin is not loaded\n {2}hint: /m)
    expect(r.exists('ran.txt')).toBe(false)
    const queued = await r.run(['exp', 'run', '--queue'])
    expect(queued.stderr).toMatch(/ERROR: .*the checkpoints plugin is not loaded/)
  })
})
