/**
 * The local queue backend: entries in DVC's queue (the reflog of
 * `refs/exps/stash`, message `commit: dvc-exp:<rev>:<baseline>:<name>`) with
 * a record per entry for its state, request and log (records.ts). Runners on
 * this machine (core's queue runner: `--run-all`, `--temp`, a worker) claim
 * entries under the queue lock, which is also `exclusive`: the single writer of
 * records, of `refs/exps/stash` and of the experiment refs queued runs make.
 * `recover` puts back what a dead runner left running (and kills what still
 * runs in its temp workspaces). A running entry cannot be removed (the runner
 * is the user's own process: Ctrl-C puts its entries back).
 */
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type {
  GitRepository,
  NewQueueEntry,
  QueueBackend,
  QueueClaim,
  QueueEntry,
  QueueResult,
  QueueRunner,
  ReflogEntry,
  Trellis,
} from '@trellis/core/plugin-api'
import { Records, newRecord, recordRunner, runnerAlive, toEntry, type QueueRecord } from './records.js'
import { killProcessesIn, listTempWorkspaces, removeTempWorkspace } from './temp-workspace.js'

/** DVC's queue ref: its reflog is the queue, newest entry last in the file. */
export const STASH_REF = 'refs/exps/stash'

/** How often a claim that waits (`waitMs`) looks at the queue again. */
const CLAIM_POLL_MS = 200

export class LocalQueue implements QueueBackend {
  readonly name = 'local'
  private readonly records: Records

  /** @param project the project whose queue this is (the `trellis` the plugin was applied to) */
  constructor(private readonly project: Trellis) {
    this.records = new Records(project.tmpDir, project.core)
  }

  private store(): Promise<GitRepository> {
    return this.project.core.gitRepository(this.project)
  }

  async enqueue(entry: NewQueueEntry): Promise<QueueEntry> {
    return (await this.enqueueAll([entry]))[0]!
  }

  /** Every entry under one hold of the queue lock, in order (a sweep). */
  async enqueueAll(entries: NewQueueEntry[]): Promise<QueueEntry[]> {
    const { records, project } = this
    const store = await this.store()
    const made = entries.map((entry) => newRecord(entry))
    await records.locked(async () => {
      for (const [i, entry] of entries.entries()) {
        // the record first: a crash in between leaves a record without an entry, which is dropped
        records.writeSync(made[i])
        const message = project.core.dvcExpMessage(entry.rev, entry.baseline, entry.branch ? undefined : entry.name, entry.branch)
        await store.writeRef(STASH_REF, entry.id, { reflogMessage: `commit: ${message}` })
      }
    })
    return made.map(toEntry)
  }

  async list(): Promise<QueueEntry[]> {
    const store = await this.store()
    return listEntries(this.project, store, await store.readReflog(STASH_REF), this.records.all())
  }

  async remove(ids: string[]): Promise<void> {
    const { records, project } = this
    if (ids.length === 0) return
    const store = await this.store()
    await records.locked(async () => {
      for (const id of ids) {
        const record = records.read(id)
        if (record?.state === 'running' && record.runner && runnerAlive(record.runner)) {
          throw new project.core.TrellisError('INVALID_ARGUMENT', `queued experiment '${id.slice(0, 7)}' is running (process ${record.runner.pid})`, {
            hint: 'Stop that `trellis exp run --run-all` first (Ctrl-C puts its unfinished entries back in the queue).',
          })
        }
      }
      await store.dropReflogEntries(STASH_REF, ids)
      for (const id of ids) records.remove(id)
    })
  }

