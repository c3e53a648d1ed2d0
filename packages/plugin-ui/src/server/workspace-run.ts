/**
 * POST /api/run without `queue`: `exp run` in the workspace, in the background
 * of the server (the response does not wait for the pipeline). Its experiment
 * reaches the page from the hook bus; its end comes as a `run` event.
 */
import type { ExpRunOptions } from '@trellis/core'
import { apiError } from './api-error.js'
import type { ServerContext } from './context.js'

export function runInWorkspace(ctx: ServerContext, options: ExpRunOptions): void {
  ctx.bus.emit('run', { kind: 'workspace', state: 'started' })
  const work = (async () => {
    try {
      const { runExperiment } = await import('@trellis/core')
      const result = await runExperiment(ctx.project, options)
      ctx.bus.emit('run', { kind: 'workspace', state: 'finished', experiment: result.experiment?.name ?? null })
    } catch (error) {
      ctx.bus.emit('run', { kind: 'workspace', state: 'failed', error: apiError(error).body.error })
    }
  })()
  ctx.background.add(work)
  void work.finally(() => ctx.background.delete(work))
}
