/**
 * `trellis ui`'s server: one process, hono on node's http server, bound to
 * 127.0.0.1 by default, with a random token per run (see security.ts). Live
 * events come from the hook bus (runs of this process) and from watching the
 * repository (runs of any other process), merged in `LiveState`.
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Project } from '@trellis/core'
import { queueBadge, tapHookEvents } from '../events/hook-events.js'
import { createApp } from './app.js'
import { BackgroundQueue } from './background-queue.js'
import type { ServerContext } from './context.js'
import { ExpRefTips } from './live/exp-ref-tips.js'
import { LiveState } from './live/live-state.js'
import { gitDirs, RepoWatcher } from './live/repo-watcher.js'

export interface UiServerOptions {
  /** 0 (default): a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** The page's assets dir (default: this package's dist/web/). */
  webDir?: string
  /** Where problems of the live updates go (default: a WARNING on stderr). */
  onWarning?: (message: string) => void
}

export interface UiServer {
  /** The URL to open, token included. */
  url: string
  token: string
  port: number
  host: string
  /** Stop listening, end the event streams, wait for the background runs. */
  close(): Promise<void>
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]'])

/** Whether a host binds beyond this machine (`--host 0.0.0.0` warns). */
export function isPublicHost(host: string): boolean {
  return !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)
}

export async function startUiServer(project: Project, options: UiServerOptions = {}): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1'
  const warn = options.onWarning ?? ((message: string) => process.stderr.write(`WARNING: ${message}\n`))
  const token = randomBytes(32).toString('base64url')
  // the UI plugin is built in; with `builtins: false` the server taps the hooks itself
  const bus = tapHookEvents(project.hooks, 'ui')
  const { version } = createRequire(import.meta.url)('@trellis/core/package.json') as { version: string }

  const { listQueue } = await import('@trellis/core')
  const store = await project.services.get('gitRepository')
  const dirs = await gitDirs(project.gitRoot)
  const tips = new ExpRefTips(dirs.commonDir)
  tips.load()
  const live = new LiveState({
    tips: tips.all(),
    queue: project.services.has('queue') ? (await listQueue(project)).map(queueBadge) : [],
    head: await store.head(),
  })
  const unsubscribe = [
    bus.on('experiment', (event) => live.experiment(event)),
    bus.on('queue', ({ entry, state }) => live.queueEntry(entry, state)),
    bus.on('run', (event) => live.run(event)),
  ]
  const watcher = new RepoWatcher(project, live, tips, dirs, (error) => warn(`live updates: ${(error as Error).message ?? error}`))
  watcher.start()

  let close!: () => void
  const closing = new Promise<void>((resolve) => (close = resolve))
  const ctx: ServerContext = { project, bus, live, watcher, version, queue: new BackgroundQueue(project, bus), background: new Set(), closing }
  let port = 0
  const app = createApp(ctx, { token, host, port: () => port, webDir: options.webDir })
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s))
    s.once('error', reject)
  })
  port = (server.address() as AddressInfo).port
  const shown = WILDCARD.has(host) ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    port,
    host,
    async close() {
      close()
      watcher.close()
      for (const off of unsubscribe) off()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      })
      await ctx.queue.settled()
      await Promise.allSettled([...ctx.background])
    },
  }
}
