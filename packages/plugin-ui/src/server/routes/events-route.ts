/**
 * GET /api/events[?logs=ID,ID]: server-sent events (see `ServerEvents` in
 * api-types.ts). Every client gets what `LiveState` reports; a client that
 * names queue entries in `logs` also gets their log text as it grows (the
 * whole log so far first), from the entry's log file.
 */
import { join } from 'node:path'
import type { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { ServerEventName, ServerEvents } from '../../api-types.js'
import type { ServerContext } from '../context.js'
import { LogTail } from '../live/log-tail.js'
import { queueRecordsDir } from '../live/repo-watcher.js'

const FORWARDED: ServerEventName[] = ['experiment', 'removed', 'queue', 'baseline', 'run']
const HEARTBEAT_MS = 15_000

export function eventsRoute(app: Hono, ctx: ServerContext): void {
  app.get('/api/events', async (c) => {
    const wanted = (c.req.query('logs') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    const { findQueueEntry } = await import('@trellis/core')
    // resolve the subscriptions before the stream opens: an unknown entry is an error response, not a silent stream
    const logIds: string[] = []
    for (const ref of wanted) {
      const entry = await findQueueEntry(ctx.project, ref)
      if (!entry) {
        const { TrellisError } = await import('@trellis/core')
        throw new TrellisError('EXP_NOT_FOUND', `'${ref}' is not a queued experiment`, { hint: 'List the queue with GET /api/queue.' })
      }
      logIds.push(entry.id)
    }
    return streamSSE(c, async (stream) => {
      const unsubscribe: Array<() => void> = []
      let queue: Promise<void> = Promise.resolve()
      const send = <K extends ServerEventName>(event: K, data: ServerEvents[K]) => {
        queue = queue.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(() => {})
      }
      send('hello', { version: ctx.version })
      for (const name of FORWARDED) unsubscribe.push(ctx.live.out.on(name, (data) => send(name, data as never)))
      for (const id of logIds) {
        const tail = new LogTail(join(queueRecordsDir(ctx.project), `${id}.log`))
        const pump = async () => {
          const text = await tail.read()
          if (text) send('log', { id, text })
        }
        unsubscribe.push(ctx.watcher.onLog(id, () => void pump()))
        void pump()
      }
      const heartbeat = setInterval(() => void stream.write(': ping\n\n').catch(() => {}), HEARTBEAT_MS)
      await new Promise<void>((resolve) => {
        stream.onAbort(resolve)
        ctx.closing.then(resolve)
      })
      clearInterval(heartbeat)
      for (const off of unsubscribe) off()
    })
  })
}
