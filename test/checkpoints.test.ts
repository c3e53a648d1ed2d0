/**
 * Checkpoint stages through the CLI, with real programs in Node and python3 that use
 * the shipped helpers (DVC's signal protocol): every signal is a commit on one
 * experiment ref, Ctrl-C keeps them, the next run continues, --reset restarts, inputs
 * changed after a checkpoint fork a new experiment from it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { makeRepo, type Repo } from './support/repo.js'
import { isRunning } from './support/process.js'

const PLUGIN = resolve(dirname(fileURLToPath(import.meta.url)), '../packages/plugin-checkpoints')
const NODE_HELPER = pathToFileURL(`${PLUGIN}/dist/make-checkpoint.js`).href
const PY_HELPER_DIR = `${PLUGIN}/python`

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))


/**
 * The training programs: a counter in model.txt (the checkpoint output) goes up by one per
 * epoch; metrics.json (uncached) follows it. Env: TRAIN_EPOCHS (3), TRAIN_SLEEP ms per epoch,
 * TRAIN_AFTER=1 writes metrics once more after the last checkpoint, TRAIN_BREAK_AT=k makes
 * model.txt unreadable (a symlink loop) before the k-th checkpoint, TRAIN_PID_FILE=path records
 * the program's pid there.
 */
const TRAIN_JS = `import { existsSync, readFileSync, writeFileSync, rmSync, symlinkSync } from 'node:fs'
import { makeCheckpoint } from '${NODE_HELPER}'
const env = process.env
let n = existsSync('model.txt') ? Number(readFileSync('model.txt', 'utf8')) : 0
if (env.TRAIN_PID_FILE) writeFileSync(env.TRAIN_PID_FILE, String(process.pid))
console.log('start=' + n + ' DVC_CHECKPOINT=' + env.DVC_CHECKPOINT + ' DVCLIVE_RESUME=' + (env.DVCLIVE_RESUME ?? ''))
const epochs = Number(env.TRAIN_EPOCHS ?? 3)
for (let i = 1; i <= epochs; i++) {
  n++
  writeFileSync('model.txt', n + '\\n')
  writeFileSync('metrics.json', JSON.stringify({ epoch: n }))
  if (Number(env.TRAIN_BREAK_AT) === i) { rmSync('model.txt'); symlinkSync('model.txt', 'model.txt') }
  if (env.TRAIN_SLEEP) await new Promise((r) => setTimeout(r, Number(env.TRAIN_SLEEP)))
  await makeCheckpoint()
}
if (env.TRAIN_AFTER) writeFileSync('metrics.json', JSON.stringify({ epoch: n, final: true }))
`

const TRAIN_PY = `import json, os, sys
sys.path.insert(0, ${JSON.stringify(PY_HELPER_DIR)})
from trellis_checkpoint import make_checkpoint
n = int(open("model.txt").read()) if os.path.exists("model.txt") else 0
for i in range(int(os.environ.get("TRAIN_EPOCHS", "3"))):
    n += 1
    with open("model.txt", "w") as f:
        f.write("%d\\n" % n)
    with open("metrics.json", "w") as f:
        json.dump({"epoch": n}, f)
    make_checkpoint()
if os.environ.get("TRAIN_AFTER"):
    with open("metrics.json", "w") as f:
        json.dump({"epoch": n, "final": True}, f)
`

function project(cmd = 'node train.mjs'): Repo {
  const r = makeRepo({
    'train.mjs': TRAIN_JS,
    'train.py': TRAIN_PY,
    'params.yaml': 'lr: 0.1\n',
    'dvc.yaml': `stages:\n  train:\n    cmd: ${cmd}\n    deps: [train.mjs, train.py]\n    params: [lr]\n    outs:\n    - model.txt:\n        checkpoint: true\n    metrics:\n    - metrics.json:\n        cache: false\n`,
  })
  repos.push(r)
  return r
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

/** Experiment refs (not refs/exps/exec/*). */
const expRefs = (r: Repo) =>
  r.git('for-each-ref', '--format=%(refname)', 'refs/exps').split('\n').filter((l) => l && !l.includes('/exec/'))

/** The first-parent chain of a ref down to (not including) `baseline`, oldest first. */
function chain(r: Repo, ref: string, baseline: string): string[] {
  const shas = r.git('rev-list', '--first-parent', ref, `^${baseline}`).split('\n').filter(Boolean).reverse()
  expect(r.git('rev-parse', `${shas[0]}^`)).toBe(baseline) // the chain ends on the baseline
  return shas
}

/** What model.txt held at each commit, read from that commit's dvc.lock. */
function modelHashes(r: Repo, shas: string[]): string[] {
  return shas.map((sha) => /path: model\.txt\n\s+md5: ([0-9a-f]{32})/.exec(r.git('show', `${sha}:dvc.lock`))?.[1] ?? '')
}

const counts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => md5(`${from + i}\n`))

