/**
 * The rules every request passes before a handler runs (issue 14 item 6):
 *
 * 1. `Host` must name this server: `127.0.0.1:PORT`, `localhost:PORT`,
 *    `[::1]:PORT`, or the bound host (for `--host 0.0.0.0`: any address of this
 *    machine's interfaces) → 403 `UI_FORBIDDEN_HOST`. A DNS-rebinding page
 *    reaches the port under its own domain name, which is refused here.
 * 2. A request carrying `Origin` must come from the server's own origin
 *    (`http://` + the accepted Host) → 403 `UI_FORBIDDEN_ORIGIN` (CSRF).
 * 3. `/api/*` needs the run's token: `Authorization: Bearer <token>` or
 *    `?token=` (EventSource and <img> cannot set headers) → 401 `UI_UNAUTHORIZED`.
 *    Compared in constant time.
 * 4. A POST must have a JSON body (`Content-Type: application/json`) → 415
 *    `UI_UNSUPPORTED_MEDIA_TYPE`; an HTML form cannot send one without a CORS
 *    preflight, which this server never answers.
 */
import { timingSafeEqual } from 'node:crypto'
import { networkInterfaces } from 'node:os'
import type { MiddlewareHandler } from 'hono'
import { HttpError } from './api-error.js'

export interface SecurityOptions {
  token: string
  /** The host the server is bound to (`127.0.0.1`, `0.0.0.0`, a name or address). */
  host: string
  /** The bound port (known once listening). */
  port: () => number
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]']
const WILDCARD = new Set(['0.0.0.0', '::', '[::]'])

/** The host names (without port) a request may address this server by. */
export function allowedHostNames(host: string): Set<string> {
  const names = new Set(LOOPBACK)
  if (WILDCARD.has(host)) {
    for (const list of Object.values(networkInterfaces())) {
      for (const address of list ?? []) names.add(address.family === 'IPv6' ? `[${address.address}]` : address.address)
    }
  } else {
    names.add(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host)
  }
  return names
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The token a request carries (header first, then the query). */
function requestToken(authorization: string | undefined, url: URL): string | undefined {
  const match = authorization && /^Bearer\s+(\S+)$/i.exec(authorization)
  if (match) return match[1]
  return url.searchParams.get('token') ?? undefined
}

export function security(options: SecurityOptions): MiddlewareHandler {
  const names = allowedHostNames(options.host)
  return async (c, next) => {
    const hostHeader = c.req.header('host') ?? ''
    const allowedHosts = new Set([...names].map((name) => `${name}:${options.port()}`))
    if (!allowedHosts.has(hostHeader.toLowerCase())) {
      throw new HttpError(403, 'UI_FORBIDDEN_HOST', `Host '${hostHeader}' is not this server`, 'Open the URL `trellis ui` printed (127.0.0.1 or localhost).')
    }
    const origin = c.req.header('origin')
    if (origin !== undefined && origin.toLowerCase() !== `http://${hostHeader.toLowerCase()}`) {
      throw new HttpError(403, 'UI_FORBIDDEN_ORIGIN', `requests from '${origin}' are not accepted`, 'Only the page `trellis ui` serves may call its API.')
    }
    const url = new URL(c.req.url)
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (!sameToken(requestToken(c.req.header('authorization'), url), options.token)) {
        throw new HttpError(401, 'UI_UNAUTHORIZED', 'missing or wrong token', 'Open the URL `trellis ui` printed: it carries the token (?token=…).')
      }
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
        const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
        if (type !== 'application/json') {
          throw new HttpError(415, 'UI_UNSUPPORTED_MEDIA_TYPE', `a ${c.req.method} needs a JSON body (Content-Type: application/json), not '${type || 'none'}'`)
        }
      }
    }
    await next()
  }
}
