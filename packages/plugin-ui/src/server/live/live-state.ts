/**
 * What the page has been told, so that each change reaches it once: the hook
 * bus (runs of this process) and the repository watcher (runs of any process)
 * both report here; an experiment tip, a queue entry's state or HEAD that did
 * not change is not sent again. `out` is the stream the SSE clients read.
 */
import type { ExperimentEvent, QueueBadge, QueueEntryState, RunEvent } from '../../api-types.js'
import { UiEventBus } from '../../events/hook-events.js'

export class LiveState {
  readonly out = new UiEventBus()
  private readonly tips: Map<string, string>
  private readonly entries = new Map<string, { badge: QueueBadge; state: QueueEntryState }>()
  private head: string | null

  constructor(initial: { tips: Map<string, string>; queue: QueueBadge[]; head: string | null }) {
    this.tips = new Map(initial.tips)
    for (const badge of initial.queue) this.entries.set(badge.id, { badge, state: entryState(badge) })
    this.head = initial.head
  }

  tipOf(ref: string): string | undefined {
    return this.tips.get(ref)
  }

  /** The queue entries last reported (every state but removed). */
  queueEntries(): QueueBadge[] {
    return [...this.entries.values()].map((e) => e.badge)
  }

  experiment(event: ExperimentEvent): void {
    if (this.tips.get(event.ref) === event.commit) return
    this.tips.set(event.ref, event.commit)
    this.out.emit('experiment', event)
  }

  removed(ref: string): void {
    if (!this.tips.delete(ref)) return
    this.out.emit('removed', { ref })
  }

  queueEntry(badge: QueueBadge, state: QueueEntryState): void {
    const known = this.entries.get(badge.id)
    if (state === 'removed') {
      if (!known) return
      this.entries.delete(badge.id)
    } else {
      if (known && known.state === state) return
      this.entries.set(badge.id, { badge, state })
    }
    this.out.emit('queue', { entry: badge, state })
  }

  baseline(rev: string | null): void {
    if (rev === this.head) return
    this.head = rev
    this.out.emit('baseline', { rev })
  }

  run(event: RunEvent): void {
    this.out.emit('run', event)
  }
}

/** A record's state as the hook bus names it (`success` is `done`). */
export function entryState(badge: QueueBadge): QueueEntryState {
  return badge.state === 'success' ? 'done' : badge.state
}
