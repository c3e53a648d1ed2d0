/**
 * Durable queue records: one JSON file per entry under
 * `.dvc/tmp/exps/queue/<id>.json` (written atomically: temp file + rename),
 * the entry's log beside it (`<id>.log`), and the queue lock
 * (`.dvc/tmp/exps/queue.lock`, a flock like the project lock: released by the
 * kernel when its holder dies). Every change to records or to the queue's refs happens under
 * that lock, one at a time, in one process at a time (and, within a process, in the order
 * asked: a promise chain per `Records`).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { QueueEntry, QueueRequest, QueueResult, QueueRunner, QueueState, TrellisCore } from '@trellis/core/plugin-api'

/** What a record file holds (a QueueEntry minus what the reflog says, plus bookkeeping). */
export interface QueueRecord {
  version: 1
  id: string
  name?: string
  baseline: string
  rev: string
  /** `--rev` continuing an experiment: its ref. */
  branch?: string
  state: QueueState
  created: string
  finished?: string
  request?: QueueRequest
  paramsFiles: string[]
  runner?: Runner
  error?: string
  result?: QueueResult | null
  temp?: boolean
  /** The sweep the entry belongs to (`exp run` of a sweep). */
  sweep?: string
  /** Runs started (a kill -9 or Ctrl-C puts the entry back with its count). */
  attempts: number
}

export interface Runner {
  /** The runner's id ({@link QueueRunner}); absent in records of older versions. */
  id?: string
  pid: number
  host: string
  /** Start time of the process (clock ticks since boot, from /proc), to tell a reused pid. */
  token?: string
  /** Directory name of the temp workspace under `.dvc/tmp/exps/` (records of older versions; the runner now names it `<id7>-<6 hex>`). */
  workspace?: string
  started: string
}

export class Records {
  readonly dir: string
  readonly exps: string
  private chain: Promise<unknown> = Promise.resolve()

  constructor(
    tmpDir: string,
    private readonly core: Pick<TrellisCore, 'ProjectLock' | 'writeFileAtomic' | 'writeFileAtomicSync'>,
  ) {
    this.exps = join(tmpDir, 'exps')
    this.dir = join(this.exps, 'queue')
  }

  file(id: string): string {
    return join(this.dir, `${id}.json`)
  }

  logFile(id: string): string {
    return join(this.dir, `${id}.log`)
  }

  read(id: string): QueueRecord | undefined {
    try {
      const data = JSON.parse(readFileSync(this.file(id), 'utf8')) as QueueRecord
      return data && data.id === id ? data : undefined
    } catch {
      return undefined
    }
  }

  all(): QueueRecord[] {
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch {
      return []
    }
    const out: QueueRecord[] = []
    for (const name of names) {
      const m = /^([0-9a-f]{40})\.json$/.exec(name)
      if (!m) continue
      const record = this.read(m[1])
      if (record) out.push(record)
    }
    return out
  }

  async write(record: QueueRecord): Promise<void> {
    await this.core.writeFileAtomic(this.file(record.id), `${JSON.stringify(record, null, 2)}\n`)
  }

  /** `write` in the calling thread (many records in a row: a sweep). */
  writeSync(record: QueueRecord): void {
    this.core.writeFileAtomicSync(this.file(record.id), `${JSON.stringify(record, null, 2)}\n`)
  }

  remove(id: string): void {
    rmSync(this.file(id), { force: true })
    rmSync(this.logFile(id), { force: true })
  }

  /** The queue lock, held for the duration of `work` (after the earlier `locked` work of this process). Not reentrant. */
  locked<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      const lock = new this.core.ProjectLock(join(this.exps, 'queue.lock'), `trellis queue (pid ${process.pid})`)
      await lock.acquire()
      try {
        return await work()
      } finally {
        await lock.release()
      }
    })
    this.chain = next.catch(() => undefined)
    return next
  }
}

/** A fresh `queued` record for an entry (one core just made, or one DVC queued without a record). */
export function newRecord(entry: Pick<QueueEntry, 'id' | 'name' | 'baseline' | 'rev' | 'branch' | 'paramsFiles' | 'request' | 'created' | 'temp' | 'sweep'>): QueueRecord {
  const record: QueueRecord = {
    version: 1,
    id: entry.id,
    name: entry.name,
    baseline: entry.baseline,
    rev: entry.rev,
    state: 'queued',
    created: entry.created ?? new Date().toISOString(),
    paramsFiles: entry.paramsFiles,
    attempts: 0,
  }
  if (entry.branch) record.branch = entry.branch
  if (entry.request) record.request = entry.request
  if (entry.temp) record.temp = true
  if (entry.sweep) record.sweep = entry.sweep
  return record
}

export function toEntry(record: QueueRecord): QueueEntry {
  const entry: QueueEntry = {
    id: record.id,
    name: record.name,
    baseline: record.baseline,
    rev: record.rev,
    state: record.state,
    created: record.created,
    paramsFiles: record.paramsFiles,
  }
  if (record.branch) entry.branch = record.branch
  if (record.finished) entry.finished = record.finished
  if (record.request) entry.request = record.request
  if (record.runner) {
    const { id, pid, host, started } = record.runner
    entry.runner = { id: id ?? `${host}:${pid}`, host, pid, started }
  }
  if (record.attempts) entry.attempts = record.attempts
  if (record.error) entry.error = record.error
  if (record.result !== undefined) entry.result = record.result
  if (record.temp) entry.temp = true
  if (record.sweep) entry.sweep = record.sweep
  return entry
}

/** A claiming runner as recorded: with the start-time token of its process when it runs on this machine. */
export function recordRunner(runner: QueueRunner): Runner {
  const token = runner.host === hostname() ? processToken(runner.pid) : undefined
  return { id: runner.id, pid: runner.pid, host: runner.host, ...(token ? { token } : {}), started: new Date().toISOString() }
}

/**
 * The fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, …: field 3 of
 * proc(5) is index 0), or undefined where /proc is not there or the process is gone.
 */
export function procStat(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** The start time of a process (field 22 of /proc/<pid>/stat), or undefined where /proc is not there. */
export function processToken(pid: number): string | undefined {
  return procStat(pid)?.[19]
}

/** Whether the runner's process still runs (a pid reused by another process does not count). */
export function runnerAlive(runner: Runner): boolean {
  if (runner.host !== hostname()) return true // another machine's: assume it lives
  try {
    process.kill(runner.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (isZombie(runner.pid)) return false
  const token = processToken(runner.pid)
  return runner.token === undefined || token === undefined || token === runner.token
}

/** A process that exited but was not reaped (its parent, or a container's init, never waited for it). */
export function isZombie(pid: number): boolean {
  return procStat(pid)?.[0] === 'Z'
}
