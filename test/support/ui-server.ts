/**
 * `trellis ui` started by the built CLI in a test repository (`ui --no-open
 * --port 0`), its printed URL parsed, and small clients for its API: JSON
 * calls with the token, raw requests with any headers (node:http, so Host and
 * Origin are sent as given), and a server-sent events reader.
 */
import type { ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import type { Repo } from './repo.js'

export interface UiServer {
  url: URL
  token: string
  port: number
  /** The process (its stdout/stderr so far in `output`). */
  child: ChildProcess
  output: { stdout: string; stderr: string }
  /** A JSON call with the token; resolves to the status and the parsed body. */
  api<T = any>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>
  /** Resolves once stderr matches (stdout and stderr are separate pipes: their order is not kept). */
  stderrMatching(re: RegExp): Promise<string>
  /** Stop the server (SIGTERM) and wait for its exit code. */
  stop(): Promise<number | null>
}

const URL_LINE = /Trellis UI: (http:\/\/\S+)/

/** Start `trellis ui` in `repo` and wait for its URL. */
export async function startUi(repo: Repo, args: string[] = [], options: { env?: Record<string, string> } = {}): Promise<UiServer> {
  const child = repo.spawn(['ui', '--no-open', '--port', '0', ...args], { env: options.env })
  const output = { stdout: '', stderr: '' }
  child.stderr!.on('data', (d) => (output.stderr += d))
  const url = await new Promise<URL>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      output.stdout += d
      const match = URL_LINE.exec(output.stdout)
      if (match) resolve(new URL(match[1]!))
    })
    child.once('exit', (code) => reject(new Error(`trellis ui exited (${code}) before printing its URL:\n${output.stdout}\n${output.stderr}`)))
  })
  const token = url.searchParams.get('token')!
  const port = Number(url.port)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    url,
    token,
    port,
    child,
    output,
    async api(path, init = {}) {
      const response = await fetch(new URL(path, url.origin), {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      })
      const text = await response.text()
      return { status: response.status, body: text ? JSON.parse(text) : undefined }
    },
    stderrMatching(re) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!re.test(output.stderr)) return false
          child.stderr!.off('data', check)
          resolve(output.stderr)
          return true
        }
        if (check()) return
        child.stderr!.on('data', check)
        child.once('exit', () => (re.test(output.stderr) ? resolve(output.stderr) : reject(new Error(`stderr never matched ${re}: ${output.stderr}`))))
      })
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request with exactly these headers (Host included) to 127.0.0.1:port. */
export function rawRequest(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, setHost: !options.headers?.host && !options.headers?.Host }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    if (options.body !== undefined) req.write(options.body)
    req.end()
  })
}

export interface SseEvent {
  event: string
  data: any
}

export interface EventReader {
  /** Every event received so far. */
  events: SseEvent[]
  /** Wait for the first event (received already, or later) that `match` accepts. */
  next(match: (e: SseEvent) => boolean, what?: string): Promise<SseEvent>
  close(): void
}

/** Open `/api/events` (token in the query, as EventSource sends it) and collect its events. */
export async function openEvents(ui: UiServer, query = ''): Promise<EventReader> {
  const controller = new AbortController()
  const response = await fetch(new URL(`/api/events?token=${ui.token}${query}`, ui.url.origin), { signal: controller.signal })
  if (response.status !== 200) throw new Error(`/api/events answered ${response.status}: ${await response.text()}`)
  const events: SseEvent[] = []
  const waiters = new Set<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }>()
  let buffer = ''
  const decoder = new TextDecoder()
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const lines = block.split('\n')
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7)
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
          if (!event) continue
          const parsed = { event, data: JSON.parse(data) }
          events.push(parsed)
          for (const waiter of waiters) {
            if (waiter.match(parsed)) {
              waiters.delete(waiter)
              waiter.resolve(parsed)
            }
          }
        }
      }
    } catch {
      // aborted
    }
  })()
  const reader: EventReader = {
    events,
    next(match, what = 'an event') {
      const found = events.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve }
        waiters.add(waiter)
        // not a timed assertion: a bound so that a missing event fails the test with its name instead of hanging it
        setTimeout(() => {
          if (waiters.delete(waiter)) reject(new Error(`no ${what} among ${JSON.stringify(events.map((e) => e.event))}`))
        }, 45_000)
      })
    },
    close() {
      controller.abort()
    },
  }
  await reader.next((e) => e.event === 'hello', 'hello')
  return reader
}
