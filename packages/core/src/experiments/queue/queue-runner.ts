/**
 * The queue runner: what `exp run --run-all`, `--temp`, a sweep and a queue
 * worker (`trellis.core.runQueue`) run, over any queue backend. The backend
 * stores and dispatches entries (claim / complete / fail / release); this runs
 * them, in this process:
 *
 * - **Claiming.** Entries are claimed one at a time as slots free up (`jobs`
 *   slots), FIFO, from the backend, which makes two claims (here or in another
 *   process, on another machine) never return the same entry. `recover` runs
 *   first, so entries a dead runner left are queued again.
 * - **Running.** Each claimed entry gets a workspace from the
 *   `workspaceProvider` service (the built-in `temp` one: a temporary work
 *   tree under `.dvc/tmp/exps/<id7>-<6 hex>/` linked to the shared cache) and is
 *   core's `runQueueEntry` there (the ordinary `exp run` on a project opened in
 *   that workspace: same hooks and services), its stage output and `#`
 *   progress lines written to the claim's log file. Every ref move goes
 *   through one writer: the backend's `exclusive` (local: the queue lock) in a
 *   promise chain of this process.
 * - **Ending.** Success → `complete` (a throw there fails the entry); failure
 *   → `fail` (the others go on); interruption → `release` (back to queued).
 *   The workspace is removed whatever happened.
 * - **Signals.** SIGINT/SIGTERM go to every running stage's process group;
 *   nothing new is claimed; unfinished entries are released. An entry already
 *   being committed finishes. A claim's own signal (the backend stopping one
 *   run) stops that run's commands only.
 * - **Dedup.** Identical stages of several entries share a run-cache key; the
 *   stage gate (a keyed mutex) makes the second wait and restore.
 * - **Bus.** The state changes become `queueEntryChanged` (core fires them, in
 *   order, all before this returns); `onEvent` sees every event.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { TrellisError } from '../../errors.js'
import { interruptCommands, takeOverSignals } from '../../pipeline/run-command.js'
import type { Project } from '../../project.js'
import type { QueueEntryEvent } from '../../plugin-api/hooks.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { QueueBackend, QueueClaim, QueueEntry, QueueEvent, QueueResult, QueueRunner, RunQueueOptions, RunQueueResult } from '../../plugin-api/queue-backend.js'
import type { WorkspaceProvider } from '../../plugin-api/workspace-provider.js'
import { redactText } from '../../util/redact-url.js'
import { gitRepository } from '../run/exp-run.js'
import { runQueueEntry } from './run-queue-entry.js'
import { KeyedMutex } from './stage-gate.js'

/** Run queued entries of the project's `queue` backend (see the module comment). Never throws for a failed entry. */
export async function runQueue(project: Project, options: RunQueueOptions = {}): Promise<RunQueueResult> {
  return new QueueRun(project, await project.services.get('queue'), options).run()
}

/** This process as a runner. */
function selfRunner(): QueueRunner {
  return { id: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, host: hostname(), pid: process.pid }
}

class QueueRun {
  private readonly runner = selfRunner()
  private readonly gate = new KeyedMutex()
  /** Ends claims waiting for entries and stops claiming (a signal, idle exit, a backend error). */
  private readonly stop = new AbortController()
  private writes: Promise<unknown> = Promise.resolve()
  private fired: Promise<void> = Promise.resolve()
  private interrupted?: NodeJS.Signals
  private fatal?: unknown
  private store!: GitRepository
  private workspaces!: WorkspaceProvider
  private readonly succeeded: QueueEntry[] = []
  private readonly failed: QueueEntry[] = []
  private readonly released: QueueEntry[] = []
  /** Claims made or being made (for `maxJobs`). */
  private claims = 0
  private running = 0
  private lastBusy = Date.now()

  constructor(
    private readonly project: Project,
    private readonly backend: QueueBackend,
    private readonly options: RunQueueOptions,
  ) {}

