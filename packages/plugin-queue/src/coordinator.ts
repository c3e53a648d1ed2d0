/**
 * The coordinator of a `--run-all` (or `--temp`) run: the process that
 * writes every queue record and every ref, one write at a time (a promise
 * chain in the process, the queue lock across processes), while up to `jobs`
 * entries run at once (p-queue), each in a temporary workspace of its own.
 *
 * Workers run in this process: each entry is core's `runQueueEntry` (the
 * ordinary `exp run` on a project opened in its temp workspace, same hooks and
 * services, so checkpoint stages work there too), its stage commands in
 * process groups of their own, writing to the entry's log. They touch nothing
 * of the main repository but the shared cache (objects, the run-cache) and git
 * objects; every commit of the temp work tree and experiment ref move goes
 * through the coordinator's writer.
 *
 * - Claiming: an entry is marked `running` (pid, process start time,
 *   workspace) before its workspace is made; entries are claimed one at a
 *   time as slots free up, so a second coordinator can share the queue.
 * - Failure: the entry stays in the queue, marked `failed`, with its log;
 *   the others go on.
 * - Ctrl-C / SIGTERM: the signal goes to every running stage's process group,
 *   nothing new starts, unfinished entries go back to `queued`, temp
 *   workspaces are removed. An entry already being committed finishes.
 * - kill -9: records are written atomically, so the next coordinator finds
 *   `running` entries of a dead process, kills what still runs in their
 *   workspaces, removes the workspaces and queues the entries again.
 * - Dedup: identical stages of several entries share a run-cache key; the
 *   stage gate (a keyed mutex) makes the second wait and restore.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import PQueue from 'p-queue'
import {
  TrellisError,
  interruptCommands,
  redactText,
  takeOverSignals,
  type GitRepository,
  type Trellis,
  type QueueEntry,
  type QueueEvent,
  type QueueResult,
  type RunQueueOptions,
  type RunQueueResult,
  type WorkspaceProvider,
} from '@trellis/core'
import { KeyedMutex } from './gate.js'
import type { LocalQueue } from './local-queue.js'
import { STASH_REF } from './local-queue.js'
import { Records, newRecord, runnerAlive, selfRunner, toEntry, type QueueRecord } from './records.js'
import { killProcessesIn, listTempWorkspaces, removeTempWorkspace } from './temp-workspace.js'

export class Coordinator {
  private readonly records: Records
  private readonly gate = new KeyedMutex()
  private writes: Promise<unknown> = Promise.resolve()
  private interrupted?: NodeJS.Signals
  private store!: GitRepository
  private workspaces!: WorkspaceProvider
  private readonly succeeded: QueueEntry[] = []
  private readonly failed: QueueEntry[] = []

  constructor(
    private readonly project: Trellis,
    private readonly queue: LocalQueue,
    private readonly options: RunQueueOptions,
  ) {
    this.records = new Records(project.tmpDir)
  }

  private emit(event: QueueEvent): void {
    this.options.onEvent?.(event)
  }

  /** One write at a time: in order within this process, under the queue lock across processes. */
  private write<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(() => this.records.locked(work))
    this.writes = next.catch(() => undefined)
    return next
  }

  async run(): Promise<RunQueueResult> {
    this.store = await this.project.core.gitRepository(this.project)
    this.workspaces = await this.project.services.get('workspaceProvider')
    const recovered = await this.write(() => this.recover())
    if (recovered.length) this.emit({ type: 'recovered', entries: recovered })
    const wanted = this.options.ids ? new Set(this.options.ids) : undefined
    const entries = (await this.queue.list()).filter((e) => e.state === 'queued' && (!wanted || wanted.has(e.id)))
    const pq = new PQueue({ concurrency: Math.max(1, this.options.jobs ?? 1) })
    const releaseSignals = takeOverSignals()
    const onSignal = (signal: NodeJS.Signals) => {
      this.interrupted ??= signal
      pq.clear()
      interruptCommands(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      for (const entry of entries) void pq.add(() => this.runEntry(entry)).catch(() => undefined)
      await pq.onIdle()
      await this.writes
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      releaseSignals()
    }
    const done = new Set([...this.succeeded, ...this.failed].map((e) => e.id))
    const now = new Map((await this.queue.list()).map((e) => [e.id, e]))
    const left = entries.filter((e) => !done.has(e.id)).map((e) => now.get(e.id) ?? e)
    const result: RunQueueResult = { succeeded: this.succeeded, failed: this.failed, left }
    if (this.interrupted) result.interrupted = this.interrupted
    return result
  }

  /**
   * Under the queue lock, before anything runs: entries left `running` by a
   * dead coordinator go back to the queue (a `--temp` one is dropped), what
   * still runs in their workspaces is killed and the workspaces removed;
   * records and queue entries that lost their other half are tidied.
   */
  private async recover(): Promise<QueueEntry[]> {
    const inQueue = new Set((await this.store.readReflog(STASH_REF)).map((l) => l.sha))
    const recovered: QueueEntry[] = []
    const live = new Set<string>()
    for (const record of this.records.all()) {
      if (record.state === 'running' && record.runner) {
        if (runnerAlive(record.runner)) {
          live.add(record.runner.workspace)
          continue
        }
        const dir = join(this.records.exps, record.runner.workspace)
        killProcessesIn(dir)
        await removeTempWorkspace(dir)
        if (record.temp || !inQueue.has(record.id)) {
          await this.store.dropReflogEntries(STASH_REF, [record.id])
          this.records.remove(record.id)
          continue
        }
        record.state = 'queued'
        delete record.runner
        await this.records.write(record)
        recovered.push(toEntry(record))
      } else if (record.state === 'success' && inQueue.has(record.id)) {
        await this.store.dropReflogEntries(STASH_REF, [record.id])
      } else if ((record.state === 'queued' || record.state === 'failed') && !inQueue.has(record.id)) {
        this.records.remove(record.id)
      }
    }
    for (const name of listTempWorkspaces(this.records.exps)) {
      if (live.has(name)) continue
      const dir = join(this.records.exps, name)
      killProcessesIn(dir)
      await removeTempWorkspace(dir)
    }
    return recovered
  }

  /** Mark the entry running, unless it is gone or someone else has it. */
  private claim(entry: QueueEntry, workspace: string): Promise<QueueRecord | undefined> {
    return this.write(async () => {
      const inQueue = (await this.store.readReflog(STASH_REF)).some((l) => l.sha === entry.id)
      if (!inQueue) return undefined
      const record = this.records.read(entry.id) ?? newRecord(entry)
      if (record.state !== 'queued' && !(record.state === 'running' && record.runner && !runnerAlive(record.runner))) return undefined
      record.state = 'running'
      record.runner = selfRunner(workspace)
      record.attempts++
      delete record.error
      await this.records.write(record)
      return record
    })
  }

  private async runEntry(entry: QueueEntry): Promise<void> {
    if (this.interrupted) return
    const workspace = `${entry.id.slice(0, 7)}-${randomBytes(3).toString('hex')}`
    const record = await this.claim(entry, workspace)
    if (!record) return
    const dir = join(this.records.exps, workspace)
    const logFd = openSync(this.records.logFile(entry.id), 'w')
    /** A line of the entry's log; with `live`, also an event (but not the log's own `#` header lines). */
    const log = (line: string): void => {
      line = redactText(line)
      writeSync(logFd, `${line}\n`)
      if (this.options.live && !line.startsWith('# ')) this.emit({ type: 'log', entry: toEntry(record), line })
    }
    const started = Date.now()
    this.emit({ type: 'start', entry: toEntry(record), workspace: dir })
    try {
      const request = record.request
      log(`# queued experiment ${entry.id}${record.name ? ` '${record.name}'` : ''}, baseline ${record.baseline}`)
      if (request?.setParams.length) log(`# -S ${request.setParams.join(' -S ')}`)
      if (request?.targets.length) log(`# targets: ${request.targets.join(' ')}`)
      log(`# workspace: ${dir}`)
      const ws = await this.workspaces.create(this.store, record, dir)
      const setUp = Date.now()
      log(
        `# set up in ${setUp - started} ms: ${ws.checkout.files} cached file(s) of ${ws.checkout.outputs} output(s) linked from the cache` +
          (ws.checkout.missing.length ? `; not in the cache: ${ws.checkout.missing.join(', ')}` : ''),
      )
      if (record.rev !== record.baseline) {
        log(`# resumes checkpoint ${record.rev}${record.branch ? ` of ${record.branch}` : ' (a new experiment from it)'}`)
      }
      const temp = await this.project.openWorkspace(ws.cwd)
      const run = await this.project.core.runQueueEntry(temp, toEntry(record), {
        log,
        onWarning: (message) => log(`WARNING: ${message}`),
        stdio: this.options.live ? 'inherit' : logFd,
        stageGate: this.gate,
        queued: { baseline: record.baseline, workTree: dir, root: this.project.root, serialize: (work) => this.write(work) },
      })
      const ran = Date.now()
      log(`# reproduced in ${ran - setUp} ms${run.experiment?.checkpoints ? `, ${run.experiment.checkpoints} checkpoint(s)` : ''}`)
      const made = run.experiment
      const final = await this.write(async () => {
        const result: QueueResult | null = made ? { name: made.name, ref: made.ref, commit: made.commit, reused: made.reused } : null
        const current = this.records.read(entry.id) ?? record
        current.state = 'success'
        current.result = result
        current.finished = new Date().toISOString()
        delete current.runner
        await this.records.write(current)
        await this.store.dropReflogEntries(STASH_REF, [entry.id])
        return current
      })
      const result = final.result ?? null
      const committed = Date.now() - ran
      log(
        result
          ? `# experiment '${result.name}' (${result.commit})${result.reused ? ', identical to an existing one' : ''}, committed in ${committed} ms`
          : `# nothing changed: no experiment (${committed} ms)`,
      )
      this.succeeded.push(toEntry(final))
      this.emit({ type: 'done', entry: toEntry(final), result, seconds: (Date.now() - started) / 1000 })
    } catch (caught) {
      const error = asTrellisError(caught)
      if (error.code === 'INTERRUPTED' || this.interrupted) {
        log(`# interrupted: the entry is back in the queue`)
        const back = await this.write(async () => {
          const current = this.records.read(entry.id)
          if (current?.state === 'running') {
            current.state = 'queued'
            delete current.runner
            await this.records.write(current)
          }
          return current
        }).catch(() => undefined)
        this.emit({ type: 'requeued', entry: toEntry(back ?? record) })
      } else {
        log(`ERROR: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`)
        const failed = await this.write(async () => {
          const current = this.records.read(entry.id) ?? record
          current.state = 'failed'
          current.error = redactText(error.message)
          current.finished = new Date().toISOString()
          delete current.runner
          await this.records.write(current)
          return current
        })
        this.failed.push(toEntry(failed))
        this.emit({ type: 'failed', entry: toEntry(failed), error, log: this.records.logFile(entry.id) })
      }
    } finally {
      closeSync(logFd)
      try {
        await this.workspaces.remove(dir)
      } catch (error) {
        this.emit({ type: 'warning', message: `cannot remove '${dir}': ${(error as Error).message}` })
      }
    }
  }
}

function asTrellisError(error: unknown): TrellisError {
  if (error instanceof TrellisError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new TrellisError('STAGE_FAILED', message, { cause: error })
}
