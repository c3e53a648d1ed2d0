// The Redis queue (@trellis/plugin-queue-redis), against a real redis-server started here on a
// free loopback port (Debian's, see scripts/setup-redis.sh), a bare git remote and a directory
// DVC remote:
//
// 1. Dispatch overhead per job, beyond the git and data transfers: claim (BullMQ getNextJob,
//    the runner recorded, lock renewal and log streaming set up) + complete (job completed)
//    through the backend's Node API, for N entries whose run changed nothing, minus the time
//    the entry commit's git fetch took (measured around it). Baseline: the same claim +
//    complete on the local queue (plugin-queue). Target: < 100 ms per job.
// 2. 16 queued jobs whose stage sleeps 2 s: 4 workers (`trellis queue worker -j 1`, each in
//    its own clone with its own cache) against 1 worker, wall time from the workers' start
//    to the last entry done. Target: 4 workers <= 0.35x of 1 worker. Sleep-bound.
//
// BENCH_REDIS_DISPATCH (default 20), BENCH_REDIS_SLEEP_JOBS (16), BENCH_REDIS_ONLY=dispatch|workers.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { CLI, GIT_ENV, cleanup, git, report, sh, tempDir, trellis } from './lib.js'

const DISPATCH = Number(process.env.BENCH_REDIS_DISPATCH ?? 20)
const SLEEP_JOBS = Number(process.env.BENCH_REDIS_SLEEP_JOBS ?? 16)
const ONLY = process.env.BENCH_REDIS_ONLY

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

async function startRedis(dir) {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' })
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((r) => {
      const c = connect(port, '127.0.0.1')
      c.once('connect', () => (c.end(), r(true)))
      c.once('error', () => r(false))
    })
    if (up) break
    await new Promise((r) => setTimeout(r, 25))
  }
  return { url: `redis://127.0.0.1:${port}/0`, stop: () => child.kill('SIGTERM') }
}

/** A project with a remote `origin`, a DVC remote, and the redis queue configured (the url from TRELLIS_QUEUE_URL). */
function project(base, stage, name = 'bench') {
  const dir = join(base, 'submitter')
  mkdirSync(dir)
  git(['init', '-q', '-b', 'main'], dir)
  trellis(['init', '-q'], dir)
  const files = {
    'dvc.yaml': `stages:\n  s:\n    cmd: ${stage}\n    params: [p]\n    outs: [out.txt]\n`,
    'params.yaml': 'p: 0\n',
    '.dvc/config': `[core]\n    remote = storage\n['remote "storage"']\n    url = ${join(base, 'storage')}\n`,
    '.trellisrc.json': JSON.stringify({ plugins: ['@trellis/plugin-queue-redis'], queue: { backend: 'redis', gitRemote: 'origin', name } }),
  }
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content)
  git(['add', '-A'], dir)
  git(['commit', '-qm', 'base'], dir)
  git(['clone', '-q', '--bare', dir, join(base, 'remote.git')], base)
  git(['remote', 'add', 'origin', join(base, 'remote.git')], dir)
  return dir
}

async function open(dir) {
  const core = await import('@trellis/core')
  const builtins = await Promise.all(['@trellis/plugin-git-refs', '@trellis/plugin-checkpoints', '@trellis/plugin-queue'].map(async (n) => (await import(n)).default))
  return { core, project: await core.openProject(dir, { defaultPlugins: async () => builtins }) }
}

