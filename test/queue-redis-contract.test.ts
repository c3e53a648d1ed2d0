/**
 * The Redis queue backend (@trellis/plugin-queue-redis) passes the queue-backend contract:
 * each project gets a bare git remote `origin` and a directory DVC remote (inside its .git, so
 * the suite's cleanup removes them), and its own BullMQ queue name on one real redis-server.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { openProject } from '@trellis/core'
import { gitRefsPlugin } from '@trellis/plugin-git-refs'
import { queuePlugin } from '@trellis/plugin-queue'
import { queueRedisPlugin } from '@trellis/plugin-queue-redis'
import { queueBackendContract } from './contracts/queue-backend-contract.js'
import { startRedis, type RedisServer } from './support/redis-server.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
  process.env.TRELLIS_QUEUE_URL = redis.url
})
afterAll(async () => {
  delete process.env.TRELLIS_QUEUE_URL
  await redis.stop()
})

let projects = 0
queueBackendContract('redis (plugin-queue-redis)', async (dir) => {
  const remote = join(dir, '.git', 'trellis-test-remote.git')
  if (!existsSync(remote)) {
    execFileSync('git', ['init', '-q', '--bare', remote])
    execFileSync('git', ['remote', 'add', 'origin', remote], { cwd: dir })
    mkdirSync(join(dir, '.git', 'trellis-test-storage'))
    writeFileSync(join(dir, '.dvc', 'config'), `[core]\n    remote = storage\n['remote "storage"']\n    url = ${join(dir, '.git', 'trellis-test-storage')}\n`)
    writeFileSync(join(dir, '.trellisrc.json'), JSON.stringify({ queue: { backend: 'redis', name: `contract-${++projects}`, lockSeconds: 2 } }))
  }
  return openProject(dir, { defaultPlugins: async () => [gitRefsPlugin, queuePlugin, queueRedisPlugin] })
})
