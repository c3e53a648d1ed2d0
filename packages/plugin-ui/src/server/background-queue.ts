/**
 * The queue run of the server, in the background: POST /api/queue/start (and a
 * sweep run from the form) starts one; a start while one is going is kept and
 * run when it ends, so entries queued meanwhile run too. One run at a time, as
 * the CLI's `--run-all` (the queue's own lock keeps other processes out).
 * State changes reach the page through the hook bus (`queueEntryChanged`); what
 * ends a run without an entry to blame comes as a `run` event.
 */
import type { Project } from '@trellis/core'
import type { UiEventBus } from '../events/hook-events.js'
import { apiError } from './api-error.js'
import { runQueuedEntries } from './run-queue-adapter.js'

interface Request {
  jobs: number
  /** Only these entries (a sweep); undefined: every queued entry. */
  ids?: string[]
}

export class BackgroundQueue {
  private current?: Promise<void>
  private pending: Request[] = []

  constructor(
    private readonly project: Project,
    private readonly bus: UiEventBus,
  ) {}

  get running(): boolean {
    return this.current !== undefined
  }

  /** Run now, or after the run going on; true when it started now. */
  start(request: Request): boolean {
    if (this.current) {
      this.pending.push(request)
      return false
    }
    this.current = this.loop(request).finally(() => {
      this.current = undefined
    })
    return true
  }

  /** Wait for the run going on (and the ones waiting) to end. */
  async settled(): Promise<void> {
    while (this.current) await this.current
  }

  private async loop(first: Request): Promise<void> {
    for (let request: Request | undefined = first; request; request = this.pending.shift()) {
      this.bus.emit('run', { kind: 'queue', state: 'started' })
      try {
        const { queueRunError } = await import('@trellis/core')
        const result = await runQueuedEntries(this.project, { jobs: request.jobs, ids: request.ids })
        const error = queueRunError(result)
        if (error) this.bus.emit('run', { kind: 'queue', state: 'failed', error: apiError(error).body.error })
        else this.bus.emit('run', { kind: 'queue', state: 'finished' })
      } catch (error) {
        this.bus.emit('run', { kind: 'queue', state: 'failed', error: apiError(error).body.error })
      }
    }
  }
}