async function dispatch(redisUrl) {
  const base = tempDir('redis-dispatch')
  try {
    const dir = project(base, 'echo $(grep p params.yaml) > out.txt', 'bench-dispatch')
    process.env.TRELLIS_QUEUE_URL = redisUrl
    const { core, project: p } = await open(dir)
    const redis = await p.services.get('queue')
    const runner = core.selfRunner()
    let fetchMs = 0
    const fetch = redis.refs.fetch.bind(redis.refs)
    redis.refs.fetch = async (id) => {
      const t = performance.now()
      await fetch(id)
      fetchMs += performance.now() - t
    }
    for (let i = 0; i < DISPATCH; i++) await core.queueExperiment(p, { setParams: [`p=${i + 1}`] })
    const t = performance.now()
    for (let i = 0; i < DISPATCH; i++) await redis.complete(await redis.claim(runner), null)
    const redisMs = (performance.now() - t - fetchMs) / DISPATCH
    await redis.close()

    // the local queue, same entries, same calls
    const local = join(base, 'local')
    git(['clone', '-q', dir, local], base)
    writeFileSync(join(local, '.trellisrc.json'), JSON.stringify({ queue: { backend: 'local' } }))
    const { project: lp } = await open(local)
    const localQueue = await lp.services.get('queue')
    for (let i = 0; i < DISPATCH; i++) await core.queueExperiment(lp, { setParams: [`p=${i + 1}`] })
    const t2 = performance.now()
    for (let i = 0; i < DISPATCH; i++) await localQueue.complete(await localQueue.claim(runner), null)
    const localMs = (performance.now() - t2) / DISPATCH
    report({
      name: `redis queue dispatch per job (claim + complete, git fetch excluded: ${(fetchMs / DISPATCH).toFixed(0)} ms/job)`,
      trellisMs: redisMs,
      baselineName: 'local queue',
      baselineMs: localMs,
      target: '< 100 ms per job',
      extra: redisMs < 100 ? 'met' : 'MISSED',
    })
  } finally {
    delete process.env.TRELLIS_QUEUE_URL
    cleanup(base)
  }
}

async function workers(redisUrl, count) {
  const base = tempDir(`redis-workers-${count}`)
  const env = { ...GIT_ENV, TRELLIS_QUEUE_URL: redisUrl }
  delete env.NODE_ENV
  try {
    const dir = project(base, 'sleep 2 && echo $(grep p params.yaml) > out.txt', `bench-workers-${count}`)
    const values = Array.from({ length: SLEEP_JOBS }, (_, i) => i + 1).join(',')
    sh(process.execPath, [CLI, 'exp', 'run', '--queue', '-q', '-S', `p=${values}`], dir, { env })
    const clones = Array.from({ length: count }, (_, i) => {
      const clone = join(base, `w${i}`)
      git(['clone', '-q', '-b', 'main', join(base, 'remote.git'), clone], base)
      return clone
    })
    const t = performance.now()
    const exits = clones.map(
      (clone) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [CLI, 'queue', 'worker', '-j', '1', '--idle-exit', '1'], { cwd: clone, env, stdio: 'ignore' })
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))))
        }),
    )
    // done = the last entry completed; the workers then idle 1 s before exiting (not counted)
    process.env.TRELLIS_QUEUE_URL = redisUrl
    const { project: p } = await open(dir)
    const queue = await p.services.get('queue')
    let wall = 0
    for (;;) {
      const entries = await queue.list()
      if (entries.filter((e) => e.state === 'success').length === SLEEP_JOBS) {
        wall = performance.now() - t
        break
      }
      if (entries.some((e) => e.state === 'failed')) throw new Error('an entry failed')
      await new Promise((r) => setTimeout(r, 100))
    }
    await queue.close()
    await Promise.all(exits)
    return wall
  } finally {
    delete process.env.TRELLIS_QUEUE_URL
    cleanup(base)
  }
}

export default async function () {
  const dir = tempDir('redis')
  const redis = await startRedis(dir)
  try {
    if (!ONLY || ONLY === 'dispatch') await dispatch(redis.url)
    if (!ONLY || ONLY === 'workers') {
      const four = await workers(redis.url, 4)
      const one = await workers(redis.url, 1)
      report({
        name: `${SLEEP_JOBS} jobs sleeping 2 s: 4 workers -j 1`,
        trellisMs: four,
        baselineName: '1 worker',
        baselineMs: one,
        target: '<= 0.35x',
        extra: four / one <= 0.35 ? 'met' : 'MISSED',
      })
    }
  } finally {
    redis.stop()
    cleanup(dir)
  }
}
