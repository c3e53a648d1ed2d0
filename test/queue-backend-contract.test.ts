/** The local queue backend (@trellis/plugin-queue) passes the queue-backend contract. */
import { openProject } from '@trellis/core'
import { gitRefsPlugin } from '@trellis/plugin-git-refs'
import { queuePlugin } from '@trellis/plugin-queue'
import { queueBackendContract } from './contracts/queue-backend-contract.js'

queueBackendContract('local (plugin-queue)', (dir) => openProject(dir, { defaultPlugins: async () => [gitRefsPlugin, queuePlugin] }))
