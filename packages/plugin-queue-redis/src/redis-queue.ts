/**
 * The `redis` queue backend: entries are BullMQ jobs, their commits travel through the git
 * remote (`refs/trellis/queue/<id>`) and their data through the DVC remote, so any machine
 * with a clone, the remotes and Redis can run them (`trellis queue worker`, core's queue runner
 * over this backend).
 *
 * - enqueue: Redis reachable? → push the entry refs → push the data the DVC remote lacks →
 *   add the jobs (one MULTI). A failure on the way deletes the refs: neither a job nor a
 *   dangling ref is left.
 * - claim: BullMQ's manual processing (`getNextJob` with this claim's token), then fetch the
 *   entry commit and its deps' data; a fetch that fails fails the job for this attempt (retried
 *   after `retryDelaySeconds` while attempts remain) and the next job is tried. While a claim
 *   lasts its lock is renewed every `lockSeconds / 2`, its log is streamed to Redis and
 *   `queue remove` of it is watched for (the claim's signal is then aborted). A worker that
 *   dies stops renewing: BullMQ's stalled-job check gives the job to another worker.
 * - complete: push the experiment ref and its cached outputs (unless an earlier attempt of the
 *   same entry already pushed that experiment: it is kept, nothing is duplicated), then mark
 *   the job completed; the entry ref is deleted.
 * - fail: mark the job failed with the reason; reasons that may pass (a remote unreachable)
 *   are retried per `attempts`, a failing command is not.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { Queue, UnrecoverableError, Worker } from 'bullmq'
import type { NewQueueEntry, QueueBackend, QueueClaim, QueueEntry, QueueResult, QueueRunner, Trellis } from '@trellis/core/plugin-api'
import { RedisConnection } from './connection.js'
import { ALL_STATES, entryState, jobToEntry, type EntryJob, type EntryJobData, type EntryOutcome, type RunnerInfo } from './entry-job.js'
import { EntryRefs } from './entry-refs.js'
import { followKey, LogPump } from './log-stream.js'
import type { RedisQueueSettings } from './settings.js'

/** Failures that may pass on another attempt (remotes and Redis unreachable). A failing command does not. */
const RETRYABLE = new Set(['GIT_REMOTE_ERROR', 'GIT_AUTH_ERROR', 'REMOTE_TRANSFER_FAILED', 'QUEUE_UNAVAILABLE', 'CACHE_MISSING'])

const PREFIX = 'trellis'

interface ActiveClaim {
  job: EntryJob
  token: string
  runner: RunnerInfo
  pump: LogPump
  timer?: NodeJS.Timeout
  controller: AbortController
  /** `queue remove` asked for it. */
  cancelled: boolean
  /** The lock went to another worker (this one was presumed dead): nothing more is written. */
  lost: boolean
}

/** An orphan: an entry ref without a live job, or a queued job without its entry ref. */
export interface Orphan {
  id: string
  kind: 'ref-without-job' | 'job-without-ref'
  description: string
}

