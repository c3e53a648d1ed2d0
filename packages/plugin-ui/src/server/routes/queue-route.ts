/** The queue: GET /api/queue, GET /api/queue/:id/log, POST /api/queue/start (`--run-all`, in the background), POST /api/queue/remove. */
import type { Hono } from 'hono'
import type { QueueLogResponse, QueueRemoveResponse, QueueResponse, QueueStartResponse } from '../../api-types.js'
import { queueBadge } from '../../events/hook-events.js'
import type { ServerContext } from '../context.js'
import { jsonBody, optionalPositiveInt, stringList } from '../request-body.js'
import { sendJson } from '../send-json.js'

export function queueRoute(app: Hono, ctx: ServerContext): void {
  app.get('/api/queue', async (c) => {
    const { listQueue } = await import('@trellis/core')
    const body: QueueResponse = { entries: (await listQueue(ctx.project)).map(queueBadge) }
    return sendJson(c, body)
  })

  app.get('/api/queue/:id/log', async (c) => {
    const { queueEntryLog } = await import('@trellis/core')
    const { entry, log } = await queueEntryLog(ctx.project, c.req.param('id'))
    const body: QueueLogResponse = { id: entry.id, text: log ?? '' }
    return sendJson(c, body)
  })

  app.post('/api/queue/start', async (c) => {
    const body = await jsonBody(c)
    const jobs = optionalPositiveInt(body, 'jobs') ?? 1
    // the same check the CLI's --run-all makes first: without the queue service there is nothing to run
    await ctx.project.services.get('queue')
    const response: QueueStartResponse = { started: ctx.queue.start({ jobs }) }
    return sendJson(c, response, 202)
  })

  app.post('/api/queue/remove', async (c) => {
    const body = await jsonBody(c)
    const { removeQueueEntries } = await import('@trellis/core')
    const removed = await removeQueueEntries(ctx.project, stringList(body, 'ids', { nonEmpty: true }))
    const response: QueueRemoveResponse = { removed: removed.map((e) => e.id) }
    return sendJson(c, response)
  })
}
