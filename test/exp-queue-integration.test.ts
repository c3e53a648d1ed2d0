/**
 * The queue with the other experiment commands, through the CLI: `exp show` lists queued and
 * failed entries, `exp remove` clears the queue or removes one entry, `exp apply` of a queued
 * entry brings its params.
 */
import { afterEach, describe, expect, it } from 'vitest'
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

type Entry = { id: string; name?: string; state: string; rev: string; baseline: string }
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