  /**
   * Under the queue lock: entries left `running` by a dead runner go back to the queue (a
   * `--temp` one is dropped), what still runs in their workspaces is killed and the
   * workspaces removed, as are temp workspaces no live runner uses; records and queue
   * entries that lost their other half are tidied.
   */
  recover(): Promise<QueueEntry[]> {
    const { records } = this
    return records.locked(async () => {
      const store = await this.store()
      const inQueue = new Set((await store.readReflog(STASH_REF)).map((l) => l.sha))
      const recovered: QueueEntry[] = []
      const all = records.all()
      // a workspace is `<id7>-<6 hex>` (older records also name theirs): those of live runners stay
      const live = new Set<string>()
      for (const record of all) {
        if (record.state === 'running' && record.runner && runnerAlive(record.runner)) {
          live.add(record.id.slice(0, 7))
          if (record.runner.workspace) live.add(record.runner.workspace)
        }
      }
      for (const record of all) {
        if (record.state === 'running' && record.runner) {
          if (runnerAlive(record.runner)) continue
          if (record.temp || !inQueue.has(record.id)) {
            await store.dropReflogEntries(STASH_REF, [record.id])
            records.remove(record.id)
            continue
          }
          record.state = 'queued'
          delete record.runner
          await records.write(record)
          recovered.push(toEntry(record))
        } else if (record.state === 'success' && inQueue.has(record.id)) {
          await store.dropReflogEntries(STASH_REF, [record.id])
        } else if ((record.state === 'queued' || record.state === 'failed') && !inQueue.has(record.id)) {
          records.remove(record.id)
        }
      }
      // the dead runners' workspaces among them: what still runs there is killed first
      await this.removeWorkspaces((name) => !live.has(name) && !live.has(name.slice(0, 7)))
      return recovered
    })
  }

  /** Kill what runs in the temp workspaces `pick` names, and remove them. */
  private async removeWorkspaces(pick: (name: string) => boolean): Promise<void> {
    for (const name of listTempWorkspaces(this.records.exps)) {
      if (!pick(name)) continue
      const dir = join(this.records.exps, name)
      killProcessesIn(dir)
      await removeTempWorkspace(dir)
    }
  }

  /**
   * The oldest queued entry (of `ids`), marked running for `runner`, under the queue lock.
   * Without `ids`, `--temp` entries are left to the process that queued them. An entry whose
   * runner died counts as queued.
   */
  async claim(runner: QueueRunner, options: { ids?: string[]; waitMs?: number; signal?: AbortSignal } = {}): Promise<QueueClaim | null> {
    const deadline = Date.now() + (options.waitMs ?? 0)
    for (;;) {
      const claim = await this.claimNow(runner, options.ids)
      if (claim || options.signal?.aborted) return claim
      const left = deadline - Date.now()
      if (left <= 0) return null
      await sleep(Math.min(CLAIM_POLL_MS, left), options.signal)
    }
  }

  private claimNow(runner: QueueRunner, ids: string[] | undefined): Promise<QueueClaim | null> {
    const { records } = this
    const wanted = ids ? new Set(ids) : undefined
    return records.locked(async () => {
      const store = await this.store()
      // oldest first; records are read one by one up to the first claimable entry
      const seen = new Set<string>()
      let entry: QueueEntry | undefined
      for (const line of await store.readReflog(STASH_REF)) {
        if (seen.has(line.sha) || (wanted && !wanted.has(line.sha))) continue
        seen.add(line.sha)
        const candidate = await reflogEntry(this.project, store, line, records.read(line.sha))
        if (candidate?.state === 'queued' && (wanted || !candidate.temp)) {
          entry = candidate
          break
        }
      }
      if (!entry) return null
      const record = records.read(entry.id) ?? newRecord(entry)
      record.state = 'running'
      record.runner = recordRunner(runner)
      record.attempts++
      delete record.error
      await records.write(record)
      return { entry: toEntry(record), logFile: records.logFile(entry.id) }
    })
  }

  /** The entry succeeded: its record says so (with the experiment) and it leaves DVC's queue. */
  complete(claim: QueueClaim, result: QueueResult | null): Promise<QueueEntry> {
    return this.finish(claim, async (record) => {
      record.state = 'success'
      record.result = result
      record.finished = new Date().toISOString()
      delete record.runner
      await this.records.write(record)
      await (await this.store()).dropReflogEntries(STASH_REF, [record.id])
    })
  }

