/**
 * Core's queue runner (`trellis.core.runQueue`) over a backend that stops a run when its entry
 * is removed, as a remote backend does: the claim's signal stops that run's commands only, the
 * entry is released (and gone) with nothing recorded for it, the other run goes on.
 * The backend is the local one with that one addition (a second implementation of the
 * contract, registered by a plugin of the test). Also: a worker's idle exit.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openProject, queueExperiment, runtimeApi, type Project, type QueueBackend, type QueueClaim, type QueueEntry, type QueueEntryEvent, type QueueRunner, type Trellis, type TrellisPlugin } from '@trellis/core'
import { gitRefsPlugin } from '@trellis/plugin-git-refs'
import { LocalQueue, tempWorkspaceProvider } from '@trellis/plugin-queue'
import { contractRepo } from './contracts/queue-backend-contract.js'

/**
 * The local backend, except that `remove` of a running entry stops its run (aborts its claim's
 * signal) and forgets the entry once the runner released it, as a remote backend does.
 */
class StoppableQueue implements QueueBackend {
  readonly name = 'stoppable'
  private readonly stops = new Map<string, AbortController>()
  private readonly inner: LocalQueue

  constructor(trellis: Trellis) {
    this.inner = new LocalQueue(trellis)
  }

  async remove(ids: string[]): Promise<void> {
    const running = ids.filter((id) => this.stops.has(id))
    for (const id of running) this.stops.get(id)!.abort()
    await this.inner.remove(ids.filter((id) => !this.stops.has(id)))
  }

  async release(claim: QueueClaim): Promise<QueueEntry> {
    const entry = await this.inner.release(claim)
    if (claim.signal?.aborted) await this.inner.remove([claim.entry.id])
    this.stops.delete(claim.entry.id)
    return entry
  }

  enqueue = (...args: Parameters<LocalQueue['enqueue']>) => this.inner.enqueue(...args)
  list = () => this.inner.list()
  recover = () => this.inner.recover()
  complete = (claim: QueueClaim, result: Parameters<LocalQueue['complete']>[1]) => this.inner.complete(claim, result).finally(() => this.stops.delete(claim.entry.id))
  fail = (claim: QueueClaim, error: Parameters<LocalQueue['fail']>[1]) => this.inner.fail(claim, error).finally(() => this.stops.delete(claim.entry.id))
  exclusive = <T>(work: () => Promise<T>) => this.inner.exclusive(work)
  log = (id: string) => this.inner.log(id)

  async claim(runner: QueueRunner, options?: { ids?: string[]; waitMs?: number; signal?: AbortSignal }): Promise<QueueClaim | null> {
    const claim = await this.inner.claim(runner, options)
    if (!claim) return null
    const stop = new AbortController()
    this.stops.set(claim.entry.id, stop)
    return { ...claim, signal: stop.signal }
  }
}

const stoppablePlugin: TrellisPlugin = {
  name: 'stoppable-queue',
  apply(trellis) {
    trellis.services.register('queue', 'stoppable', () => new StoppableQueue(trellis))
    trellis.services.register('workspaceProvider', 'temp', () => tempWorkspaceProvider(trellis))
  },
}

/** Stage `train` says it started (a file in $SIGNAL_DIR), then waits for `go-<lr>` there. */
const RUN_SH = `lr=$(sed -n 's/^lr: //p' params.yaml)
touch "$SIGNAL_DIR/started-$lr"
while [ ! -e "$SIGNAL_DIR/go-$lr" ]; do sleep 0.05; done
touch "$SIGNAL_DIR/finished-$lr"
cp params.yaml out.txt
`

describe('queue runner', () => {
  const dirs: string[] = []
  afterAll(() => {
    delete process.env.SIGNAL_DIR
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }))
  })

  async function project(): Promise<Project> {
    const dir = await contractRepo(dirs)
    writeFileSync(join(dir, 'run.sh'), RUN_SH)
    writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  train:\n    cmd: sh run.sh\n    deps: [run.sh]\n    params: [lr]\n    outs: [out.txt]\n')
    execFileSync('git', ['add', '-A'], { cwd: dir })
    execFileSync('git', ['commit', '-qm', 'waiting stage'], { cwd: dir })
    return openProject(dir, { defaultPlugins: async () => [gitRefsPlugin, stoppablePlugin] })
  }

  async function appeared(path: string): Promise<void> {
    while (!existsSync(path)) await new Promise((resolve) => setTimeout(resolve, 20))
  }

  it("removing a running entry stops that run only (its claim's signal): released and gone; the other run finishes", async () => {
    const signals = mkdtempSync(join(tmpdir(), 'trellis-runner-signals-'))
    dirs.push(signals)
    process.env.SIGNAL_DIR = signals
    const p = await project()
    const backend = (await p.services.get('queue')) as StoppableQueue
    const a = (await queueExperiment(p, { setParams: ['lr=2'], name: 'stopped' })).entry
    const b = (await queueExperiment(p, { setParams: ['lr=3'], name: 'kept' })).entry
    const changes: Array<[string, string]> = []
    p.hooks.queueEntryChanged.tap('test', (e: QueueEntryEvent) => void changes.push([e.entry.id, e.state]))
    const running = runtimeApi.runQueue(p, { jobs: 2 })
    await appeared(join(signals, 'started-2'))
    await appeared(join(signals, 'started-3'))
    await backend.remove([a.id])
    // A's stage waits forever for go-2: only the stop ends it. B goes on once told to.
    writeFileSync(join(signals, 'go-3'), '')
    const result = await running
    expect(result.succeeded.map((e) => [e.id, e.result?.name])).toEqual([[b.id, 'kept']])
    expect(result.failed).toEqual([])
    expect(result.interrupted).toBeUndefined()
    expect(existsSync(join(signals, 'finished-2'))).toBe(false)
    expect((await backend.list()).map((e) => e.id)).toEqual([b.id])
    // A: running, then nothing (the backend that stopped it says what became of it)
    expect(changes.filter(([id]) => id === a.id).map(([, state]) => state)).toEqual(['running'])
    expect(changes.filter(([id]) => id === b.id).map(([, state]) => state)).toEqual(['running', 'done'])
    const store = await p.services.get('gitRepository')
    expect(await store.resolve(result.succeeded[0].result!.ref)).toBe(result.succeeded[0].result!.commit)
    expect(existsSync(join(p.tmpDir, 'exps'))).toBe(true)
    expect(execFileSync('ls', [join(p.tmpDir, 'exps')], { encoding: 'utf8' }).split('\n').filter((n) => /^[0-9a-f]{7}-/.test(n))).toEqual([])
  })

  it('a worker (waitMs) with idleExitMs stops once nothing came for that long', async () => {
    const p = await project()
    const result = await runtimeApi.runQueue(p, { waitMs: 600_000, idleExitMs: 200 })
    expect(result).toEqual({ succeeded: [], failed: [], left: [] })
  })
})
