/**
 * A real redis-server (Debian's, installed by scripts/setup-redis.sh) for the Redis queue
 * tests: a free loopback port, a temp directory, append-only persistence on and RDB
 * snapshots off. `restart()` stops it (SIGTERM, AOF flushed) and starts it again on the same
 * port and directory, so what was written survives as it would on a real server;
 * `stop()` ends it and removes the directory. Never uses a Redis already running.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RedisServer {
  port: number
  /** `redis://127.0.0.1:<port>/0` */
  url: string
  dir: string
  /** Stop (SIGTERM: the AOF is flushed) and start again on the same port and data. */
  restart(): Promise<void>
  /** Stop for good and remove the data directory. */
  stop(): Promise<void>
  /** Stop without removing the data (a Redis that is down); `start()` brings it back. */
  down(): Promise<void>
  start(): Promise<void>
}

/** A loopback port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.end()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

export async function startRedis(options: { password?: string } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--loglevel', 'warning', '--logfile', join(dir, 'redis.log')]
  if (options.password) args.push('--requirepass', options.password)

  async function start(): Promise<void> {
    child = spawn('redis-server', args, { stdio: 'ignore' })
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`redis-server exited (${code}); see ${dir}/redis.log`))))
    exited.catch(() => {})
    for (let i = 0; i < 200; i++) {
      if (await Promise.race([canConnect(port), exited])) return
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error(`redis-server did not listen on ${port}`)
  }

  async function down(): Promise<void> {
    const c = child
    child = undefined
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    await new Promise<void>((r) => {
      c.once('exit', () => r())
      c.kill('SIGTERM')
    })
  }

  await start()
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : ''
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    dir,
    start,
    down,
    async restart() {
      await down()
      await start()
    },
    async stop() {
      await down()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
