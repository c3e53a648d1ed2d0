#!/usr/bin/env node
// `trellis ui`'s page in Chromium (Debian's /usr/bin/chromium through playwright-core,
// headless) with 1,000 experiments on the current baseline (bench/ui-server.js's repository:
// one `git fast-import`, the experiments written the way DVC writes them). The server is
// started by the built CLI (`ui --no-open --port 0`); the summary index is warm (a second
// visit), the cold figure is printed too.
//
//   interactive  navigation → the table's rows on screen (the page records when,
//                `body[data-ready-ms]`, ms since navigation) and the main thread free (no
//                long task after), plus the first click on a metric's header until the 1,000
//                rows are sorted and painted. Timed inside the page. Median of 5 fresh pages.
//                Target < 1.5 s. Baseline: `trellis exp show` printing the same table in a
//                terminal (a process).
//   sort         the next sort of the 1,000 rows (header click → rows painted), in the page.
//   scroll       the table scrolled 600 px a frame from top to bottom: frame intervals (the
//                rows are virtualised: only those in view are in the DOM).
//   live         a new experiment commit (made beforehand with `git commit-tree`) whose ref
//                is written by `git update-ref` (another process) → its row in the page's
//                DOM (a MutationObserver records the time). Median of 10. Target < 1 s.
//                Baseline: one poll of the whole table (GET /api/experiments, warm).
//
// Standalone: `node bench/ui-page.js`.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { CLI, GIT_ENV, cleanup, git, median, report, tempDir, trellis } from './lib.js'
import { makeUiBenchRepo } from './ui-server.js'

const EXPERIMENTS = Number(process.env.BENCH_UI_EXPS ?? 1000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const LIVE_RUNS = 10

function startServer(dir) {
  const child = spawn(process.execPath, [CLI, 'ui', '--no-open', '--port', '0'], { cwd: dir, env: { ...GIT_ENV, NODE_ENV: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d
      const match = /Trellis UI: (http:\/\/\S+)/.exec(stdout)
      if (match) resolve({ child, url: match[1] })
    })
    child.once('exit', (code) => reject(new Error(`trellis ui exited (${code}): ${stderr}`)))
  })
}

async function stopServer(server) {
  if (!server || server.child.exitCode !== null) return
  const exited = new Promise((resolve) => server.child.once('exit', resolve))
  server.child.kill('SIGTERM')
  await exited
}

/** A click on a header, timed inside the page: click → the sorted rows painted (ms). */
async function sortInPage(page, order) {
  return page.evaluate(async (order) => {
    const t0 = performance.now()
    document.querySelector('th[data-column="acc"]').click()
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
    if (!document.querySelector(`th.sorted-${order}[data-column="acc"]`)) throw new Error('not sorted')
    return performance.now() - t0
  }, order)
}

/**
 * One visit. `interactive`: the rows on screen (the page records when) and the main thread
 * free — the end of the last long task (> 50 ms) that starts before 500 ms of quiet after the
 * rows; `firstSort`: the first click on a header, in the page, until the sorted rows are
 * painted. Timed inside the page, so the test driver's own latency is not counted.
 */
async function visit(context, url) {
  const page = await context.newPage()
  await page.setViewportSize({ width: 1440, height: 1000 })
  await page.addInitScript(() => {
    window.__longTasks = []
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, end: e.startTime + e.duration })
    }).observe({ type: 'longtask', buffered: true })
  })
  await page.goto(url)
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 })
  const rows = await page.$eval('.table-scroll', (el) => Number(el.dataset.rows))
  if (rows !== EXPERIMENTS + 2) throw new Error(`the page shows ${rows} rows, expected ${EXPERIMENTS + 2}`)
  const { ready, interactive } = await page.evaluate(async () => {
    const ready = Number(document.body.dataset.readyMs)
    await new Promise((r) => setTimeout(r, Math.max(0, ready + 500 - performance.now())))
    let interactive = ready
    for (const t of window.__longTasks) if (t.start < interactive + 500 && t.end > interactive) interactive = t.end
    return { ready, interactive }
  })
  const firstSort = await sortInPage(page, 'asc')
  const sortMs = await sortInPage(page, 'desc')
  // scroll through the 1,000 rows, 600 px a frame: frame intervals, and rows in the DOM
  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('.table-scroll')
    const frames = []
    let last = performance.now()
    for (let y = 600; y < el.scrollHeight; y += 600) {
      el.scrollTop = y
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
      const now = performance.now()
      frames.push(now - last)
      last = now
    }
    frames.sort((a, b) => a - b)
    return { median: frames[frames.length >> 1], p95: frames[Math.floor(frames.length * 0.95)], domRows: document.querySelectorAll('tr.exp-row').length }
  })
  await page.close()
  return { ready, interactive, firstSort, sortMs, scroll }
}

