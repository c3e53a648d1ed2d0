/**
 * The queue with the other experiment commands, through the CLI: `exp show` lists queued and
 * failed entries, `exp remove` clears the queue or removes one entry, `exp apply` of a queued
 * entry brings its params, and checkpoint experiments in the queue (`--queue` restarts them,
 * `--rev` with `--queue`/`--temp` continues a checkpoint or forks from it).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

/** train: reads train.lr; lr 0.5 fails. */
const TRAIN =
  "const fs=require('fs');const lr=Number(/lr: *([0-9.e-]+)/.exec(fs.readFileSync('params.yaml','utf8'))[1]);" +
  "if(lr===0.5){console.error('boom: lr too high');process.exit(3)}" +
  "fs.writeFileSync('metrics.json',JSON.stringify({loss:1-lr}))\n"

function project(): Repo {
  const r = makeRepo({
    'dvc.yaml': 'stages:\n  train:\n    cmd: node train.cjs\n    deps: [train.cjs]\n    params: [train.lr]\n    metrics:\n    - metrics.json:\n        cache: false\n',
    'params.yaml': 'train:\n  lr: 0.1\n  epochs: 3\n',
    'train.cjs': TRAIN,
  })
  repos.push(r)
  return r
}

type Entry = { id: string; name?: string; state: string; rev: string; baseline: string; branch?: string }
const status = async (r: Repo) => JSON.parse((await r.run(['queue', 'status', '--json'])).stdout) as Entry[]
const stash = (r: Repo) => (r.git('for-each-ref', 'refs/exps/stash') ? r.git('reflog', 'show', '--format=%H %gs', 'refs/exps/stash', '--').split('\n') : [])
const expRefs = (r: Repo) =>
  r
    .git('for-each-ref', '--format=%(refname)', 'refs/exps')
    .split('\n')
    .filter((l) => l && !l.includes('/exec/') && l !== 'refs/exps/stash')

async function queue(r: Repo, ...args: string[]): Promise<string> {
  const res = await r.run(['exp', 'run', '--queue', ...args])
  expect(res.code, res.stderr).toBe(0)
  return /Queued experiment '([0-9a-f]{7})'/.exec(res.stdout)![1]
}

