/**
 * `trellis ui`'s actions, against the real server started by the built CLI: run
 * and queue (sweeps included), the queue run in the background with its events and
 * logs, queue removal, apply (the refusal naming the paths, then force), branch,
 * remove and push — each checked against the repository and the CLI's view of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Repo } from './support/repo.js'
import { makeUiProject, ok } from './support/ui-project.js'
import { openEvents, startUi, type EventReader, type UiServer } from './support/ui-server.js'

let repo: Repo
let ui: UiServer
let events: EventReader
let head: string
let scratch: string
const ref = (name: string) => `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/${name}`

beforeAll(async () => {
  repo = await makeUiProject({ slow: ['train.lr=0.05'], fast: ['train.lr=0.3'] })
  head = repo.git('rev-parse', 'HEAD')
  scratch = mkdtempSync(join(tmpdir(), 'trellis-ui-remote-'))
  repo.git('init', '-q', '--bare', join(scratch, 'origin.git'))
  repo.git('remote', 'add', 'origin', join(scratch, 'origin.git'))
  // left uncommitted: HEAD stays the experiments' baseline
  await ok(repo, ['remote', 'add', '-d', 'storage', join(scratch, 'dvc-storage')])
  ui = await startUi(repo)
  events = await openEvents(ui)
})

afterAll(async () => {
  events?.close()
  await ui?.stop()
  repo?.remove()
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

describe('trellis ui: run and the queue', () => {
  let queued: string

  it('POST /api/run {queue: true} queues an entry as `exp run --queue` does', async () => {
    const { status, body } = await ui.api('/api/run', { body: { setParams: ['train.lr=0.2'], name: 'mid', queue: true } })
    expect(status).toBe(202)
    expect(body).toEqual({ queued: [expect.stringMatching(/^[0-9a-f]{40}$/)], started: false })
    queued = body.queued[0]
    const cli = JSON.parse(await ok(repo, ['queue', 'status', '--json']))
    expect(cli.map((e: any) => [e.id, e.name, e.state, e.request.setParams])).toEqual([[queued, 'mid', 'queued', ['train.lr=0.2']]])
    const event = await events.next((e) => e.event === 'queue' && e.data.entry.id === queued, 'the queued event')
    expect(event.data.state).toBe('queued')
  })

  it('POST /api/run with a sweep queues one entry per combination', async () => {
    const { status, body } = await ui.api('/api/run', { body: { setParams: ['train.lr=choice(0.15,0.25)'], name: 'sw', queue: true, sweep: true } })
    expect(status).toBe(202)
    expect(body.queued).toHaveLength(2)
    expect(body.sweep).toMatch(/^[0-9a-f]{8,}$/)
    const { body: queue } = await ui.api('/api/queue')
    const sweep = queue.entries.filter((e: any) => e.sweep === body.sweep)
    expect(sweep.map((e: any) => [e.name, e.setParams])).toEqual([
      ['sw-1', ['train.lr=0.15']],
      ['sw-2', ['train.lr=0.25']],
    ])
  })

  it('POST /api/run with a bad -S is the CLI error, and queues nothing', async () => {
    const before = (await ui.api('/api/queue')).body.entries.length
    const { status, body } = await ui.api('/api/run', { body: { setParams: ['train.nope=1'], queue: true } })
    const cli = await repo.run(['exp', 'run', '--queue', '-S', 'train.nope=1'])
    expect(status).toBe(400)
    expect(body.error.code).toBe('PARAMS_INVALID')
    expect(cli.stderr).toBe(`ERROR: ${body.error.message}\n  hint: ${body.error.hint}\n`)
    expect((await ui.api('/api/queue')).body.entries).toHaveLength(before)
  })

  it('POST /api/queue/remove removes queued entries (by id prefix); an unknown one is EXP_NOT_FOUND', async () => {
    const { body: queue } = await ui.api('/api/queue')
    const sw2 = queue.entries.find((e: any) => e.name === 'sw-2')
    const { status, body } = await ui.api('/api/queue/remove', { body: { ids: [sw2.id.slice(0, 8)] } })
    expect(status).toBe(200)
    expect(body).toEqual({ removed: [sw2.id] })
    await events.next((e) => e.event === 'queue' && e.data.entry.id === sw2.id && e.data.state === 'removed', 'the removed entry')
    const missing = await ui.api('/api/queue/remove', { body: { ids: ['feedbeef'] } })
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('EXP_NOT_FOUND')
  })

  it('POST /api/queue/start runs the queue in the background; the page hears each state, each experiment once, and the end', async () => {
    const { status, body } = await ui.api('/api/queue/start', { body: { jobs: 2 } })
    expect(status).toBe(202)
    expect(body).toEqual({ started: true })
    const done = await events.next((e) => e.event === 'queue' && e.data.entry.id === queued && e.data.state === 'done', 'mid done')
    expect(done.data.entry.result).toMatchObject({ name: 'mid', ref: ref('mid') })
    await events.next((e) => e.event === 'queue' && e.data.entry.name === 'sw-1' && e.data.state === 'done', 'sw-1 done')
    await events.next((e) => e.event === 'run' && e.data.kind === 'queue' && e.data.state === 'finished', 'the end of the run')
    expect(events.events.filter((e) => e.event === 'queue' && e.data.entry.id === queued).map((e) => e.data.state)).toEqual(['queued', 'running', 'done'])
    const made = events.events.filter((e) => e.event === 'experiment' && e.data.ref === ref('mid'))
    expect(made).toHaveLength(1) // from the hook bus; the ref watcher saw the same tip and kept quiet
    expect(made[0]!.data).toEqual({ ref: ref('mid'), commit: repo.git('rev-parse', ref('mid')), baseline: head, name: 'mid', checkpoint: false })
    const show = JSON.parse(await ok(repo, ['exp', 'show', '--json']))
    const mid = Object.values(show[head]).find((r: any) => r.data.name === 'mid') as any
    expect(mid.data.params['params.yaml'].data.train.lr).toBe(0.2)
  })

  it('GET /api/queue/:id/log gives the finished entry its log, as `queue logs` prints it', async () => {
    const { body } = await ui.api(`/api/queue/${queued}/log`)
    expect(body.text).toContain('epoch 2')
    expect(body.text).toBe(await ok(repo, ['queue', 'logs', queued.slice(0, 7)]))
  })

  it('POST /api/run {queue: false} runs in the workspace in the background, like `exp run`', async () => {
    const { status, body } = await ui.api('/api/run', { body: { setParams: ['train.lr=0.4'], name: 'here', queue: false } })
    expect(status).toBe(202)
    expect(body).toEqual({ queued: [], started: true })
    const end = await events.next((e) => e.event === 'run' && e.data.kind === 'workspace' && e.data.state !== 'started', 'the end of the workspace run')
    expect(end.data).toEqual({ kind: 'workspace', state: 'finished', experiment: 'here' })
    await events.next((e) => e.event === 'experiment' && e.data.name === 'here', 'its experiment')
    expect(JSON.parse(repo.read('metrics.json'))).toEqual({ acc: 0.9, loss: 0.4545 }) // results left in the workspace, as `exp run` does
  })

  it('POST /api/run {queue: false} with a taken name is refused before anything runs', async () => {
    const { status, body } = await ui.api('/api/run', { body: { setParams: ['train.lr=0.45'], name: 'here', queue: false } })
    expect(status).toBe(409)
    expect(body.error.code).toBe('EXP_EXISTS')
  })
})

describe('trellis ui: apply, branch, remove, push', () => {
  it('POST /api/apply refuses to overwrite uncommitted changes, naming the paths (409); force applies', async () => {
    repo.write('params.yaml', 'train:\n  lr: 0.7\n  epochs: 3\n')
    const refused = await ui.api('/api/apply', { body: { exp: 'fast' } })
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('EXP_APPLY_CONFLICT')
    expect(refused.body.error.paths).toContain('params.yaml')
    expect(repo.read('params.yaml')).toContain('lr: 0.7') // nothing changed
    const forced = await ui.api('/api/apply', { body: { exp: 'fast', force: true } })
    expect(forced.status).toBe(200)
    expect(forced.body).toMatchObject({ exp: 'fast', commit: repo.git('rev-parse', ref('fast')), overwritten: expect.arrayContaining(['params.yaml']) })
    expect(repo.read('params.yaml')).toContain('lr: 0.3')
  })

  it('POST /api/branch makes a git branch at the experiment; the same name again is refused', async () => {
    const { status, body } = await ui.api('/api/branch', { body: { exp: 'slow', branch: 'from-slow' } })
    expect(status).toBe(200)
    expect(body).toEqual({ branch: 'from-slow', commit: repo.git('rev-parse', ref('slow')) })
    expect(repo.git('rev-parse', 'refs/heads/from-slow')).toBe(body.commit)
    const again = await ui.api('/api/branch', { body: { exp: 'slow', branch: 'from-slow' } })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('GIT_BRANCH_EXISTS')
  })

  it('POST /api/push pushes to a configured git remote; a URL or path is refused', async () => {
    const { status, body } = await ui.api('/api/push', { body: { remote: 'origin', exps: ['fast'] } })
    expect(status).toBe(200)
    expect(body.pushed).toEqual(['fast'])
    expect(repo.git('ls-remote', 'origin', ref('fast'))).toContain(repo.git('rev-parse', ref('fast')))
    const url = await ui.api('/api/push', { body: { remote: join(scratch, 'origin.git'), exps: ['fast'] } })
    expect(url.status).toBe(400)
    expect(url.body.error.code).toBe('UI_BAD_REQUEST')
    expect(url.body.error.message).toContain('is not a git remote of this repository (origin)')
  })

  it('POST /api/remove removes experiments as `exp remove` does; the page hears it', async () => {
    const { status, body } = await ui.api('/api/remove', { body: { exps: ['slow'] } })
    expect(status).toBe(200)
    expect(body).toEqual({ removed: ['slow'] })
    expect(() => repo.git('rev-parse', '--verify', '-q', ref('slow'))).toThrow()
    await events.next((e) => e.event === 'removed' && e.data.ref === ref('slow'), 'the removed ref')
    const missing = await ui.api('/api/remove', { body: { exps: ['nope'] } })
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('EXP_NOT_FOUND')
  })
})
