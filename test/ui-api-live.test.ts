/**
 * `trellis ui`'s live events for what other processes do (issue 14 item 4): runs
 * and removals from a terminal, git writing refs by hand (checkpoint chains as DVC
 * writes them, packed refs), HEAD moving, the queue filled and run from a terminal,
 * and the log of a running entry streamed to a client that subscribed to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeDvcCheckpoints } from './support/dvc-experiment.js'
import type { Repo } from './support/repo.js'
import { makeUiProject, ok } from './support/ui-project.js'
import { openEvents, startUi, type EventReader, type UiServer } from './support/ui-server.js'

let repo: Repo
let ui: UiServer
let events: EventReader
let head: string
const ref = (name: string, baseline = head) => `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`

beforeAll(async () => {
  repo = await makeUiProject({ first: ['train.lr=0.05'] })
  head = repo.git('rev-parse', 'HEAD')
  ui = await startUi(repo)
  events = await openEvents(ui)
})

afterAll(async () => {
  events?.close()
  await ui?.stop()
  repo?.remove()
})

const count = (event: string, match: (data: any) => boolean) => events.events.filter((e) => e.event === event && match(e.data)).length

describe('trellis ui: events from other processes', () => {
  it('an experiment run in a terminal arrives as an `experiment` event', async () => {
    await ok(repo, ['exp', 'run', '-q', '-n', 'term', '-S', 'train.lr=0.3'])
    const event = await events.next((e) => e.event === 'experiment' && e.data.name === 'term', 'the terminal run')
    expect(event.data).toEqual({ ref: ref('term'), commit: repo.git('rev-parse', ref('term')), baseline: head, name: 'term', checkpoint: false })
  })

  it('a checkpoint chain written by git (as DVC does) arrives commit by commit, the later ones as checkpoints', async () => {
    const steps = writeDvcCheckpoints(repo.dir, {
      name: 'ckpt',
      steps: [0.5, 0.6, 0.7].map((acc) => ({ files: { 'metrics.json': JSON.stringify({ acc }) } })),
    })
    const last = await events.next((e) => e.event === 'experiment' && e.data.commit === steps[2]!.sha, 'the last checkpoint')
    expect(last.data).toMatchObject({ ref: ref('ckpt'), name: 'ckpt', baseline: head })
    // the watcher reports tips it sees: at least the last one; any later one seen is a checkpoint (its parent was the tip before)
    const seen = events.events.filter((e) => e.event === 'experiment' && e.data.ref === ref('ckpt'))
    expect(seen.length).toBeGreaterThanOrEqual(1)
    expect(seen.slice(1).every((e) => e.data.checkpoint === true)).toBe(true)
    expect(new Set(seen.map((e) => e.data.commit)).size).toBe(seen.length) // no tip twice
  })

  it('packing the refs sends nothing; deleting a packed ref sends `removed`', async () => {
    const before = events.events.length
    repo.git('pack-refs', '--all')
    repo.git('update-ref', '-d', ref('first'))
    await events.next((e) => e.event === 'removed' && e.data.ref === ref('first'), 'the removed packed ref')
    expect(events.events.slice(before).map((e) => e.event)).toEqual(['removed'])
  })

  it('a removal from a terminal sends `removed`', async () => {
    await ok(repo, ['exp', 'remove', 'term'])
    await events.next((e) => e.event === 'removed' && e.data.ref === ref('term'), 'the removed experiment')
  })

  it('a git commit moves the baseline', async () => {
    repo.write('notes.txt', 'x\n')
    const moved = repo.commitAll('notes')
    const event = await events.next((e) => e.event === 'baseline' && e.data.rev === moved, 'the new baseline')
    expect(event.data).toEqual({ rev: moved })
    head = moved
  })

  it('the queue filled and run from a terminal: each state, the entry log streamed while it runs, its experiment', async () => {
    await ok(repo, ['exp', 'run', '-q', '--queue', '-n', 'slowly', '-S', 'train.lr=0.25', '-S', 'train.epochs=4'])
    const queued = await events.next((e) => e.event === 'queue' && e.data.entry.name === 'slowly', 'the entry queued from a terminal')
    expect(queued.data.state).toBe('queued')
    const id = queued.data.entry.id
    const logs = await openEvents(ui, `&logs=${id.slice(0, 7)}`)
    try {
      const run = repo.run(['exp', 'run', '--run-all'], { env: { SLEEP_MS: '300' } })
      await logs.next((e) => e.event === 'queue' && e.data.entry.id === id && e.data.state === 'running', 'running')
      await logs.next((e) => e.event === 'log' && e.data.id === id && /epoch 0/.test(e.data.text), 'the first log line')
      const result = await run
      expect(result.code).toBe(0)
      await logs.next((e) => e.event === 'queue' && e.data.entry.id === id && e.data.state === 'done', 'done')
      await logs.next((e) => e.event === 'experiment' && e.data.name === 'slowly', 'its experiment')
      await logs.next((e) => e.event === 'log' && /epoch 3/.test(logs.events.filter((l) => l.event === 'log').map((l) => l.data.text).join('')), 'the whole log')
      const text = logs.events.filter((e) => e.event === 'log').map((e) => e.data.text).join('')
      expect(text).toBe(await ok(repo, ['queue', 'logs', id.slice(0, 7)]))
      // the other client did not subscribe: no log events there
      expect(count('log', () => true)).toBe(0)
    } finally {
      logs.close()
    }
  })

  it('subscribing to the log of an unknown entry is an error, not a silent stream', async () => {
    await expect(openEvents(ui, '&logs=feedbeef')).rejects.toThrow(/answered 404.*EXP_NOT_FOUND/)
  })
})

describe('trellis ui: stopping the server during a queue run', () => {
  it('SIGTERM stops the running entry, puts it back in the queue, and the server exits 0', async () => {
    const stopping = await startUi(repo, [], { env: { SLEEP_MS: '1000' } })
    const stream = await openEvents(stopping)
    try {
      const { body } = await stopping.api('/api/run', { body: { setParams: ['train.lr=0.35', 'train.epochs=30'], name: 'stopped', queue: true } })
      const id = body.queued[0]
      await stopping.api('/api/queue/start', { body: {} })
      await stream.next((e) => e.event === 'queue' && e.data.entry.id === id && e.data.state === 'running', 'running')
      expect(await stopping.stop()).toBe(0)
      const status = JSON.parse(await ok(repo, ['queue', 'status', '--json']))
      expect(status.find((e: any) => e.id === id)).toMatchObject({ name: 'stopped', state: 'queued' })
      expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/exps/')).not.toContain('/stopped')
    } finally {
      stream.close()
      await stopping.stop()
    }
  })
})
