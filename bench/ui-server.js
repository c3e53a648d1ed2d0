#!/usr/bin/env node
// `trellis ui`'s server with 1,000 experiments on the current baseline (written the way DVC
// writes them — parent = baseline, params.yaml, dvc.lock, metrics.json and a loss curve
// changed, ref refs/exps/AA/BB.../exp-xxxxx — in one `git fast-import` run, not by running
// pipelines). The server is started by the built CLI (`ui --no-open --port 0`) and driven
// over HTTP as the page drives it:
//
//   memory   peak RSS of the server process (maxRSS at exit) after: the project, the table
//            cold (no summary index) and 5 times warm, the plots of 10 experiments, an open
//            event stream and 10 new experiment refs. Target < 200 MB.
//            Baseline: peak RSS of `trellis exp show --json` on the same repository.
//   table    GET /api/experiments (warm) vs `trellis exp show --json` (warm), a fresh process
//            each time as a user runs it.
//   live     a ref written by `git update-ref` (another process) → its `experiment` event on
//            /api/events; vs what polling the table once costs (GET /api/experiments, warm).
//
// `makeUiBenchRepo` is exported for the page benchmarks. Standalone: `node bench/ui-server.js`.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CLI, GIT_ENV, cleanup, git, median, report, tempDir, trellis } from './lib.js'

const EXPERIMENTS = Number(process.env.BENCH_UI_EXPS ?? 1000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const T0 = 1_700_000_000

const DVC_YAML = `stages:
  train:
    cmd: node train.js
    deps: [train.js]
    params: [train.lr, train.epochs, model.layers]
    metrics:
    - metrics.json:
        cache: false
    plots:
    - plots/loss.csv:
        cache: false
        x: epoch
        y: loss
`
const params = (lr, epochs, layers) => `train:\n  lr: ${lr}\n  epochs: ${epochs}\nmodel:\n  layers: ${layers}\n`
const metrics = (acc, loss) => JSON.stringify({ acc, loss, f1: Number((acc * 0.9).toFixed(6)) })
const lossCsv = (lr) => `epoch,loss\n${Array.from({ length: 10 }, (_, e) => `${e},${(1 / (1 + lr * (e + 1))).toFixed(5)}`).join('\n')}\n`
const lock = (lr, epochs, layers, m) =>
  `schema: '2.0'\nstages:\n  train:\n    cmd: node train.js\n    params:\n      params.yaml:\n        model.layers: ${layers}\n        train.epochs: ${epochs}\n        train.lr: ${lr}\n    outs:\n    - path: metrics.json\n      md5: ${createHash('md5').update(m).digest('hex')}\n      size: ${m.length}\n`

const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`
const inline = (path, text) => `M 100644 inline ${path}\n${data(text)}`
const committer = (t) => `committer Bench <bench@example.com> ${t} +0000\n`

function fastImport(dir, stream) {
  const res = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, env: GIT_ENV, input: stream, maxBuffer: 1 << 28 })
  if (res.status !== 0) throw new Error(`git fast-import failed: ${res.stderr}`)
}

/** A repository in `dir` whose HEAD (main) has `experiments` experiments; returns the baseline sha and the experiments' names. */
export function makeUiBenchRepo(dir, experiments = EXPERIMENTS) {
  git(['init', '-q', '-b', 'main'], dir)
  trellis(['init', '-q'], dir)
  const m0 = metrics(0.5, 1)
  let stream = `commit refs/heads/main\n${committer(T0)}${data('baseline')}`
  stream += inline('dvc.yaml', DVC_YAML) + inline('train.js', 'console.log("train")\n') + inline('.gitignore', '')
  stream += inline('params.yaml', params(0.1, 10, 64)) + inline('metrics.json', m0) + inline('dvc.lock', lock(0.1, 10, 64, m0)) + inline('plots/loss.csv', lossCsv(0.1))
  fastImport(dir, stream)
  git(['reset', '-q', '--hard', 'main'], dir)
  const baseline = git(['rev-parse', 'HEAD'], dir).trim()
  const names = []
  stream = ''
  for (let e = 0; e < experiments; e++) {
    const lr = Number((0.0005 * (e + 1)).toFixed(6))
    const epochs = 5 + (e % 20)
    const layers = [32, 64, 128][e % 3]
    const m = metrics(Number((0.6 + e / 5000).toFixed(6)), Number((0.5 - e / 5000).toFixed(6)))
    const hash = createHash('sha256').update(`ui/${e}`).digest('hex')
    const name = `exp-${hash.slice(0, 8)}` // 8 hex: 5 would collide among 1,000
    names.push(name)
    stream += `commit refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}\n${committer(T0 + 60 * (e + 1))}${data(`dvc: commit experiment ${hash}`)}from ${baseline}\n`
    stream += inline('params.yaml', params(lr, epochs, layers)) + inline('metrics.json', m) + inline('dvc.lock', lock(lr, epochs, layers, m)) + inline('plots/loss.csv', lossCsv(lr))
  }
  fastImport(dir, stream)
  return { baseline, names }
}

/** Prints `maxRSS <KB>` on stderr when the process exits (`node -r`), for the processes measured. */
function rssPreload(dir) {
  const file = join(dir, '.git', 'bench-rss.cjs')
  writeFileSync(file, "process.on('exit', () => require('node:fs').writeSync(2, `\\nmaxRSS ${process.resourceUsage().maxRSS}\\n`))\n")
  return file
}

const maxRssMb = (stderr) => Number(/maxRSS (\d+)/.exec(stderr)?.[1]) / 1024

/** The server in `dir`; resolves once its URL is printed. */
function startServer(dir, preload) {
  const child = spawn(process.execPath, ['-r', preload, CLI, 'ui', '--no-open', '--port', '0'], { cwd: dir, env: { ...GIT_ENV, NODE_ENV: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const out = { stdout: '', stderr: '' }
  child.stderr.on('data', (d) => (out.stderr += d))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out.stdout += d
      const match = /Trellis UI: (http:\/\/\S+)/.exec(out.stdout)
      if (match) {
        const url = new URL(match[1])
        resolve({ child, out, origin: url.origin, token: url.searchParams.get('token') })
      }
    })
    child.once('exit', (code) => reject(new Error(`trellis ui exited (${code}): ${out.stderr}`)))
  })
}

async function getJson(server, path) {
  const r = await fetch(server.origin + path, { headers: { authorization: `Bearer ${server.token}` } })
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`)
  return r.json()
}

