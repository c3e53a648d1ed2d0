/**
 * `trellis ui`'s server: one process, hono on node's http server, bound to
 * 127.0.0.1 by default, with a random token per run (see security.ts).
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Project } from '@trellis/core'
import { tapHookEvents } from '../events/hook-events.js'
import { createApp } from './app.js'
import type { ServerContext } from './context.js'

export interface UiServerOptions {
  /** 0 (default): a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** The page's assets dir (default: this package's dist/web/). */
  webDir?: string
}

export interface UiServer {
  /** The URL to open, token included. */
  url: string
  token: string
  port: number
  host: string
  close(): Promise<void>
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]'])

/** Whether a host binds beyond this machine (`--host 0.0.0.0` warns). */
export function isPublicHost(host: string): boolean {
  return !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)
}

export async function startUiServer(project: Project, options: UiServerOptions = {}): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1'
  const token = randomBytes(32).toString('base64url')
  // the UI plugin is built in; with `builtins: false` the server taps the hooks itself
  const bus = tapHookEvents(project.hooks, 'ui')
  const { version } = createRequire(import.meta.url)('@trellis/core/package.json') as { version: string }
  const ctx: ServerContext = { project, bus, version }
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      }),
  }
}