describe('checkpoints', () => {
  it('Node: N signals make N commits on one ref; the next run continues the count; --reset restarts it', async () => {
    const r = project()
    const baseline = r.git('rev-parse', 'HEAD')

    const repro = await r.run(['repro'])
    expect(repro.code).not.toBe(0)
    expect(repro.stderr).toContain("ERROR: Checkpoint stages are not supported in 'trellis repro': stage 'train' has checkpoint output model.txt")
    expect(repro.stderr).toContain("must be reproduced with 'trellis exp run'")
    expect(r.exists('model.txt')).toBe(false)

    const first = await r.run(['exp', 'run'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('start=0 DVC_CHECKPOINT=1 DVCLIVE_RESUME=\n')
    expect(first.stdout.match(/Checkpoint experiment iteration '[0-9a-f]{7}'\./g)).toHaveLength(3)
    const refs = expRefs(r)
    expect(refs).toHaveLength(1)
    const ref = refs[0]
    expect(ref.startsWith(`refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/exp-`)).toBe(true)
    const run1 = chain(r, ref, baseline)
    expect(run1).toHaveLength(3) // nothing changed after the last signal: no extra commit
    expect(modelHashes(r, run1)).toEqual(counts(1, 3))
    expect(r.git('show', `${run1[1]}:metrics.json`)).toBe('{"epoch":2}')
    expect(r.git('rev-parse', 'refs/exps/exec/EXEC_CHECKPOINT')).toBe(run1[2])
    expect(r.read('model.txt')).toBe('3\n')
    expect(r.git('rev-parse', 'HEAD')).toBe(baseline)

    const second = await r.run(['exp', 'run'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toContain(`Existing checkpoint experiment '${ref.split('/').pop()}' will be resumed`)
    expect(second.stdout).toContain('start=3 DVC_CHECKPOINT=1 DVCLIVE_RESUME=1\n')
    expect(expRefs(r)).toEqual([ref])
    const run2 = chain(r, ref, baseline)
    expect(run2.slice(0, 3)).toEqual(run1)
    expect(modelHashes(r, run2)).toEqual(counts(1, 6))

    const reset = await r.run(['exp', 'run', '--reset'])
    expect(reset.code, reset.stderr).toBe(0)
    expect(reset.stdout).toContain('Any existing checkpoints will be reset and re-run.')
    expect(reset.stdout).toContain('start=0 ')
    expect(expRefs(r)).toEqual([ref]) // same first checkpoint, same name: the experiment is replaced
    const run3 = chain(r, ref, baseline)
    expect(modelHashes(r, run3)).toEqual(counts(1, 3))
    expect(run3[0]).not.toBe(run1[0]) // a new chain (other commit times), not the old one

    const revAlone = await r.run(['exp', 'run', '--rev', run3[1]])
    expect(revAlone.code).not.toBe(0)
    expect(revAlone.stderr).toContain('ERROR: --rev can only be used with --queue or --temp')
    const revReset = await r.run(['exp', 'run', '--rev', run3[1], '--reset'])
    expect(revReset.stderr).toContain('ERROR: --reset and --rev are mutually exclusive.')
    expect(chain(r, ref, baseline)).toEqual(run3)
  })

  it('python3: the helper signals, a change after the last signal adds a final commit, plugins see onCheckpoint then onExperimentCommit; both helpers are no-ops outside Trellis', async () => {
    const r = project('python3 train.py')
    r.write('.trellisrc.yaml', 'plugins:\n  - "@trellis/plugin-git-refs"\n  - "@trellis/plugin-checkpoints"\n  - ./hook-log.mjs\n')
    r.write('hook-log.mjs', `import { appendFileSync } from 'node:fs'
export default { name: 'hook-log', apply(trellis) {
  const log = (line) => appendFileSync(trellis.root + '/hooks.log', line + '\\n')
  trellis.hooks.onCheckpoint.tapPromise('hook-log', async (e) => log(['checkpoint', e.stage.address, e.index, e.commit, e.ref, e.lock.outs.find((o) => o.path === 'model.txt').md5].join(' ')))
  trellis.hooks.onExperimentCommit.tapPromise('hook-log', async (e) => log(['commit', e.commit, e.ref, e.checkpoint].join(' ')))
} }
`)
    r.write('.gitignore', 'hooks.log\n')
    const baseline = r.commitAll('with a hook logger')
    const res = await r.run(['exp', 'run'], { env: { TRAIN_EPOCHS: '2', TRAIN_AFTER: '1' } })
    expect(res.code, res.stderr).toBe(0)
    const [ref] = expRefs(r)
    const shas = chain(r, ref, baseline)
    expect(shas).toHaveLength(3) // 2 checkpoints + the final commit
    expect(r.read('hooks.log').trim().split('\n')).toEqual([
      `checkpoint train 1 ${shas[0]} ${ref} ${md5('1\n')}`,
      `commit ${shas[0]} ${ref} true`,
      `checkpoint train 2 ${shas[1]} ${ref} ${md5('2\n')}`,
      `commit ${shas[1]} ${ref} true`,
      `commit ${shas[2]} ${ref} true`,
    ])
    expect(r.git('rev-parse', 'refs/exps/exec/EXEC_CHECKPOINT')).toBe(shas[2]) // the final commit is a checkpoint too
    expect(modelHashes(r, shas)).toEqual([...counts(1, 2), md5('2\n')])
    expect(r.git('show', `${shas[1]}:metrics.json`)).toBe('{"epoch": 2}')
    expect(r.git('show', `${shas[2]}:metrics.json`)).toBe('{"epoch": 2, "final": true}')

    // Outside a checkpoint run the helpers return at once and create nothing.
    const env = { ...process.env, DVC_ROOT: r.dir }
    delete env.DVC_CHECKPOINT
    execFileSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(PY_HELPER_DIR)}); import trellis_checkpoint as t; t.make_checkpoint(); print(t.signal_path())`], { cwd: r.dir, env, timeout: 10_000 })
    execFileSync(process.execPath, ['--input-type=module', '-e', `import { makeCheckpoint, makeCheckpointSync } from '${NODE_HELPER}'; await makeCheckpoint(); makeCheckpointSync()`], { cwd: r.dir, env, timeout: 10_000 })
    expect(r.exists('.dvc/tmp/DVC_CHECKPOINT')).toBe(false)
    expect(chain(r, ref, baseline)).toEqual(shas)
  })

  it('Ctrl-C mid-run keeps the checkpoints made and releases the lock; the next run continues from the last one', async () => {
    const r = project()
    const baseline = r.git('rev-parse', 'HEAD')
    const child = r.spawn(['exp', 'run'], { env: { TRAIN_EPOCHS: '1000', TRAIN_SLEEP: '150' } })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    const taken = () => (stdout.match(/Checkpoint experiment iteration/g) ?? []).length
    const started = Date.now()
    while (taken() < 2) {
      if (Date.now() - started > 30_000) throw new Error(`no checkpoints: ${stdout}\n${stderr}`)
      await new Promise((res) => setTimeout(res, 25))
    }
    child.kill('SIGINT')
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)))
    expect(code).toBe(130)
    expect(stderr).toContain('ERROR: interrupted')
    expect(r.isUnlocked('.dvc/tmp/lock')).toBe(true)
    expect(r.exists('.dvc/tmp/DVC_CHECKPOINT')).toBe(false)
    const k = taken()
    const [ref] = expRefs(r)
    const kept = chain(r, ref, baseline)
    expect(kept).toHaveLength(k)
    expect(modelHashes(r, kept)).toEqual(counts(1, k))

    // model.txt may hold an epoch the interrupted program wrote after its last checkpoint:
    // the next run restores the last checkpoint's outputs and continues from there.
    const next = await r.run(['exp', 'run'], { env: { TRAIN_EPOCHS: '2' } })
    expect(next.code, next.stderr).toBe(0)
    expect(next.stdout).toContain(`start=${k} `)
    expect(expRefs(r)).toEqual([ref])
    const all = chain(r, ref, baseline)
    expect(all.slice(0, k)).toEqual(kept)
    expect(modelHashes(r, all)).toEqual(counts(1, k + 2))
  })

  it('an error while taking a checkpoint stops the program and fails clearly; the checkpoints before it stay', async () => {
    const r = project()
    const baseline = r.git('rev-parse', 'HEAD')
    const pidFile = join(r.dir, '..', `${basename(r.dir)}.train-pid`)
    let res
    try {
      res = await r.run(['exp', 'run'], { env: { TRAIN_BREAK_AT: '2', TRAIN_EPOCHS: '3', TRAIN_PID_FILE: pidFile } })
      // the program waiting for its checkpoint was stopped (else `exp run` would wait for ever)
      expect(isRunning(Number(readFileSync(pidFile, 'utf8')))).toBe(false)
    } finally {
      rmSync(pidFile, { force: true })
    }
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/ERROR: failed to reproduce 'train': could not take checkpoint 2 of stage 'train', its command was stopped: .*model\.txt/)
    expect(res.stderr).toContain('The 1 checkpoint taken before is kept in refs/exps/')
    const [ref] = expRefs(r)
    expect(modelHashes(r, chain(r, ref, baseline))).toEqual(counts(1, 1))
    expect(r.exists('.dvc/tmp/DVC_CHECKPOINT')).toBe(false)
    expect(r.isUnlocked('.dvc/tmp/lock')).toBe(true)
  })

  it('§8.5: -n is ignored when continuing; changed params fork from the last checkpoint; an unchanged older checkpoint is nothing to do; a new HEAD starts a new chain', async () => {
    const r = project()
    const baseline = r.git('rev-parse', 'HEAD')
    const env = { TRAIN_EPOCHS: '2' }
    expect((await r.run(['exp', 'run'], { env })).code).toBe(0)
    const [ref] = expRefs(r)
    const name = ref.split('/').pop()!

    // Nothing changed: the experiment is continued under its own name.
    const cont = await r.run(['exp', 'run', '-n', 'other'], { env })
    expect(cont.code, cont.stderr).toBe(0)
    expect(cont.stderr).toContain(`WARNING: Ignoring option '--name other' for resumed experiment. Existing experiment name '${name}' will be used instead.`)
    expect(expRefs(r)).toEqual([ref])
    const four = chain(r, ref, baseline)
    expect(modelHashes(r, four)).toEqual(counts(1, 4))

    // A changed param: a new experiment whose first commit has the last checkpoint as parent.
    const fork = await r.run(['exp', 'run', '-S', 'lr=0.2', '-n', 'forked'], { env: { TRAIN_EPOCHS: '1' } })
    expect(fork.code, fork.stderr).toBe(0)
    expect(fork.stdout).toContain(`Modified checkpoint experiment based on '${name}' will be created`)
    const forked = `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/forked`
    expect(expRefs(r).sort()).toEqual([forked, ref].sort())
    expect(r.git('rev-parse', `${forked}^`)).toBe(four[3])
    expect(r.git('merge-base', forked, ref)).toBe(four[3])
    expect(r.git('show', `${forked}:params.yaml`)).toBe('lr: 0.2')
    expect(modelHashes(r, [r.git('rev-parse', forked)])).toEqual([md5('5\n')]) // trained on from checkpoint 4

    // An older checkpoint, unchanged (e.g. applied to the workspace): nothing to do.
    r.git('checkout', '-q', '--', 'params.yaml')
    r.git('update-ref', 'refs/exps/exec/EXEC_APPLY', four[1])
    const stuck = await r.run(['exp', 'run'], { env })
    expect(stuck.code).not.toBe(0)
    expect(stuck.stderr).toContain(`ERROR: Nothing to do for unchanged checkpoint '${four[1].slice(0, 7)}'.`)
    expect(stuck.stderr).toContain(`It belongs to: ${name}, forked.`) // the fork shares it: no experiment to continue
    expect(stuck.stdout).not.toContain('start=')
    expect(r.read('model.txt')).toBe('2\n') // its outputs were restored before deciding

    // HEAD moved: the last checkpoint is not derived from it; a new experiment starts from the new HEAD.
    r.write('NOTES.md', 'new baseline\n')
    const head2 = r.commitAll('new baseline')
    const fresh = await r.run(['exp', 'run'], { env: { TRAIN_EPOCHS: '1' } })
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(fresh.stdout).not.toContain('will be resumed')
    const newRefs = expRefs(r).filter((x) => x.startsWith(`refs/exps/${head2.slice(0, 2)}/`))
    expect(newRefs).toHaveLength(1)
    expect(chain(r, newRefs[0], head2)).toHaveLength(1)
    expect(existsSync(r.path('.dvc/tmp/DVC_CHECKPOINT'))).toBe(false)
  })
})