describe('the queue in exp show, exp remove and exp apply', () => {
  it('exp show lists queued entries (State Queued) and failed ones (State Failed) under their baseline, with their params', async () => {
    const r = project()
    const baseline = r.git('rev-parse', 'HEAD')
    const ok = await queue(r, '-S', 'train.lr=0.2', '-n', 'good')
    const bad = await queue(r, '-S', 'train.lr=0.5', '-n', 'bad')
    const waiting = await queue(r, '-S', 'train.lr=0.3')

    const table = (await r.run(['exp', 'show', '--no-timestamp'])).stdout
    expect(table).toMatch(new RegExp(`${ok} \\[good\\]\\s+Queued\\s+0\\.2\\s+3\\n`))
    expect(table).toMatch(new RegExp(`${bad} \\[bad\\]\\s+Queued\\s+0\\.5\\s+3\\n`))
    expect(table).toMatch(new RegExp(`${waiting}\\s+Queued\\s+0\\.3\\s+3\\n`))
    const json = JSON.parse((await r.run(['exp', 'show', '--json'])).stdout)
    const rows = json[baseline] as Record<string, { data: Record<string, unknown> }>
    const row = (short: string) => Object.entries(rows).find(([rev]) => rev.startsWith(short))![1].data
    expect(row(ok)).toMatchObject({ queued: true, running: false, failed: false, executor: null, name: 'good', metrics: {} })
    expect(row(ok).params).toEqual({ 'params.yaml': { data: { train: { lr: 0.2, epochs: 3 } } } })
    expect(row(ok).timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)

    // run them: 'good' becomes an experiment (its queue row goes), 'bad' fails and stays, marked Failed
    const run = await r.run(['exp', 'run', '--run-all'])
    expect(run.code).toBe(255)
    const after = (await r.run(['exp', 'show', '--no-timestamp'])).stdout
    expect(after).toMatch(/\[good\]\s+-\s+0\.8\s+0\.2/)
    expect(after).not.toMatch(/\[good\]\s+Queued/)
    expect(after).toMatch(new RegExp(`${bad} \\[bad\\]\\s+Failed\\s+-\\s+0\\.5`))
    const afterJson = JSON.parse((await r.run(['exp', 'show', '--json'])).stdout)[baseline] as Record<string, { data: Record<string, unknown> }>
    const failedRow = Object.entries(afterJson).find(([rev]) => rev.startsWith(bad))![1].data
    expect(failedRow).toMatchObject({ queued: true, running: false, failed: true, name: 'bad' })
  })

  it('exp remove --queue clears the queue; exp remove <name|id> removes one entry; nothing is removed unless every name resolves', async () => {
    const r = project()
    expect((await r.run(['exp', 'run', '-S', 'train.lr=0.6', '-n', 'done'])).code).toBe(0)
    const a = await queue(r, '-S', 'train.lr=0.2', '-n', 'qa')
    const b = await queue(r, '-S', 'train.lr=0.3')
    await queue(r, '-S', 'train.lr=0.4', '-n', 'qc')
    expect(expRefs(r)).toHaveLength(1)
    expect(r.git('for-each-ref', 'refs/exps/exec/EXEC_APPLY')).not.toBe('') // no checkpoint stage: queueing keeps the EXEC refs

    const missing = await r.run(['exp', 'remove', 'qa', 'nope'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain("'nope' is not a valid experiment name")
    expect(stash(r)).toHaveLength(3)

    const byName = await r.run(['exp', 'remove', 'qa'])
    expect(byName.code, byName.stderr).toBe(0)
    expect(byName.stdout).toBe('Removed experiments: qa\n')
    const byId = await r.run(['exp', 'remove', b, 'done'])
    expect(byId.code, byId.stderr).toBe(0)
    expect(byId.stdout).toBe(`Removed experiments: done,${(await r.git('rev-parse', b)).slice(0, 40)}\n`)
    expect(expRefs(r)).toEqual([])
    expect((await status(r)).map((e) => e.name)).toEqual(['qc'])
    expect(stash(r).map((l) => l.split(' ')[0].slice(0, 7))).not.toContain(a)

    await queue(r, '-S', 'train.lr=0.7')
    const cleared = await r.run(['exp', 'remove', '--queue'])
    expect(cleared.code, cleared.stderr).toBe(0)
    expect(cleared.stdout).toMatch(/^Removed experiments: qc,[0-9a-f]{40}\n$/)
    expect(stash(r)).toEqual([])
    expect(r.git('for-each-ref', 'refs/exps/stash')).toBe('')
    expect(await status(r)).toEqual([])
  })

  it('exp apply <queued entry> brings its params into the workspace (not .dvc/tmp/repro.dat); --undo takes them back', async () => {
    const r = project()
    const id = await queue(r, '-S', 'train.lr=0.25', '-n', 'later')
    expect(r.read('params.yaml')).toBe('train:\n  lr: 0.1\n  epochs: 3\n')
    const applied = await r.run(['exp', 'apply', 'later'])
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stdout).toContain("Changes for experiment 'later' have been applied to your current workspace.")
    expect(applied.stdout).toContain('modified:   params.yaml')
    expect(applied.stdout).toContain('A queued experiment (not run yet)')
    expect(r.read('params.yaml')).toBe('train:\n  lr: 0.25\n  epochs: 3\n')
    expect(r.exists('.dvc/tmp/repro.dat')).toBe(false)
    expect(r.exists('metrics.json')).toBe(false)
    expect((await status(r)).map((e) => e.state)).toEqual(['queued']) // still queued
    expect((await r.run(['exp', 'apply', '--undo'])).code).toBe(0)
    expect(r.read('params.yaml')).toBe('train:\n  lr: 0.1\n  epochs: 3\n')
    // by id prefix too
    const byId = await r.run(['exp', 'apply', id])
    expect(byId.code, byId.stderr).toBe(0)
    expect(r.read('params.yaml')).toContain('lr: 0.25')
  })
})

// ---- checkpoints in the queue ------------------------------------------------

const PLUGIN = resolve(dirname(fileURLToPath(import.meta.url)), '../packages/plugin-checkpoints')
const NODE_HELPER = pathToFileURL(`${PLUGIN}/dist/make-checkpoint.js`).href
/** A counter in model.txt (the checkpoint output) goes up by one per epoch; it reports where it starts and the lr it saw. */
const TRAIN_CP = `import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { makeCheckpoint } from '${NODE_HELPER}'
let n = existsSync('model.txt') ? Number(readFileSync('model.txt', 'utf8')) : 0
const lr = /lr: *([0-9.]+)/.exec(readFileSync('params.yaml', 'utf8'))[1]
console.log('start=' + n + ' lr=' + lr + ' DVCLIVE_RESUME=' + (process.env.DVCLIVE_RESUME ?? ''))
for (let i = 1; i <= Number(process.env.TRAIN_EPOCHS ?? 2); i++) {
  n++
  writeFileSync('model.txt', n + '\\n')
  writeFileSync('metrics.json', JSON.stringify({ epoch: n, lr: Number(lr) }))
  await makeCheckpoint()
}
`

function checkpointProject(): Repo {
  const r = makeRepo({
    'train.mjs': TRAIN_CP,
    'params.yaml': 'lr: 0.1\n',
    'dvc.yaml': 'stages:\n  train:\n    cmd: node train.mjs\n    deps: [train.mjs]\n    params: [lr]\n    outs:\n    - model.txt:\n        checkpoint: true\n    metrics:\n    - metrics.json:\n        cache: false\n',
  })
  repos.push(r)
  return r
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex')
const modelAt = (r: Repo, sha: string) => /path: model\.txt\n\s+md5: ([0-9a-f]{32})/.exec(r.git('show', `${sha}:dvc.lock`))?.[1]
const chain = (r: Repo, ref: string, baseline: string) => r.git('rev-list', '--first-parent', ref, `^${baseline}`).split('\n').filter(Boolean).reverse()

describe('checkpoint experiments in the queue', () => {
  it('--queue without --rev starts over (the last checkpoint is forgotten at once); --queue --rev <tip> continues that experiment', async () => {
    const r = checkpointProject()
    const baseline = r.git('rev-parse', 'HEAD')
    const first = await r.run(['exp', 'run', '-n', 'cp'])
    expect(first.code, first.stderr).toBe(0)
    const ref = expRefs(r)[0]
    const run1 = chain(r, ref, baseline)
    expect(run1.map((s) => modelAt(r, s))).toEqual([md5('1\n'), md5('2\n')])
    expect(r.git('for-each-ref', 'refs/exps/exec/EXEC_CHECKPOINT')).not.toBe('')

    // continue 'cp' from its tip in the queue
    const cont = await r.run(['exp', 'run', '--queue', '--rev', 'cp'])
    expect(cont.code, cont.stderr).toBe(0)
    expect(cont.stdout).toContain("Existing checkpoint experiment 'cp' will be resumed")
    const [contEntry] = await status(r)
    expect(contEntry).toMatchObject({ rev: run1[1], baseline, branch: ref, name: 'cp' })
    expect(stash(r)[0]).toBe(`${contEntry.id} commit: dvc-exp:${run1[1]}:${baseline}::${ref}`)
    expect(r.git('rev-parse', `${contEntry.id}^`)).toBe(run1[1]) // DVC: the entry's parent is the checkpoint
    expect(r.git('for-each-ref', 'refs/exps/exec/EXEC_CHECKPOINT')).not.toBe('') // --rev keeps the EXEC refs

    // a plain --queue of the checkpoint pipeline: starts over, and forgets the workspace's last checkpoint now
    const fresh = await r.run(['exp', 'run', '--queue', '-n', 'again'])
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(r.git('for-each-ref', 'refs/exps/exec/')).toBe('')

    const all = await r.run(['exp', 'run', '--run-all'])
    expect(all.code, all.stderr).toBe(0)
    expect(all.stdout).toContain('Queue run: 2 reproduced.')
    const run2 = chain(r, ref, baseline)
    expect(run2.slice(0, 2)).toEqual(run1) // the same experiment, continued
    expect(run2.map((s) => modelAt(r, s))).toEqual([1, 2, 3, 4].map((n) => md5(`${n}\n`)))
    const logs = await Promise.all((await status(r)).map((e) => r.run(['queue', 'logs', e.id.slice(0, 7)])))
    expect(logs.some((l) => l.stdout.includes('start=2 lr=0.1 DVCLIVE_RESUME=1'))).toBe(true)
    const againRef = expRefs(r).find((x) => x.endsWith('/again'))!
    expect(chain(r, againRef, baseline).map((s) => modelAt(r, s))).toEqual([md5('1\n'), md5('2\n')]) // reset: counted from 0
    expect(r.read('model.txt')).toBe('2\n') // the workspace was left alone
  })

  it('--temp --rev <older checkpoint> -S forks a new experiment from it; unchanged, it is "nothing to do" when queued', async () => {
    const r = checkpointProject()
    const baseline = r.git('rev-parse', 'HEAD')
    expect((await r.run(['exp', 'run', '-n', 'cp'], { env: { TRAIN_EPOCHS: '3' } })).code).toBe(0)
    const ref = expRefs(r)[0]
    const run1 = chain(r, ref, baseline)

    const nothing = await r.run(['exp', 'run', '--queue', '--rev', run1[0]])
    expect(nothing.code).not.toBe(0)
    expect(nothing.stderr).toContain(`ERROR: Nothing to do for unchanged checkpoint '${run1[0].slice(0, 7)}'.`)
    expect(stash(r)).toEqual([])
    const both = await r.run(['exp', 'run', '--temp', '--rev', run1[0], '--reset'])
    expect(both.stderr).toContain('--reset and --rev are mutually exclusive.')

    const fork = await r.run(['exp', 'run', '--temp', '--rev', run1[0], '-S', 'lr=0.5', '-n', 'forked'])
    expect(fork.code, fork.stderr).toBe(0)
    expect(fork.stdout).toContain("Modified checkpoint experiment based on 'cp' will be created")
    expect(fork.stdout).toContain('start=1 lr=0.5 DVCLIVE_RESUME=1')
    const forked = expRefs(r).find((x) => x.endsWith('/forked'))!
    const commits = r.git('rev-list', '--first-parent', forked, `^${run1[0]}`).split('\n').reverse()
    expect(r.git('rev-parse', `${commits[0]}^`)).toBe(run1[0]) // forked from the checkpoint
    expect(commits.map((s) => modelAt(r, s))).toEqual([md5('2\n'), md5('3\n')])
    expect(r.git('show', `${forked}:params.yaml`)).toBe('lr: 0.5')
    expect(chain(r, ref, baseline)).toEqual(run1) // 'cp' is unchanged
    expect(r.read('params.yaml')).toBe('lr: 0.1\n')
    expect(stash(r)).toEqual([])
  })
})