const mid = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export default async function uiPage() {
  const dir = tempDir('ui-page')
  const profile = mkdtempSync(join(tmpdir(), 'trellis-bench-chromium-'))
  let server
  let context
  try {
    const { baseline, names } = makeUiBenchRepo(dir, EXPERIMENTS)
    const cliShow = await median(() => trellis(['exp', 'show'], dir), RUNS)

    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    // cold: no summary index yet (the server reads the 1,000 experiments from git)
    rmSync(join(dir, '.dvc', 'tmp', 'exps', 'trellis'), { recursive: true, force: true })
    server = await startServer(dir)
    const cold = await visit(context, server.url)
    const visits = []
    for (let i = 0; i < RUNS; i++) visits.push(await visit(context, server.url))

    // live: new commits, their refs written by another process
    const token = new URL(server.url).searchParams.get('token')
    const origin = new URL(server.url).origin
    const poll = await median(async () => {
      const r = await fetch(`${origin}/api/experiments`, { headers: { authorization: `Bearer ${token}` } })
      await r.text()
    }, RUNS)
    const page = await context.newPage()
    await page.setViewportSize({ width: 1440, height: 1000 })
    await page.goto(server.url)
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 })
    await page.waitForSelector('header .live.connected')
    const prefix = `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}`
    const latencies = []
    for (let i = 0; i < LIVE_RUNS; i++) {
      const tree = git(['rev-parse', `${prefix}/${names[i]}^{tree}`], dir).trim()
      const commit = git(['commit-tree', tree, '-p', baseline, '-m', `dvc: commit experiment bench-live-${i}`], dir).trim()
      await page.evaluate((sha) => {
        window.__seen = new Promise((resolve) => {
          const found = () => document.querySelector(`tr.exp-row[data-rev="${sha}"]`)
          const observer = new MutationObserver(() => {
            if (found()) {
              observer.disconnect()
              resolve(Date.now())
            }
          })
          observer.observe(document.body, { childList: true, subtree: true })
        })
      }, commit)
      const written = Date.now()
      const r = spawnSync('git', ['update-ref', `${prefix}/bench-live-${i}`, commit], { cwd: dir, env: GIT_ENV })
      if (r.status !== 0) throw new Error(`git update-ref failed: ${r.stderr}`)
      const seen = await page.evaluate(() => window.__seen)
      latencies.push(seen - written)
    }
    await page.close()
    latencies.sort((a, b) => a - b)

    const extra = `${EXPERIMENTS} exps on one baseline, Chromium ${context.browser()?.version() ?? ''}`.trim()
    report({
      name: 'ui page interactive + first sort painted (median of 5)',
      trellisMs: mid(visits.map((v) => v.interactive + v.firstSort)),
      baselineName: 'exp show (process)',
      baselineMs: cliShow,
      target: '< 1500 ms',
      extra: `${extra}; rows on screen ${mid(visits.map((v) => v.ready)).toFixed(0)} ms, interactive ${mid(visits.map((v) => v.interactive)).toFixed(0)} ms; cold (no summary index) ${(cold.interactive + cold.firstSort).toFixed(0)} ms`,
    })
    report({ name: 'ui page sort of the 1,000 rows (click → painted)', trellisMs: mid(visits.map((v) => v.sortMs)), baselineName: 'one frame at 60 Hz', baselineMs: 1000 / 60, target: 'smooth (for reference)' })
    report({
      name: 'ui page scrolling the 1,000 rows: frame interval (median)',
      trellisMs: mid(visits.map((v) => v.scroll.median)),
      baselineName: 'one frame at 60 Hz',
      baselineMs: 1000 / 60,
      target: 'smooth (for reference)',
      extra: `p95 ${mid(visits.map((v) => v.scroll.p95)).toFixed(0)} ms; ${visits[0].scroll.domRows} rows in the DOM`,
    })
    report({
      name: 'ui page new experiment visible after its ref is written (median of 10)',
      trellisMs: latencies[Math.floor(latencies.length / 2)],
      baselineName: 'one poll of the table',
      baselineMs: poll,
      target: '< 1000 ms',
      extra: `max ${latencies[latencies.length - 1].toFixed(0)} ms`,
    })
  } finally {
    await context?.close()
    await stopServer(server)
    rmSync(profile, { recursive: true, force: true })
    cleanup(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await uiPage()
