/**
 * A real smart-HTTP git server for the tests: `git http-backend` run as a CGI
 * program behind a tiny Node HTTP server on 127.0.0.1 (loopback only, an
 * ephemeral port). It serves every repository under `projectRoot`, accepts
 * pushes (REMOTE_USER is set), optionally demands HTTP Basic auth, and stops
 * itself after `lifetimeMs` even if a test forgets to close it.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; a repository `<projectRoot>/x.git` is `${url}/x.git`. */
  url: string
  /** Requests served so far, as `METHOD path?query`. */
  requests: string[]
  close(): Promise<void>
}

export interface GitHttpServerOptions {
  /** Demand these Basic-auth credentials (401 otherwise). */
  auth?: { user: string; password: string }
  /** Stop by itself after this long (default 120 s). */
  lifetimeMs?: number
}

const backend = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend')

export async function startGitHttpServer(projectRoot: string, options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    if (options.auth && !authorized(req, options.auth)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="trellis-test"' })
      res.end('unauthorized\n')
      return
    }
    runBackend(projectRoot, req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
    return closed
  }
  setTimeout(() => void close(), options.lifetimeMs ?? 120_000).unref()
  return { url: `http://127.0.0.1:${port}`, requests, close }
}

function authorized(req: IncomingMessage, auth: { user: string; password: string }): boolean {
  const header = req.headers.authorization ?? ''
  if (!header.startsWith('Basic ')) return false
  return Buffer.from(header.slice(6), 'base64').toString('utf8') === `${auth.user}:${auth.password}`
}

function runBackend(projectRoot: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    REQUEST_METHOD: req.method,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: 'tester',
    REMOTE_ADDR: '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  }
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length']
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding']
  const protocol = req.headers['git-protocol']
  if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol
  const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  req.pipe(child.stdin)
  child.stdin.on('error', () => {})
  let head = Buffer.alloc(0)
  let headersDone = false
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk)
      return
    }
    head = Buffer.concat([head, chunk])
    const crlf = head.indexOf('\r\n\r\n')
    const lf = head.indexOf('\n\n')
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf
    if (end < 0) return
    const sep = end === crlf ? 4 : 2
    let status = 200
    const headers: Record<string, string> = {}
    for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
      const colon = line.indexOf(':')
      if (colon < 0) continue
      const key = line.slice(0, colon).trim()
      const value = line.slice(colon + 1).trim()
      if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10)
      else headers[key] = value
    }
    res.writeHead(status, headers)
    headersDone = true
    const rest = head.subarray(end + sep)
    if (rest.length) res.write(rest)
  })
  child.on('close', () => {
    if (!headersDone) res.writeHead(502)
    res.end()
  })
  child.on('error', () => {
    if (!res.headersSent) res.writeHead(500)
    res.end()
  })
}
