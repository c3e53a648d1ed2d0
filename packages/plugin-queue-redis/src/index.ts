/**
 * @trellis/plugin-queue-redis: the experiment queue on many machines. Registers the `queue`
 * backend `redis` (BullMQ on Redis, with ioredis) and contributes `trellis queue worker` and
 * `trellis queue repair`. Chosen in the trellis config:
 *
 *   plugins: ['@trellis/plugin-queue-redis']
 *   queue: {backend: redis, url: redis://host:6379/0, gitRemote: origin, attempts: 3, autoPull: true}
 *
 * (`TRELLIS_QUEUE_URL` replaces `url`). Without `queue: {backend: redis}` the local queue stays
 * the default and nothing connects to Redis: the backend is created on first use.
 * Entries travel as commits through the git remote and data through the DVC remote
 * (`core.remote`); see redis-queue.ts for the protocol and the README's "Running on many
 * machines" for the user's view.
 */
import type { Trellis, TrellisPlugin } from '@trellis/core/plugin-api'

export const PLUGIN_NAME = 'queue-redis'

export const queueRedisPlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis) {
    trellis.services.register('queue', 'redis', async () => {
      const [{ RedisQueue }, { readSettings }] = await Promise.all([import('./redis-queue.js'), import('./settings.js')])
      return new RedisQueue(trellis, readSettings(trellis))
    })
  },
}

export default queueRedisPlugin

export type { RedisQueue, Orphan } from './redis-queue.js'
export { readSettings, type RedisQueueSettings } from './settings.js'
export { ENTRY_REF_PREFIX, entryRef } from './entry-refs.js'
