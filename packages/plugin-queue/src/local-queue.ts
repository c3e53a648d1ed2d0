/**
 * The local queue backend: entries in DVC's queue (the reflog of
 * `refs/exps/stash`, message `commit: dvc-exp:<rev>:<baseline>:<name>`) with
 * a record per entry for its state, request and log; runs in temporary
 * workspaces, coordinated by the process that runs `--run-all` (see
 * coordinator.ts).
 */
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import {
  TrellisError,
  dvcExpMessage,
  parseDvcExpMessage,
  parseExpRef,
  type GitRepository,
  type NewQueueEntry,
  type Trellis,
  type QueueBackend,
  type QueueEntry,
  type ReflogEntry,
  type RunQueueOptions,
  type RunQueueResult,
} from '@trellis/core'
import { Coordinator } from './coordinator.js'
import { Records, newRecord, runnerAlive, toEntry, type QueueRecord } from './records.js'

/** DVC's queue ref: its reflog is the queue, newest entry last in the file. */
export const STASH_REF = 'refs/exps/stash'

export class LocalQueue implements QueueBackend {
  readonly name = 'local'

  /** @param project the project whose queue this is (the `trellis` the plugin was applied to) */
  constructor(private readonly project: Trellis) {}

  async enqueue(entry: NewQueueEntry): Promise<QueueEntry> {
    return (await this.enqueueAll([entry]))[0]!
  }

  /** Every entry under one hold of the queue lock, in order (a sweep). */
  async enqueueAll(entries: NewQueueEntry[]): Promise<QueueEntry[]> {
    const { project } = this
    const store = await project.core.gitRepository(project)
    const records = new Records(project.tmpDir)
    const made = entries.map((entry) => newRecord(entry))
    await records.locked(async () => {
      for (const [i, entry] of entries.entries()) {
        // the record first: a crash in between leaves a record without an entry, which is dropped
        records.writeSync(made[i])
        await store.writeRef(STASH_REF, entry.id, { reflogMessage: `commit: ${dvcExpMessage(entry.rev, entry.baseline, entry.branch ? undefined : entry.name, entry.branch)}` })
      }
    })
    return made.map(toEntry)
  }

  async list(): Promise<QueueEntry[]> {
    const { project } = this
    const store = await project.core.gitRepository(project)
    const records = new Records(project.tmpDir)
    return listEntries(project, store, await store.readReflog(STASH_REF), records.all())
  }

  async remove(ids: string[]): Promise<void> {
    const { project } = this
    if (ids.length === 0) return
    const store = await project.core.gitRepository(project)
    const records = new Records(project.tmpDir)
    await records.locked(async () => {
      for (const id of ids) {
        const record = records.read(id)
        if (record?.state === 'running' && record.runner && runnerAlive(record.runner)) {
          throw new TrellisError('INVALID_ARGUMENT', `queued experiment '${id.slice(0, 7)}' is running (process ${record.runner.pid})`, {
            hint: 'Stop that `trellis exp run --run-all` first (Ctrl-C puts its unfinished entries back in the queue).',
          })
        }
      }
      await store.dropReflogEntries(STASH_REF, ids)
      for (const id of ids) records.remove(id)
    })
  }

  async run(options: RunQueueOptions = {}): Promise<RunQueueResult> {
    return new Coordinator(this.project, this, options).run()
  }

  async log(id: string): Promise<string | null> {
    try {
      return readFileSync(new Records(this.project.tmpDir).logFile(id), 'utf8')
    } catch {
      return null
    }
  }
}

/**
 * The queue as users see it, oldest first: every DVC queue entry (state from
 * its record; entries another tool queued count as queued), then successes
 * still on record. A running entry whose coordinator died shows as queued.
 */
export async function listEntries(project: Pick<Trellis, 'root' | 'gitRoot'>, store: GitRepository, reflog: ReflogEntry[], records: QueueRecord[]): Promise<QueueEntry[]> {
  const byId = new Map(records.map((r) => [r.id, r]))
  const seen = new Set<string>()
  const out: QueueEntry[] = []
  const defaultParams = relative(project.gitRoot, join(project.root, 'params.yaml')).split('\\').join('/')
  for (const line of reflog) {
    const meta = parseDvcExpMessage(line.message)
    if (!meta || seen.has(line.sha)) continue
    seen.add(line.sha)
    const record = byId.get(line.sha)
    if (record) {
      const entry = toEntry(record)
      if (entry.state === 'running' && record.runner && !runnerAlive(record.runner)) {
        entry.state = 'queued'
        delete entry.runner
      }
      out.push(entry)
      continue
    }
    let created: string | undefined
    try {
      created = new Date((await store.readCommit(line.sha)).timestamp * 1000).toISOString()
    } catch {
      continue // the commit is gone (pruned): not runnable
    }
    const entry: QueueEntry = { id: line.sha, name: meta.name, baseline: meta.baseline, rev: meta.rev, state: 'queued', created, paramsFiles: [defaultParams] }
    if (meta.branch) {
      entry.branch = meta.branch
      entry.name = parseExpRef(meta.branch)?.name ?? meta.name
    }
    out.push(entry)
  }
  const done = records.filter((r) => !seen.has(r.id) && r.state === 'success')
  done.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0))
  for (const record of done) out.push(toEntry(record))
  return out
}