/** An event stream whose `experiment` events resolve the waiters registered by ref. */
async function openEvents(server) {
  const controller = new AbortController()
  const response = await fetch(`${server.origin}/api/events?token=${server.token}`, { signal: controller.signal })
  const waiters = new Map()
  let buffer = ''
  const decoder = new TextDecoder()
  void (async () => {
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true })
        let end
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (!block.startsWith('event: experiment')) continue
          const event = JSON.parse(block.slice(block.indexOf('data: ') + 6))
          waiters.get(event.ref)?.(process.hrtime.bigint())
        }
      }
    } catch {
      // closed
    }
  })()
  return {
    wait: (ref) => new Promise((resolve) => waiters.set(ref, resolve)),
    close: () => controller.abort(),
  }
}

export default async function uiServer() {
  const dir = tempDir('ui-server')
  let server
  try {
    const t = process.hrtime.bigint()
    const { baseline, names } = makeUiBenchRepo(dir)
    const setupS = Number(process.hrtime.bigint() - t) / 1e9
    const preload = rssPreload(dir)
    const cacheDir = join(dir, '.dvc', 'tmp', 'exps', 'trellis')

    // the CLI's own figures: peak RSS and warm time of `exp show --json`
    const show = spawnSync(process.execPath, ['-r', preload, CLI, 'exp', 'show', '--json'], { cwd: dir, env: GIT_ENV, encoding: 'utf8', maxBuffer: 1 << 28 })
    if (show.status !== 0) throw new Error(`exp show failed: ${show.stderr}`)
    const cliRows = Object.keys(JSON.parse(show.stdout)[baseline]).length - 1
    if (cliRows !== EXPERIMENTS) throw new Error(`exp show: expected ${EXPERIMENTS} experiments, got ${cliRows}`)
    const cliRss = maxRssMb(show.stderr)
    const cliWarm = await median(() => trellis(['exp', 'show', '--json'], dir), RUNS)

    spawnSync('rm', ['-rf', cacheDir])
    server = await startServer(dir, preload)
    await getJson(server, '/api/project')
    const cold = process.hrtime.bigint()
    const table = await getJson(server, '/api/experiments')
    const coldMs = Number(process.hrtime.bigint() - cold) / 1e6
    const rows = Object.keys(table.experiments[baseline]).length - 1
    if (rows !== EXPERIMENTS) throw new Error(`/api/experiments: expected ${EXPERIMENTS} experiments, got ${rows}`)
    const apiWarm = await median(() => getJson(server, '/api/experiments'), RUNS)
    const plots = await getJson(server, `/api/plots?revs=${names.slice(0, 10).join(',')}`)
    if (!plots.plots.some((p) => p.id === 'plots/loss.csv' && p.vega)) throw new Error('/api/plots: no loss plot')

    // live: a ref written by another process, until its event arrives
    const events = await openEvents(server)
    const latencies = []
    for (let i = 0; i < 10; i++) {
      const ref = `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/bench-live-${i}`
      const arrived = events.wait(ref)
      const sha = git(['rev-parse', `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${names[i]}`], dir).trim()
      spawnSync('git', ['update-ref', ref, sha], { cwd: dir, env: GIT_ENV })
      const written = process.hrtime.bigint()
      latencies.push(Number((await arrived) - written) / 1e6)
    }
    events.close()
    latencies.sort((a, b) => a - b)
    const latency = latencies[Math.floor(latencies.length / 2)]

    server.child.kill('SIGTERM')
    await new Promise((resolve) => server.child.once('exit', resolve))
    const serverRss = maxRssMb(server.out.stderr)
    server = undefined

    const extra = `${EXPERIMENTS} exps on one baseline, setup ${setupS.toFixed(1)} s`
    report({ name: 'ui server peak RSS (MB)', trellisMs: serverRss, baselineName: 'exp show --json peak RSS', baselineMs: cliRss, target: 'server < 200 MB', extra, unit: 'MB' })
    report({ name: 'ui GET /api/experiments, warm', trellisMs: apiWarm, baselineName: 'exp show --json (process)', baselineMs: cliWarm, target: 'for reference', extra: `cold (no summary index) ${coldMs.toFixed(0)} ms` })
    report({ name: 'ui live event after a ref is written (median of 10)', trellisMs: latency, baselineName: 'one poll of the table', baselineMs: apiWarm, target: '< 1000 ms', extra: `max ${latencies[latencies.length - 1].toFixed(0)} ms` })
  } finally {
    if (server) server.child.kill('SIGTERM')
    cleanup(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await uiServer()
