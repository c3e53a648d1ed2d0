/**
 * The one call through which the server runs queued entries (`exp run
 * --run-all`). Today it is core's `runQueue` (what the CLI calls); when the
 * queue runner moves behind `trellis.core.runQueue`, only this file changes.
 */
import type { Project, RunQueueOptions, RunQueueResult } from '@trellis/core'

export async function runQueuedEntries(project: Project, options: RunQueueOptions): Promise<RunQueueResult> {
  const { runQueue } = await import('@trellis/core')
  return runQueue(project, options)
}
