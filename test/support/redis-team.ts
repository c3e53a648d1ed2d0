/**
 * A team on the Redis queue: a submitter's project (alice), a bare git remote `origin`, a
 * directory DVC remote `storage` (core.remote), a real redis-server, and worker clones —
 * each a separate `git clone` with a cache of its own, as separate machines would be; they
 * share only the bare remote, the DVC remote and Redis. The trellis config (committed)
 * chooses the redis backend; the URL comes from TRELLIS_QUEUE_URL (`env`).
 *
 * The pipeline: `train` reads `train.lr` and `train.epochs` and a data file tracked by DVC
 * (so a worker must fetch it), optionally sleeps `train.sleep` seconds, fails when lr < 0,
 * and writes model.txt (cached) and metrics.json (`loss = 1 - lr`, `epochs`).
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect } from 'vitest'
import { Repo, makeRepo, type RunResult } from './repo.js'
import { startRedis, type RedisServer } from './redis-server.js'

const TRAIN = `const fs = require('fs')
const text = fs.readFileSync('params.yaml', 'utf8')
const get = (k, d) => { const m = new RegExp(k + ': *([-0-9.e]+)').exec(text); return m ? Number(m[1]) : d }
const lr = get('lr'), epochs = get('epochs', 1), sleep = get('sleep', 0)
const data = fs.readFileSync('data.txt', 'utf8').trim()
console.log('training lr=' + lr + ' epochs=' + epochs + ' on ' + data)
if (lr < 0) { console.error('lr must be positive'); process.exit(3) }
const end = Date.now() + sleep * 1000
const done = () => {
  fs.writeFileSync('model.txt', 'model ' + lr + ' ' + epochs + ' ' + data + '\\n')
  fs.writeFileSync('metrics.json', JSON.stringify({ loss: Math.round((1 - lr) * 1000) / 1000, epochs }))
}
if (sleep > 0) setTimeout(done, end - Date.now()); else done()
`

const DVC_YAML = `stages:
  train:
    cmd: node train.cjs
    deps: [train.cjs, data.txt]
    params: [train.lr, train.epochs, train.sleep]
    outs: [model.txt]
    metrics:
    - metrics.json:
        cache: false
`

export interface RedisTeam {
  base: string
  bare: string
  storage: string
  redis: RedisServer
  alice: Repo
  /** TRELLIS_QUEUE_URL for every CLI run. */
  env: Record<string, string>
  /** A new worker clone (its own cache). */
  workerClone(name: string): Repo
  /** Run the CLI in a repo with the team's env (plus `extra`). */
  run(repo: Repo, args: string[], extra?: Record<string, string>): Promise<RunResult>
  ok(repo: Repo, args: string[], extra?: Record<string, string>): Promise<RunResult>
  /** Start `trellis queue worker <args>` in a clone; its output is collected in `output()`. */
  worker(repo: Repo, args: string[], extra?: Record<string, string>): Worker
  remove(): Promise<void>
}

export interface Worker {
  child: ChildProcess
  output(): string
  exited: Promise<number>
}

export interface RedisTeamOptions {
  queue?: Record<string, unknown>
  password?: string
}

export async function makeRedisTeam(options: RedisTeamOptions = {}): Promise<RedisTeam> {
  const base = mkdtempSync(join(tmpdir(), 'trellis-redis-team-'))
  const storage = join(base, 'storage')
  const redis = await startRedis({ password: options.password })
  const queue = { backend: 'redis', gitRemote: 'origin', lockSeconds: 4, retryDelaySeconds: 1, ...options.queue }
  const alice = makeRepo({
    'dvc.yaml': DVC_YAML,
    'params.yaml': 'train:\n  lr: 0.1\n  epochs: 1\n  sleep: 0\n',
    'train.cjs': TRAIN,
    '.dvc/config': `[core]\n    remote = storage\n['remote "storage"']\n    url = ${storage}\n`,
    '.trellisrc.json': JSON.stringify({ plugins: ['@trellis/plugin-queue-redis'], queue }, null, 2),
  })
  const env = { TRELLIS_QUEUE_URL: redis.url }
  alice.write('data.txt', 'the data\n')
  expect((await alice.run(['add', '-q', 'data.txt'], { env })).code).toBe(0)
  alice.commitAll('data')
  const bare = join(base, 'remote.git')
  execFileSync('git', ['clone', '-q', '--bare', alice.dir, bare])
  alice.git('remote', 'add', 'origin', bare)
  // the data is on the DVC remote, as a team's would be
  expect((await alice.run(['push', '-q'], { env })).code).toBe(0)
  const workers: ChildProcess[] = []
  const team: RedisTeam = {
    base,
    bare,
    storage,
    redis,
    alice,
    env,
    workerClone(name) {
      const clone = new Repo(join(base, name))
      execFileSync('git', ['clone', '-q', '-b', 'main', bare, clone.dir])
      return clone
    },
    run: (repo, args, extra = {}) => repo.run(args, { env: { ...env, ...extra } }),
    async ok(repo, args, extra = {}) {
      const res = await repo.run(args, { env: { ...env, ...extra } })
      expect(res.code, `${args.join(' ')}\n${res.stdout}\n${res.stderr}`).toBe(0)
      return res
    },
    worker(repo, args, extra = {}) {
      const child = repo.spawn(['queue', 'worker', ...args], { env: { ...env, ...extra } })
      workers.push(child)
      let out = ''
      child.stdout!.on('data', (d) => (out += d))
      child.stderr!.on('data', (d) => (out += d))
      const exited = new Promise<number>((r) => child.on('close', (code, signal) => r(code ?? (signal === 'SIGKILL' ? 137 : 128))))
      return { child, output: () => out, exited }
    },
    async remove() {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL')
      await redis.stop()
      alice.remove()
      rmSync(base, { recursive: true, force: true })
    },
  }
  return team
}

/** Wait until `check` holds (polling), or fail naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The queue's entries as `queue status --json` lists them. */
export async function queueJson(team: RedisTeam, repo: Repo = team.alice): Promise<Array<{ id: string; name?: string; state: string; error?: string; result?: { name: string; ref: string; commit: string } | null; runner?: { host: string; pid: number } }>> {
  return JSON.parse((await team.ok(repo, ['queue', 'status', '--json'])).stdout)
}

export const remoteRefs = (bare: string, prefix: string) =>
  execFileSync('git', ['for-each-ref', '--format=%(refname) %(objectname)', prefix], { cwd: bare, encoding: 'utf8' }).split('\n').filter(Boolean)

/** A test file's teams: the returned function makes one; every team is removed after each test. */
export function redisTeams(): (options?: RedisTeamOptions) => Promise<RedisTeam> {
  const teams: RedisTeam[] = []
  afterEach(async () => {
    for (const t of teams.splice(0)) await t.remove()
  })
  return async (options) => {
    const t = await makeRedisTeam(options)
    teams.push(t)
    return t
  }
}

/** The 7-hex id `exp run --queue` printed. */
export const queuedId = (stdout: string): string => /Queued experiment '([0-9a-f]{7})'/.exec(stdout)![1]!