  private emit(event: QueueEvent): void {
    const fire = (change: Omit<QueueEntryEvent, 'projectRoot'>) => {
      this.fired = this.fired.then(() => this.project.hooks.queueEntryChanged.promise({ projectRoot: this.project.root, ...change }))
    }
    switch (event.type) {
      case 'recovered':
        for (const entry of event.entries) fire({ state: 'queued', entry, reason: 'recovered' })
        break
      case 'start':
        fire({ state: 'running', entry: event.entry, workspace: event.workspace })
        break
      case 'done':
        fire({ state: 'done', entry: event.entry, result: event.result, seconds: event.seconds })
        break
      case 'failed':
        fire({ state: 'failed', entry: event.entry, error: event.error, log: event.log })
        break
      case 'requeued':
        fire({ state: 'queued', entry: event.entry, reason: 'interrupted' })
        break
    }
    this.options.onEvent?.(event)
  }

  /** One ref write at a time: in order within this process, through the backend's `exclusive` across processes. */
  private write<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(() => (this.backend.exclusive ? this.backend.exclusive(work) : work()))
    this.writes = next.catch(() => undefined)
    return next
  }

  async run(): Promise<RunQueueResult> {
    this.store = await gitRepository(this.project)
    this.workspaces = await this.project.services.get('workspaceProvider')
    const recovered = (await this.backend.recover?.()) ?? []
    if (recovered.length) this.emit({ type: 'recovered', entries: recovered })
    const wanted = this.options.ids ? new Set(this.options.ids) : undefined
    const initial = (await this.backend.list()).filter((e) => e.state === 'queued' && (!wanted || wanted.has(e.id)))
    const releaseSignals = takeOverSignals()
    const onSignal = (signal: NodeJS.Signals) => {
      this.interrupted ??= signal
      this.stop.abort()
      interruptCommands(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const slots = Math.max(1, this.options.jobs ?? 1)
      await Promise.all(Array.from({ length: slots }, () => this.slot()))
      await this.writes
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      releaseSignals()
      await this.fired
    }
    if (this.fatal) throw this.fatal
    const done = new Set([...this.succeeded, ...this.failed].map((e) => e.id))
    const now = new Map((await this.backend.list()).map((e) => [e.id, e]))
    const candidates = new Map([...initial, ...this.released].map((e) => [e.id, e]))
    const left = [...candidates.values()].filter((e) => !done.has(e.id) && now.get(e.id)?.state === 'queued').map((e) => now.get(e.id)!)
    const result: RunQueueResult = { succeeded: this.succeeded, failed: this.failed, left }
    if (this.interrupted) result.interrupted = this.interrupted
    return result
  }

  /** One slot: claim an entry, run it, again, until nothing is left (or a stop condition). */
  private async slot(): Promise<void> {
    const max = this.options.once ? 1 : (this.options.maxJobs ?? Infinity)
    const waitMs = this.options.waitMs ?? 0
    const idle = this.options.idleExitMs
    while (!this.stop.signal.aborted && this.claims < max) {
      this.claims++
      let claim: QueueClaim | null
      try {
        claim = await this.backend.claim(this.runner, {
          ids: this.options.ids,
          waitMs: idle === undefined ? waitMs : Math.min(waitMs, idle),
          signal: this.stop.signal,
        })
      } catch (error) {
        this.claims--
        this.fatal ??= error
        this.stop.abort()
        return
      }
      if (!claim) {
        this.claims--
        if (!waitMs || this.stop.signal.aborted) return
        if (idle !== undefined && this.running === 0 && Date.now() - this.lastBusy >= idle) {
          this.stop.abort()
          return
        }
        continue
      }
      if (this.interrupted || this.released.some((e) => e.id === claim.entry.id)) {
        // claimed as the signal arrived, or interrupted once in this run already (a stage
        // killed from outside): straight back, for the next run
        const back = await this.backend.release(claim)
        if (!this.released.some((e) => e.id === back.id)) this.released.push(back)
        return
      }
      this.running++
      try {
        await this.runClaim(claim)
      } catch (error) {
        // the backend failed to record an end (fail, release): stop claiming, let the others finish
        this.fatal ??= error
        this.stop.abort()
      } finally {
        this.running--
        this.lastBusy = Date.now()
      }
    }
  }

  private async runClaim(claim: QueueClaim): Promise<void> {
    const { entry } = claim
    const dir = join(this.project.tmpDir, 'exps', `${entry.id.slice(0, 7)}-${randomBytes(3).toString('hex')}`)
    // the backend's stop for this run (a removed entry) stops its commands only
    const stopRun = new AbortController()
    const onClaimAbort = () => stopRun.abort()
    claim.signal?.addEventListener('abort', onClaimAbort, { once: true })
    if (claim.signal?.aborted) stopRun.abort()
    const logFd = openSync(claim.logFile, 'w')
    /** A line of the entry's log; with `live`, also an event (but not the log's own `#` header lines). */
    const log = (line: string): void => {
      line = redactText(line)
      writeSync(logFd, `${line}\n`)
      if (this.options.live && !line.startsWith('# ')) this.emit({ type: 'log', entry, line })
    }
    const started = Date.now()
    this.emit({ type: 'start', entry, workspace: dir })
    try {
      const request = entry.request
      log(`# queued experiment ${entry.id}${entry.name ? ` '${entry.name}'` : ''}, baseline ${entry.baseline}`)
      if (request?.setParams.length) log(`# -S ${request.setParams.join(' -S ')}`)
      if (request?.targets.length) log(`# targets: ${request.targets.join(' ')}`)
      log(`# workspace: ${dir}`)
      const ws = await this.workspaces.create(this.store, entry, dir)
      const setUp = Date.now()
      log(
        `# set up in ${setUp - started} ms: ${ws.checkout.files} cached file(s) of ${ws.checkout.outputs} output(s) linked from the cache` +
          (ws.checkout.missing.length ? `; not in the cache: ${ws.checkout.missing.join(', ')}` : ''),
      )
      if (entry.rev !== entry.baseline) {
        log(`# resumes checkpoint ${entry.rev}${entry.branch ? ` of ${entry.branch}` : ' (a new experiment from it)'}`)
      }
      const temp = await this.project.openWorkspace(ws.cwd)
      const run = await runQueueEntry(temp, entry, {
        log,
        onWarning: (message) => log(`WARNING: ${message}`),
        stdio: this.options.live ? 'inherit' : logFd,
        stageGate: this.gate,
        signal: stopRun.signal,
        queued: { baseline: entry.baseline, workTree: dir, root: this.project.root, serialize: (work) => this.write(work) },
      })
      const ran = Date.now()
      log(`# reproduced in ${ran - setUp} ms${run.experiment?.checkpoints ? `, ${run.experiment.checkpoints} checkpoint(s)` : ''}`)
      const made = run.experiment
      const result: QueueResult | null = made ? { name: made.name, ref: made.ref, commit: made.commit, reused: made.reused } : null
      const final = await this.backend.complete(claim, result)
      const committed = Date.now() - ran
      log(
        result
          ? `# experiment '${result.name}' (${result.commit})${result.reused ? ', identical to an existing one' : ''}, committed in ${committed} ms`
          : `# nothing changed: no experiment (${committed} ms)`,
      )
      this.succeeded.push(final)
      this.emit({ type: 'done', entry: final, result: final.result ?? result, seconds: (Date.now() - started) / 1000 })
    } catch (caught) {
      const error = asTrellisError(caught)
      if (error.code === 'INTERRUPTED' || this.interrupted || stopRun.signal.aborted) {
        const removed = !!claim.signal?.aborted
        log(removed ? '# stopped: the entry was removed from the queue' : '# interrupted: the entry is back in the queue')
        const back = await this.backend.release(claim).catch((e: unknown) => {
          this.emit({ type: 'warning', message: `cannot put ${entry.id.slice(0, 7)} back in the queue: ${(e as Error).message}` })
          return undefined
        })
        if (!removed) {
          this.released.push(back ?? { ...entry, state: 'queued' })
          this.emit({ type: 'requeued', entry: back ?? { ...entry, state: 'queued' } })
        }
      } else {
        log(`ERROR: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`)
        const failed = await this.backend.fail(claim, { code: error.code, message: redactText(error.message) })
        if (failed.state === 'failed') this.failed.push(failed)
        this.emit({ type: 'failed', entry: failed, error, log: claim.logFile })
      }
    } finally {
      claim.signal?.removeEventListener('abort', onClaimAbort)
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
