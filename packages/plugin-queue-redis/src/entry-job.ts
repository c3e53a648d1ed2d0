/**
 * What a queue entry is in BullMQ: one job whose id is the entry's id (its commit), whose data
 * is the entry as core made it, whose progress names the runner that claimed it, and whose
 * return value is the experiment made. BullMQ's states map onto the queue's:
 * waiting/delayed/prioritized → queued, active → running, completed → success,
 * failed → failed.
 */
import type { Job, JobState } from 'bullmq'
import type { NewQueueEntry, QueueEntry, QueueResult, QueueState } from '@trellis/core/plugin-api'

export interface EntryJobData {
  entry: NewQueueEntry
  /** When it was queued (ISO 8601). */
  created: string
}

/** Who runs it (the job's progress while it runs, and kept in the outcome). */
export interface RunnerInfo {
  id: string
  host: string
  pid: number
  started: string
}

export interface EntryOutcome {
  result: QueueResult | null
  finished: string
  runner: RunnerInfo
}

export type EntryJob = Job<EntryJobData, EntryOutcome, string>

export const QUEUED_STATES = ['waiting', 'delayed', 'prioritized', 'waiting-children'] as const
export const ALL_STATES = [...QUEUED_STATES, 'active', 'completed', 'failed'] as const

export function entryState(state: JobState | 'unknown' | string): QueueState | undefined {
  if ((QUEUED_STATES as readonly string[]).includes(state)) return 'queued'
  if (state === 'active') return 'running'
  if (state === 'completed') return 'success'
  if (state === 'failed') return 'failed'
  return undefined
}

export function jobToEntry(job: EntryJob, state: QueueState): QueueEntry {
  const { entry, created } = job.data
  const out: QueueEntry & { attempts?: number } = {
    id: entry.id,
    baseline: entry.baseline,
    rev: entry.rev,
    state,
    created,
    request: entry.request,
    paramsFiles: entry.paramsFiles,
    attempts: job.attemptsStarted,
  }
  if (entry.name) out.name = entry.name
  if (entry.branch) out.branch = entry.branch
  if (entry.sweep) out.sweep = entry.sweep
  const progress = job.progress as Partial<RunnerInfo> | number | undefined
  if (state === 'running' && progress && typeof progress === 'object' && progress.host) {
    out.runner = { id: progress.id ?? '', host: progress.host, pid: progress.pid ?? 0, started: progress.started ?? '' }
  }
  if (job.failedReason && state !== 'success') out.error = job.failedReason
  if (job.finishedOn && (state === 'failed' || state === 'success')) out.finished = new Date(job.finishedOn).toISOString()
  if (state === 'success') {
    const outcome = job.returnvalue
    out.result = outcome?.result ?? null
  }
  return out
}