export class RedisQueue implements QueueBackend {
  readonly name = 'redis'
  readonly refs: EntryRefs
  private readonly conn: RedisConnection
  private queueInstance?: Queue<EntryJobData, EntryOutcome, string>
  private worker?: Worker<EntryJobData, EntryOutcome, string>
  private readonly claims = new Map<QueueClaim, ActiveClaim>()
  private claiming: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly trellis: Trellis,
    readonly settings: RedisQueueSettings,
  ) {
    this.conn = new RedisConnection(trellis.core, settings.url, false)
    this.refs = new EntryRefs(trellis, settings.gitRemote)
  }

  get displayUrl(): string {
    return this.conn.displayUrl
  }

  private key(...parts: string[]): string {
    return [PREFIX, this.settings.name, ...parts].join(':')
  }

  private async queue(): Promise<Queue<EntryJobData, EntryOutcome, string>> {
    await this.conn.ready()
    this.queueInstance ??= new Queue<EntryJobData, EntryOutcome, string>(this.settings.name, { connection: this.conn.client, prefix: PREFIX })
    return this.queueInstance
  }

  private warn(message: string): void {
    process.stderr.write(`WARNING: ${this.trellis.core.redactUrl(message)}\n`)
  }

  async enqueue(entry: NewQueueEntry): Promise<QueueEntry> {
    return (await this.enqueueAll([entry]))[0]!
  }

  async enqueueAll(entries: NewQueueEntry[]): Promise<QueueEntry[]> {
    return this.conn.hold(async () => {
      const queue = await this.queue()
      for (const entry of entries) {
        if (await queue.getJob(entry.id)) {
          throw new this.trellis.core.TrellisError('INVALID_ARGUMENT', `entry ${entry.id.slice(0, 7)} is already in the queue`, { hint: 'See `trellis queue status`.' })
        }
      }
      const ids = entries.map((e) => e.id)
      await this.refs.push(ids)
      const created = new Date().toISOString()
      try {
        await this.trellis.core.transferCommitData(this.trellis, 'push', entries.map((e) => ({ commit: e.id, baseline: e.baseline })), { onWarning: (m) => this.warn(m) })
        const delay = this.settings.retryDelaySeconds * 1000
        await queue.addBulk(
          entries.map((entry) => ({
            name: 'entry',
            data: { entry, created },
            opts: { jobId: entry.id, attempts: this.settings.attempts, backoff: { type: 'fixed', delay }, removeOnComplete: false, removeOnFail: false },
          })),
        )
      } catch (error) {
        await this.refs.delete(ids).catch((e: Error) => this.warn(`entry refs left on the git remote: ${e.message} (run \`trellis queue repair\`)`))
        throw this.conn.isConnectionError(error) ? this.conn.unavailable(error) : error
      }
      return entries.map((entry) => ({ ...entry, state: 'queued' as const, created }))
    })
  }

  async list(): Promise<QueueEntry[]> {
    const entries = await this.conn.hold(async () => {
      const queue = await this.queue()
      const out: QueueEntry[] = []
      for (const state of ALL_STATES) {
        const jobs = (await queue.getJobs([state])) as EntryJob[]
        for (const job of jobs) if (job?.data?.entry) out.push(jobToEntry(job, entryState(state)!))
      }
      return out.sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.id.localeCompare(b.id))
    })
    if (this.settings.autoPull) await this.pullFinished(entries)
    return entries
  }

  /** `autoPull`: fetch the experiments of finished entries that are not here yet. */
  private async pullFinished(entries: QueueEntry[]): Promise<void> {
    const repo = await this.trellis.core.gitRepository(this.trellis)
    const names: string[] = []
    for (const e of entries) if (e.state === 'success' && e.result && !(await repo.resolve(e.result.ref))) names.push(e.result.ref)
    if (names.length === 0) return
    try {
      await this.trellis.core.pullExperiments(this.trellis, this.settings.gitRemote, { names, onWarning: (m) => this.warn(m) })
    } catch (error) {
      this.warn(`autoPull: ${(error as Error).message}`)
    }
  }

  async remove(ids: string[]): Promise<void> {
    await this.conn.hold(async () => {
      const queue = await this.queue()
      const running: string[] = []
      for (const id of ids) {
        const job = (await queue.getJob(id)) as EntryJob | undefined
        if (job && (await job.getState()) === 'active') {
          running.push(id)
          await this.conn.client.set(this.key('cancel', id), '1', 'EX', 24 * 3600)
          continue
        }
        if (job) await job.remove()
        await this.conn.client.del(this.key('log', id))
      }
      await this.refs.delete(ids.filter((id) => !running.includes(id)))
      // a running entry is stopped by its worker (it watches for the cancel key), which removes the job
      const deadline = Date.now() + (this.settings.lockSeconds * 2 + 10) * 1000
      for (const id of running) {
        for (;;) {
          const job = await queue.getJob(id)
          if (!job || Date.now() >= deadline) break
          // its worker died and the stalled check queued it again: nobody runs it, remove it here
          // (a job 'failed' is its worker removing it: left to that worker)
          if (entryState(await job.getState()) === 'queued') {
            await job.remove()
            await this.conn.client.del(this.key('log', id), this.key('cancel', id))
            await this.refs.delete([id])
            break
          }
          await new Promise((r) => setTimeout(r, 200))
        }
        if (await queue.getJob(id)) {
          throw new this.trellis.core.TrellisError('INVALID_ARGUMENT', `entry ${id.slice(0, 7)} is running and its worker did not stop it in time`, {
            hint: 'It is stopped as soon as its worker notices; check again with `trellis queue status`.',
          })
        }
      }
    })
  }

  async log(id: string): Promise<string | null> {
    return this.conn.hold(async () => {
      await this.conn.ready()
      return this.conn.client.get(this.key('log', id))
    })
  }

  async followLog(id: string, onText: (text: string) => void, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.conn.hold(async () => {
      const queue = await this.queue()
      const stopped = async () => {
        const job = await queue.getJob(id)
        return !job || (await job.getState()) !== 'active'
      }
      await followKey(this.conn.client, this.key('log', id), onText, stopped, options)
    })
  }

  /** The worker side: a BullMQ worker without a processor (jobs are taken with `getNextJob`), and the stalled-job check. */
  private async workerFor(): Promise<Worker<EntryJobData, EntryOutcome, string>> {
    if (this.worker) return this.worker
    this.conn.makePersistent()
    await this.conn.ready()
    const lockDuration = this.settings.lockSeconds * 1000
    this.worker = new Worker<EntryJobData, EntryOutcome, string>(this.settings.name, null, {
      connection: this.conn.client,
      prefix: PREFIX,
      autorun: false,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: 3,
      drainDelay: 1,
    })
    this.worker.on('error', () => {})
    void this.worker.startStalledCheckTimer()
    return this.worker
  }

  async claim(runner: QueueRunner, options: { ids?: string[]; waitMs?: number; signal?: AbortSignal } = {}): Promise<QueueClaim | null> {
    // one claim at a time per process: the worker has one blocking connection
    const next = this.claiming.then(() => this.claimOne(runner, options))
    this.claiming = next.catch(() => {})
    return next
  }

  private async claimOne(runner: QueueRunner, options: { ids?: string[]; waitMs?: number; signal?: AbortSignal }): Promise<QueueClaim | null> {
    const worker = await this.workerFor()
    const deadline = Date.now() + (options.waitMs ?? 0)
    const wanted = options.ids ? new Set(options.ids) : undefined
    // jobs taken that this claim may not run (not among `ids`, or another run's --temp entry): put back at the end
    const skipped: Array<{ job: EntryJob; token: string }> = []
    try {
      for (;;) {
        if (options.signal?.aborted) return null
        const token = `${runner.id}:${randomUUID()}`
        const wait = (options.waitMs ?? 0) > 0
        let job: EntryJob | undefined
        try {
          job = (await worker.getNextJob(token, { block: wait && skipped.length === 0 })) as EntryJob | undefined
        } catch (error) {
          // Redis restarting: wait it out (the connection reconnects) until the claim's time is up
          if (!this.conn.isConnectionError(error) || Date.now() >= deadline) throw this.conn.unavailable(error)
          await new Promise((r) => setTimeout(r, 250))
          continue
        }
        if (!job) {
          // with skipped jobs held, waiting would keep them from other workers
          if (!wait || skipped.length > 0 || Date.now() >= deadline) return null
          if (!(worker as unknown as { drained?: boolean }).drained) await new Promise((r) => setTimeout(r, 100))
          continue
        }
        const entry = job.data.entry
        if (wanted ? !wanted.has(entry.id) : entry.temp) {
          skipped.push({ job, token })
          continue
        }
        const claim = await this.start(job, token, runner)
        if (claim) return claim
      }
    } finally {
      for (const { job, token } of skipped) await job.moveToWait(token).catch(() => {})
    }
  }

  /** Take a job: fetch its commit and data, then renew its lock, stream its log and watch for `queue remove` while it runs. Null when the fetch failed (the job failed for this attempt). */
  private async start(job: EntryJob, token: string, runner: QueueRunner): Promise<QueueClaim | null> {
    const id = job.data.entry.id
    const info: RunnerInfo = { id: runner.id, host: runner.host, pid: runner.pid, started: new Date().toISOString() }
    await job.updateProgress(info as unknown as object)
    const logKey = this.key('log', id)
    const note = (line: string) => this.conn.client.append(logKey, `${this.trellis.core.redactUrl(line)}\n`)
    const lockMs = this.settings.lockSeconds * 1000
    // renewed while the fetch runs too (a large fetch may outlast the lock)
    const renew = setInterval(() => void job.extendLock(token, lockMs).catch(() => {}), lockMs / 2)
    try {
      await note(`# ${info.started} attempt ${job.attemptsStarted} on ${info.host} (pid ${info.pid}): fetching ${id.slice(0, 7)} from git remote ${this.settings.gitRemote}`)
      await this.refs.fetch(id)
      const moved = await this.trellis.core.transferCommitData(this.trellis, 'fetch', [{ commit: id, baseline: job.data.entry.baseline }], {
        onWarning: (m) => void note(`# WARNING: ${m}`),
      })
      await note(`# data: ${moved.transferred} object(s) fetched from the DVC remote, ${moved.present} already in the cache`)
    } catch (error) {
      const err = error as { code?: string; message?: string }
      const message = this.trellis.core.redactUrl(err.message ?? String(error))
      await note(`# ERROR: ${message}`).catch(() => {})
      const retry = RETRYABLE.has(err.code ?? 'GIT_REMOTE_ERROR') || !err.code
      await job.moveToFailed(retry ? new Error(message) : new UnrecoverableError(message), token, false)
      return null
    } finally {
      clearInterval(renew)
    }
    const dir = join(this.trellis.tmpDir, 'exps', 'redis-queue')
    await mkdir(dir, { recursive: true })
    const logFile = join(dir, `${id}-${token.slice(-8)}.log`)
    const controller = new AbortController()
    const entry: QueueEntry = { ...jobToEntry(job, 'running'), runner: info }
    const claim: QueueClaim = { entry, logFile, signal: controller.signal }
    const active: ActiveClaim = { job, token, runner: info, pump: new LogPump(this.conn.client, logKey, logFile), controller, cancelled: false, lost: false }
    let lastRenew = Date.now()
    active.timer = setInterval(() => {
      void (async () => {
        if (await this.conn.client.exists(this.key('cancel', id))) {
          active.cancelled = true
          controller.abort(new this.trellis.core.TrellisError('INTERRUPTED', 'removed from the queue'))
        }
        if (Date.now() - lastRenew >= lockMs / 2) {
          lastRenew = Date.now()
          if (!(await job.extendLock(token, lockMs))) {
            active.lost = true
            controller.abort(new this.trellis.core.TrellisError('INTERRUPTED', 'the claim was lost (another worker took the entry over)'))
          }
        }
      })().catch(() => {})
    }, 500)
    this.claims.set(claim, active)
    return claim
  }

  /** A line of the entry's log from the backend itself (after what the run wrote so far). */
  private async note(active: ActiveClaim, line: string): Promise<void> {
    await active.pump.flush().catch(() => {})
    await this.conn.client.append(this.key('log', active.job.data.entry.id), `${this.trellis.core.redactUrl(line)}\n`)
  }

  private active(claim: QueueClaim): ActiveClaim {
    const active = this.claims.get(claim)
    if (!active) throw new this.trellis.core.TrellisError('INVALID_ARGUMENT', `entry ${claim.entry.id.slice(0, 7)} is not claimed by this process`)
    return active
  }

  private async finish(claim: QueueClaim, active: ActiveClaim): Promise<void> {
    clearInterval(active.timer)
    this.claims.delete(claim)
    await active.pump.stop().catch(() => {})
    await rm(claim.logFile, { force: true })
  }

  async complete(claim: QueueClaim, result: QueueResult | null): Promise<QueueEntry> {
    const active = this.active(claim)
    const { job, token } = active
    const lockMs = this.settings.lockSeconds * 1000
    if (active.lost || !(await job.extendLock(token, lockMs))) {
      await this.finish(claim, active)
      throw new this.trellis.core.TrellisError('INTERRUPTED', `entry ${claim.entry.id.slice(0, 7)} was taken over by another worker; its result here is not published`)
    }
    let published = result
    if (result) published = await this.publish(active, result)
    await active.pump.flush()
    const outcome: EntryOutcome = { result: published, finished: new Date().toISOString(), runner: active.runner }
    try {
      await job.moveToCompleted(outcome, token, false)
    } catch (error) {
      // the lock expired meanwhile (e.g. Redis was down for longer than lockSeconds): another worker has it now
      active.lost = true
      throw new this.trellis.core.TrellisError('INTERRUPTED', `entry ${claim.entry.id.slice(0, 7)} could not be marked done: ${(error as Error).message}`)
    }
    await this.finish(claim, active)
    await this.refs.delete([claim.entry.id]).catch((e: Error) => this.warn(e.message))
    job.returnvalue = outcome
    job.finishedOn = Date.now()
    return jobToEntry(job, 'success')
  }

  /** Push the experiment, unless an earlier attempt of this entry pushed it already (same name: it is kept). */
  private async publish(active: ActiveClaim, result: QueueResult): Promise<QueueResult> {
    const repo = await this.trellis.core.gitRepository(this.trellis)
    const there = (await repo.listRemoteRefs(this.settings.gitRemote, result.ref)).find((r) => r.ref === result.ref)
    if (there && there.sha !== result.commit) {
      await this.note(active, `# experiment ${result.name} is on the git remote already (an earlier attempt of this entry): kept as ${there.sha.slice(0, 7)}`)
      return { ...result, commit: there.sha, reused: true }
    }
    const warnings: string[] = []
    await this.trellis.core.pushExperiments(this.trellis, this.settings.gitRemote, { names: [result.ref], onWarning: (m) => warnings.push(m) })
    for (const w of warnings) await this.note(active, `# WARNING: ${w}`)
    await this.note(active, `# pushed experiment ${result.name} (${result.commit.slice(0, 7)}) and its data to git remote ${this.settings.gitRemote}`)
    return result
  }

  async fail(claim: QueueClaim, error: { code: string; message: string }): Promise<QueueEntry> {
    const active = this.active(claim)
    const { job, token } = active
    const message = this.trellis.core.redactUrl(error.message)
    const retry = RETRYABLE.has(error.code) && job.attemptsMade + 1 < this.settings.attempts
    await this.note(active, `# attempt ${job.attemptsMade + 1} failed${retry ? `; retried in ${this.settings.retryDelaySeconds} s` : ''}`).catch(() => {})
    if (active.lost) {
      await this.finish(claim, active)
      return { ...claim.entry, state: 'running' }
    }
    try {
      await job.moveToFailed(RETRYABLE.has(error.code) ? new Error(message) : new UnrecoverableError(message), token, false)
    } catch {
      // the lock went to another worker meanwhile: the entry is theirs to finish
      await this.finish(claim, active)
      return { ...claim.entry, state: 'queued' }
    }
    await this.finish(claim, active)
    const state = entryState(await job.getState()) ?? 'failed'
    return { ...jobToEntry(job, state), error: message }
  }

  async release(claim: QueueClaim): Promise<QueueEntry> {
    const active = this.active(claim)
    const { job, token } = active
    const id = claim.entry.id
    if (active.lost) {
      await this.finish(claim, active)
      return { ...claim.entry, state: 'running' }
    }
    if (active.cancelled) {
      await job.moveToFailed(new UnrecoverableError('removed from the queue'), token, false)
      await this.finish(claim, active)
      await job.remove()
      await this.conn.client.del(this.key('log', id), this.key('cancel', id))
      await this.refs.delete([id]).catch((e: Error) => this.warn(e.message))
      return { ...claim.entry, state: 'queued' }
    }
    await active.pump.flush().catch(() => {})
    await job.moveToWait(token)
    await this.finish(claim, active)
    return { ...jobToEntry(job, 'queued'), runner: undefined }
  }

  /**
   * One writer of experiment refs at a time per repository (workers sharing a clone on one
   * machine): a Redis lock keyed by host and git root, released by its holder only.
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const key = this.key('exclusive', createHash('sha1').update(`${hostname()}:${this.trellis.gitRoot}`).digest('hex'))
    const token = randomUUID()
    await this.conn.hold(async () => {
      while (!(await this.conn.client.set(key, token, 'PX', 60_000, 'NX'))) await new Promise((r) => setTimeout(r, 15))
    })
    try {
      return await work()
    } finally {
      await this.conn.hold(() => this.conn.client.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, key, token))
    }
  }

  /** Entry refs without a job (or whose job is done) and queued jobs without their ref. */
  async orphans(): Promise<Orphan[]> {
    const entries = await this.list()
    const refs = await this.refs.list()
    const byId = new Map(entries.map((e) => [e.id, e]))
    const out: Orphan[] = []
    for (const id of refs.keys()) {
      const e = byId.get(id)
      if (!e || e.state === 'success') out.push({ id, kind: 'ref-without-job', description: `entry ref refs/trellis/queue/${id} has no ${e ? 'unfinished ' : ''}job` })
    }
    for (const e of entries) {
      if ((e.state === 'queued' || e.state === 'running') && !refs.has(e.id)) out.push({ id: e.id, kind: 'job-without-ref', description: `${e.state} entry ${e.id.slice(0, 7)} has no ref on the git remote` })
    }
    return out
  }

  /** Resolve orphans: delete refs without jobs; push the ref again of a job whose commit is here, else remove the job. */
  async repair(): Promise<string[]> {
    const done: string[] = []
    const repo = await this.trellis.core.gitRepository(this.trellis)
    const orphans = await this.orphans()
    const refsToDelete = orphans.filter((o) => o.kind === 'ref-without-job').map((o) => o.id)
    await this.refs.delete(refsToDelete)
    for (const id of refsToDelete) done.push(`deleted entry ref refs/trellis/queue/${id}`)
    for (const o of orphans.filter((x) => x.kind === 'job-without-ref')) {
      if (await repo.resolve(o.id)) {
        await this.refs.push([o.id])
        done.push(`pushed entry ref refs/trellis/queue/${o.id} again`)
      } else {
        await this.remove([o.id])
        done.push(`removed entry ${o.id.slice(0, 7)}: its commit is neither on the git remote nor here`)
      }
    }
    return done
  }

  /** End every connection (a worker's last step). */
  async close(): Promise<void> {
    await this.conn.pin(async () => {
      await this.worker?.close().catch(() => {})
      await this.queueInstance?.close().catch(() => {})
      await this.conn.close()
    })
  }
}

