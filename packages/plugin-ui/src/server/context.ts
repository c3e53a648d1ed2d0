/** What every route of the server shares. */
import type { Project } from '@trellis/core'
import type { UiEventBus } from '../events/hook-events.js'
import type { BackgroundQueue } from './background-queue.js'
import type { LiveState } from './live/live-state.js'
import type { RepoWatcher } from './live/repo-watcher.js'

export interface ServerContext {
  project: Project
  /** Raw events of this process: the hook bus (via the plugin) and the server's own background runs. */
  bus: UiEventBus
  /** What the page is told (deduplicated; fed by `bus` and `watcher`). */
  live: LiveState
  /** Changes made by other processes (refs, HEAD, the queue's records and logs). */
  watcher: RepoWatcher
  /** Trellis' version. */
  version: string
  /** The server's queue run (`--run-all`), in the background. */
  queue: BackgroundQueue
  /** Background work (runs in the workspace) the server waits for before it exits. */
  background: Set<Promise<unknown>>
  /** Resolves when the server closes (open event streams end). */
  closing: Promise<void>
}
