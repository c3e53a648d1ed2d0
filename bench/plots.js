#!/usr/bin/env node
// `trellis plots diff` of 20 revisions x 10 plots x 1,000 points: 20 tagged commits, each
// with 10 CSV plot files of 1,000 rows (declared under a top-level `plots:` section), made
// with `git fast-import`. Measured, each in a fresh process as a user runs it:
//   write   `trellis plots diff r0 … r19`: read 200 files from git, fill the templates, write
//           dvc_plots/index.html (target < 2 s). Baseline: DVC's `dvc plots diff` on the same
//           repository when a `dvc` executable is on PATH; otherwise the minimal git work
//           (`git cat-file --batch` of the same 200 blobs), with a note.
//   render  the page in Debian's chromium (playwright-core), from navigation until every
//           chart has rendered (target < 3 s). Baseline: the same page without charts (the
//           inlined Vega bundle alone). Skipped, with a note, when /usr/bin/chromium is absent.
// Standalone: `node bench/plots.js`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { cleanup, git, median, report, sh, tempDir, trellis } from './lib.js'

const REVS = 20
const PLOTS = 10
const POINTS = 1000
const RUNS = Number(process.env.BENCH_RUNS ?? 3)

function csv(rev, plot) {
  const lines = ['epoch,loss,accuracy']
  for (let i = 0; i < POINTS; i++) lines.push(`${i},${(1 / (1 + i * (rev + 1) * 0.01) + plot * 0.01).toFixed(5)},${(1 - 1 / (2 + i * 0.01 * (plot + 1))).toFixed(5)}`)
  return `${lines.join('\n')}\n`
}

export function makeRepo(dir) {
  git(['init', '-q', '-b', 'main'], dir)
  trellis(['init', '-q'], dir)
  const plots = Array.from({ length: PLOTS }, (_, p) => `  - plots/p${p}.csv:\n      x: epoch\n      y: loss\n`).join('')
  writeFileSync(join(dir, 'dvc.yaml'), `stages: {}\nplots:\n${plots}`)
  git(['add', '-A'], dir)
  git(['commit', '-qm', 'init'], dir)
  let stream = ''
  const blob = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`
  for (let r = 0; r < REVS; r++) {
    const msg = `rev ${r}`
    stream += `commit refs/heads/main\ncommitter Bench <bench@example.com> ${1_600_000_000 + r} +0000\ndata ${msg.length}\n${msg}\n`
    if (r === 0) stream += 'from refs/heads/main^0\n'
    for (let p = 0; p < PLOTS; p++) stream += `M 100644 inline plots/p${p}.csv\n${blob(csv(r, p))}`
    stream += `\nreset refs/tags/r${r}\nfrom refs/heads/main\n\n`
  }
  sh('git', ['fast-import', '--quiet'], dir, { input: stream })
  git(['reset', '-q', '--hard', 'main'], dir)
}

export default async function run() {
  const dir = tempDir('plots')
  const revs = Array.from({ length: REVS }, (_, r) => `r${r}`)
  try {
    makeRepo(dir)
    const writeMs = await median(() => trellis(['plots', 'diff', ...revs], dir), RUNS)
    const dvc = spawnSync('sh', ['-c', 'command -v dvc'], { encoding: 'utf8' }).stdout.trim()
    if (dvc) {
      const dvcMs = await median(() => sh(dvc, ['plots', 'diff', ...revs, '-o', 'dvc_plots_dvc'], dir), RUNS)
      report({ name: `plots diff ${REVS} revs x ${PLOTS} plots x ${POINTS} points, page written`, trellisMs: writeMs, baselineName: 'dvc plots diff', baselineMs: dvcMs, target: '< 2000 ms' })
    } else {
      const blobs = revs.flatMap((r) => Array.from({ length: PLOTS }, (_, p) => `${r}:plots/p${p}.csv`)).join('\n')
      const gitMs = await median(() => sh('git', ['cat-file', '--batch'], dir, { input: `${blobs}\n` }), RUNS)
      report({
        name: `plots diff ${REVS} revs x ${PLOTS} plots x ${POINTS} points, page written`,
        trellisMs: writeMs,
        baselineName: 'git cat-file (no dvc on PATH)',
        baselineMs: gitMs,
        target: '< 2000 ms',
        extra: `DVC column skipped: no dvc executable found; load average ${loadavg()[0].toFixed(1)}`,
      })
    }
    await renderBench(join(dir, 'dvc_plots', 'index.html'), dir)
  } finally {
    cleanup(dir)
  }
}

async function renderBench(page, dir) {
  if (!existsSync('/usr/bin/chromium')) {
    console.log('page render: skipped (no /usr/bin/chromium; run scripts/setup-chromium.sh)')
    return
  }
  const { chromium } = await import('playwright-core')
  const profile = mkdtempSync(join(tmpdir(), 'trellis-bench-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  try {
    const { renderPlotPage } = await import('../packages/core/dist/plots/plot-page.js')
    const emptyPage = join(dir, 'empty.html')
    writeFileSync(emptyPage, renderPlotPage({ revisions: [], plots: [], errors: [] }))
    const load = async (file) => {
      const tab = await context.newPage()
      const t = process.hrtime.bigint()
      await tab.goto(pathToFileURL(file).href)
      await tab.waitForSelector('body[data-rendered="true"]', { timeout: 180_000 })
      const ms = Number(process.hrtime.bigint() - t) / 1e6
      await tab.close()
      return ms
    }
    const times = []
    const baseline = []
    await load(page)
    for (let i = 0; i < RUNS; i++) {
      times.push(await load(page))
      baseline.push(await load(emptyPage))
    }
    const mid = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    report({ name: `plots page render in chromium (${REVS * PLOTS} series, ${REVS * PLOTS * POINTS} points)`, trellisMs: mid(times), baselineName: 'same page without charts', baselineMs: mid(baseline), target: '< 3000 ms', extra: `load average ${loadavg()[0].toFixed(1)}` })
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run()
