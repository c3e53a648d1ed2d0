/** What every route of the server shares. */
import type { Project } from '@trellis/core'
import type { UiEventBus } from '../events/hook-events.js'

export interface ServerContext {
  project: Project
  /** API events: from the hook bus (this process) and the ref watcher (other processes). */
  bus: UiEventBus
  /** Trellis' version. */
  version: string
}