  /** The entry failed: it stays in the queue, `failed`, with why (its log is kept). */
  fail(claim: QueueClaim, error: { code: string; message: string }): Promise<QueueEntry> {
    return this.finish(claim, async (record) => {
      record.state = 'failed'
      record.error = this.project.core.redactText(error.message)
      record.finished = new Date().toISOString()
      delete record.runner
      await this.records.write(record)
    })
  }

  /** The run was interrupted: the entry is queued again (if it is still there). */
  release(claim: QueueClaim): Promise<QueueEntry> {
    return this.records.locked(async () => {
      const record = this.records.read(claim.entry.id)
      if (!record) return { ...claim.entry, state: 'queued' as const }
      if (record.state === 'running') {
        record.state = 'queued'
        delete record.runner
        await this.records.write(record)
      }
      return toEntry(record)
    })
  }

  private finish(claim: QueueClaim, update: (record: QueueRecord) => Promise<void>): Promise<QueueEntry> {
    return this.records.locked(async () => {
      const record = this.records.read(claim.entry.id) ?? newRecord(claim.entry)
      await update(record)
      return toEntry(record)
    })
  }

  /** The queue lock: experiment refs of queued runs are written under it, one at a time. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.records.locked(work)
  }

  async log(id: string): Promise<string | null> {
    try {
      return readFileSync(this.records.logFile(id), 'utf8')
    } catch {
      return null
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * The queue as users see it, oldest first: every DVC queue entry (state from
 * its record; entries another tool queued count as queued), then successes
 * still on record. A running entry whose runner died shows as queued.
 */
export async function listEntries(project: Pick<Trellis, 'root' | 'gitRoot' | 'core'>, store: GitRepository, reflog: ReflogEntry[], records: QueueRecord[]): Promise<QueueEntry[]> {
  const byId = new Map(records.map((r) => [r.id, r]))
  const seen = new Set<string>()
  const out: QueueEntry[] = []
  for (const line of reflog) {
    if (seen.has(line.sha)) continue
    seen.add(line.sha)
    const entry = await reflogEntry(project, store, line, byId.get(line.sha))
    if (entry) out.push(entry)
  }
  const done = records.filter((r) => !seen.has(r.id) && r.state === 'success')
  done.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0))
  for (const record of done) out.push(toEntry(record))
  return out
}

/**
 * The entry of one line of DVC's queue: from its record, or (queued by another tool) from the
 * stash message; undefined when the line is not a queue entry or its commit is gone. A running
 * entry whose runner died is queued.
 */
async function reflogEntry(
  project: Pick<Trellis, 'root' | 'gitRoot' | 'core'>,
  store: GitRepository,
  line: ReflogEntry,
  record: QueueRecord | undefined,
): Promise<QueueEntry | undefined> {
  const meta = project.core.parseDvcExpMessage(line.message)
  if (!meta) return undefined
  if (record) {
    const entry = toEntry(record)
    if (entry.state === 'running' && record.runner && !runnerAlive(record.runner)) {
      entry.state = 'queued'
      delete entry.runner
    }
    return entry
  }
  let created: string
  try {
    created = new Date((await store.readCommit(line.sha)).timestamp * 1000).toISOString()
  } catch {
    return undefined // the commit is gone (pruned): not runnable
  }
  const defaultParams = relative(project.gitRoot, join(project.root, 'params.yaml')).split('\\').join('/')
  const entry: QueueEntry = { id: line.sha, name: meta.name, baseline: meta.baseline, rev: meta.rev, state: 'queued', created, paramsFiles: [defaultParams] }
  if (meta.branch) {
    entry.branch = meta.branch
    entry.name = project.core.parseExpRef(meta.branch)?.name ?? meta.name
  }
  return entry
}
