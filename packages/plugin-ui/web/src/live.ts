/**
 * The page's one EventSource on `/api/events` (the token in the query, as EventSource cannot
 * send headers; `logs=` the followed queue entry). Events are JSON; each goes to its handler.
 * The browser reconnects by itself; `onStatus` says whether the stream is open.
 */
import type { ServerEventName, ServerEvents } from '../../src/api-types.js'
import { withToken } from './api.js'

export type Handlers = { [K in ServerEventName]?: (data: ServerEvents[K]) => void }

export function openEvents(handlers: Handlers, options: { logs?: string | null; onStatus(open: boolean): void }): () => void {
  const query = options.logs ? `?logs=${encodeURIComponent(options.logs)}` : ''
  const source = new EventSource(withToken(`/api/events${query}`))
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => {
      let data: unknown
      try {
        data = JSON.parse((event as MessageEvent<string>).data)
      } catch {
        return
      }
      ;(handler as (data: unknown) => void)(data)
    })
  }
  source.onopen = () => options.onStatus(true)
  source.onerror = () => options.onStatus(source.readyState === EventSource.OPEN)
  return () => source.close()
}
