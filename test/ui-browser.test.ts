/**
 * `trellis ui` in a real browser: Debian's chromium driven by playwright-core (installed by
 * scripts/setup-chromium.sh, which `npm test` runs first; never downloaded), against the
 * server started the way a user starts it (`trellis ui --no-open --port 0`) in repositories
 * made with the CLI:
 *
 * - examples/plots with two experiments (test/support/plots-project.ts): the table is
 *   `exp show`'s, cell for cell; sorting by a metric gives `--sort-by`'s order; column
 *   filters give `--include-params`/`--only-changed`'s columns, and a filter `exp show`
 *   refuses shows its error;
 *   two selected experiments show `exp diff`'s tables and every plot rendered (SVG marks,
 *   images loaded); an experiment queued from the form appears at once and, run by a worker
 *   in another process (`exp run --run-all`), finishes live with the values `exp show` then
 *   prints; its log is followed; a sweep queued from the form gives one row per value, both
 *   cancelled from the queue panel; apply refuses over a changed workspace, names the path
 *   and applies with force; branch makes the branch; remove drops the row;
 * - a checkpoint experiment: its older checkpoints fold into the tip, its metrics are drawn
 *   over the checkpoints, and a run continuing it from a terminal appears live, chain and
 *   all, as `exp show` prints it, and so does a new checkpoint experiment (`--reset`).
 *
 * The console has no error (but the 409 of the refused apply, which Chromium logs) and
 * nothing is requested outside the server. Screenshots go to test-artifacts/ui/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import { launchChromium, type LaunchedBrowser } from './support/chromium.js'
import { makePlotsProject, PLOT_IDS } from './support/plots-project.js'
import { makeRepo, type Repo } from './support/repo.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const ARTIFACTS = resolve(ROOT, 'test-artifacts/ui')
const WAIT = { timeout: 60_000 }

let browser: LaunchedBrowser
const repos: Repo[] = []
const servers: ChildProcess[] = []

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await launchChromium()
})
afterAll(async () => {
  for (const server of servers) {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r))
      server.kill('SIGTERM')
      await exited
    }
  }
  await browser?.close()
  for (const repo of repos) repo.remove()
})

/** `trellis ui --no-open --port 0` in the repository; resolves to the URL it prints. */
async function startUi(repo: Repo): Promise<string> {
  const child = repo.spawn(['ui', '--no-open', '--port', '0'])
  servers.push(child)
  let out = ''
  let err = ''
  return new Promise((resolveUrl, reject) => {
    child.stdout!.on('data', (d) => {
      out += d
      const match = /Trellis UI: (http:\/\/\S+)/.exec(out)
      if (match) resolveUrl(match[1])
    })
    child.stderr!.on('data', (d) => (err += d))
    child.once('exit', (code) => reject(new Error(`trellis ui exited (${code}): ${err}`)))
  })
}

interface OpenPage {
  page: Page
  problems: string[]
  foreign: string[]
}

async function openPage(url: string): Promise<OpenPage> {
  const page = await browser.context.newPage()
  await page.setViewportSize({ width: 1440, height: 1000 })
  const problems: string[] = []
  const foreign: string[] = []
  const origin = new URL(url).origin
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url())
  })
  await page.goto(url)
  await page.waitForSelector('body[data-ready="true"]', WAIT)
  return { page, problems, foreign }
}

/** The cells of a GitHub-markdown table (`--md`), header first. */
function mdTable(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-|]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
}

/** The page's experiments table as text: header, then one row per visible row. */
async function pageTable(page: Page): Promise<string[][]> {
  return page.$eval('table.experiments', (table) => {
    const header = [...table.querySelectorAll('thead th')].slice(1).map((th) => th.textContent!.replace(/ [▲▼]$/, '').trim())
    const rows = [...table.querySelectorAll('tbody tr.exp-row')].map((tr) => {
      const experiment = tr.querySelector('td.experiment')!
      const label = [...experiment.querySelectorAll('.glyph, .label, .parent')].map((n) => n.textContent).join('')
      return [label.trim(), ...[...tr.querySelectorAll('td[data-column]')].map((td) => td.textContent!.trim())]
    })
    return [header, ...rows]
  })
}

async function cli(repo: Repo, args: string[]): Promise<string> {
  const r = await repo.run(args)
  expect(r.stderr, args.join(' ')).toBe('')
  expect(r.code, args.join(' ')).toBe(0)
  return r.stdout
}

/** Drop a column (by title) from a table. */
function without(table: string[][], title: string): string[][] {
  const i = table[0].indexOf(title)
  return i < 0 ? table : table.map((row) => row.filter((_, j) => j !== i))
}

async function expectTable(page: Page, repo: Repo, args: string[], options: { ignoreCreated?: boolean } = {}): Promise<void> {
  const expected = mdTable(await cli(repo, ['exp', 'show', '--md', ...args]))
  const comparable = (table: string[][]) => (options.ignoreCreated ? without(table, 'Created') : table)
  // the page patches itself from events (rows first, the workspace row beside): wait until
  // it shows what the CLI prints, then compare (the failure shows the difference)
  const deadline = Date.now() + WAIT.timeout
  let shown = await pageTable(page)
  while (JSON.stringify(comparable(shown)) !== JSON.stringify(comparable(expected)) && Date.now() < deadline) {
    await page.waitForTimeout(200)
    shown = await pageTable(page)
  }
  expect(comparable(shown)).toEqual(comparable(expected))
}

const rowOf = (name: string) => `table.experiments tr.exp-row[data-name="${name}"]`

describe('trellis ui in chromium', () => {
  it('shows exp show, sorts, compares two experiments with their plots, queues one that finishes live, sweeps, cancels, applies with force, branches, removes', async () => {
    const repo = await makePlotsProject()
    repos.push(repo)
    const url = await startUi(repo)
    const { page, problems, foreign } = await openPage(url)

    // the rows and values of `exp show`
    await expectTable(page, repo, [])
    await page.screenshot({ path: `${ARTIFACTS}/table.png` })

    // sort by a metric: asc, then desc (exp show --sort-by)
    await page.click('th[data-column="loss"]')
    await expectTable(page, repo, ['--sort-by', 'loss'])
    await page.click('th[data-column="loss"]')
    await expectTable(page, repo, ['--sort-by', 'loss', '--sort-order', 'desc'])

    // choose columns as exp show's flags do; a filter exp show refuses shows its error
    await page.fill('input[name="includeParams"]', 'train.l*')
    await page.press('input[name="includeParams"]', 'Enter')
    await page.check('input[name="onlyChanged"]')
    await expectTable(page, repo, ['--sort-by', 'loss', '--sort-order', 'desc', '--include-params', 'train.l*', '--only-changed'])
    await page.fill('input[name="excludeMetrics"]', 'nosuch')
    await page.press('input[name="excludeMetrics"]', 'Enter')
    await page.waitForSelector('.main-col > .error-box[data-code="INVALID_ARGUMENT"]', WAIT)
    const refused = await repo.run(['exp', 'show', '--exclude-metrics', 'nosuch'])
    expect(refused.code).toBe(1)
    expect(await page.textContent('.main-col > .error-box .error-line')).toContain(refused.stderr.split('\n')[0].replace(/^ERROR: /, ''))
    await page.fill('input[name="excludeMetrics"]', '')
    await page.press('input[name="excludeMetrics"]', 'Enter')
    await page.fill('input[name="includeParams"]', '')
    await page.press('input[name="includeParams"]', 'Enter')
    await page.uncheck('input[name="onlyChanged"]')
    await expectTable(page, repo, ['--sort-by', 'loss', '--sort-order', 'desc'])

    // select two experiments: exp diff and their plots
    await page.click(`${rowOf('fast')} input[type=checkbox]`)
    await page.click(`${rowOf('slow')} input[type=checkbox]`)
    await page.waitForSelector('section.plots-view[data-revs="fast,slow"][data-state="loaded"]', WAIT)
    await page.waitForFunction(() => [...document.querySelectorAll('.vega-chart')].every((c) => c.getAttribute('data-state') !== 'loading'), undefined, WAIT)
    await page.waitForFunction(() => [...document.querySelectorAll('section.plot img')].every((i) => (i as HTMLImageElement).complete), undefined, WAIT)
    const plots = await page.$$eval('section.plots-view section.plot', (sections) =>
      sections.map((s) => ({
        id: (s as HTMLElement).dataset.plotId,
        state: s.querySelector('.vega-chart')?.getAttribute('data-state') ?? null,
        marks: s.querySelectorAll('svg g.mark-line > path, svg g.mark-rect > path, svg g.mark-symbol > path, svg g.mark-text > text').length,
        images: [...s.querySelectorAll('img')].map((i) => (i as HTMLImageElement).naturalWidth > 0),
        texts: [...s.querySelectorAll('svg text, figcaption')].map((t) => t.textContent ?? ''),
      })),
    )
    expect(plots.map((p) => p.id)).toEqual(PLOT_IDS)
    for (const plot of plots) {
      if (plot.id === 'plots/importance.png') {
        expect(plot.images).toEqual([true, true])
        continue
      }
      expect(plot.state, plot.id).toBe('rendered')
      expect(plot.marks, plot.id).toBeGreaterThan(0)
      for (const rev of ['fast', 'slow']) expect(plot.texts.some((t) => t.startsWith(rev)), `${plot.id} names ${rev}`).toBe(true)
    }
    const diffs = await page.$$eval('section.diff table.diff-table', (tables) =>
      tables.map((t) => [...t.querySelectorAll('tr')].map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent!.trim()))),
    )
    const cliDiff = await cli(repo, ['exp', 'diff', 'fast', 'slow', '--md'])
    expect(diffs).toEqual(cliDiff.split('\n\n').filter((t) => t.trim()).map(mdTable))
    await page.screenshot({ path: `${ARTIFACTS}/compare.png`, fullPage: true })
    await page.click('.selection-bar button:text("Clear")')

    // queue an experiment from the form: it appears at once, queued
    await page.fill('input[name="params.yaml:train.lr"]', '0.2')
    await page.fill('form.run-form input[name="name"]', 'from-ui')
    await page.click('form.run-form button[type=submit]')
    await page.waitForSelector(`${rowOf('from-ui')}[data-state="queued"]`, WAIT)
    await page.waitForSelector('.queue-panel li[data-state="queued"]', WAIT)
    await expectTable(page, repo, ['--sort-by', 'loss', '--sort-order', 'desc'])

    // a worker in another process runs it: the page follows, without reloading the table
    const worker = await repo.run(['exp', 'run', '--run-all'])
    expect(worker.code, worker.stderr).toBe(0)
    await page.waitForSelector(`${rowOf('from-ui')}[data-state=""]`, WAIT)
    await page.waitForSelector('table.experiments tr.exp-row[data-state="queued"]', { state: 'detached', ...WAIT })
    await expectTable(page, repo, ['--sort-by', 'loss', '--sort-order', 'desc'], { ignoreCreated: true })
    await page.screenshot({ path: `${ARTIFACTS}/live.png` })

    // follow the entry: its log
    await page.click('.queue-panel li[data-state="success"] button.follow')
    await page.waitForFunction(() => (document.querySelector('.queue-panel pre.log')?.textContent ?? '').includes('Running stage'), undefined, WAIT)

    // a sweep from the form: one queued row per value; both cancelled from the queue panel
    await page.fill('input[name="params.yaml:train.lr"]', '0.01,0.02')
    await page.fill('form.run-form input[name="name"]', '')
    await page.click('form.run-form button[type=submit]')
    await page.waitForFunction(() => document.querySelectorAll('table.experiments tr.exp-row[data-state="queued"]').length === 2, undefined, WAIT)
    expect(await page.textContent('form.run-form .done')).toMatch(/^Queued 2 experiment\(s\) \(sweep [0-9a-f]+\)/)
    const queued = await page.$$eval('.queue-panel li[data-state="queued"]', (items) => items.map((li) => (li as HTMLElement).dataset.entry!))
    expect(queued).toHaveLength(2)
    for (const id of queued) {
      await page.click(`.queue-panel li[data-entry="${id}"] button.cancel`)
      await page.waitForSelector(`.queue-panel li[data-entry="${id}"]`, { state: 'detached', ...WAIT })
    }
    await page.waitForSelector('table.experiments tr.exp-row[data-state="queued"]', { state: 'detached', ...WAIT })
    expect((await cli(repo, ['queue', 'status'])).split('\n').filter((l) => /\bQueued\b/.test(l))).toEqual([])

    // apply over a changed workspace: refused with the path named, then forced
    repo.write('params.yaml', 'train:\n  lr: 0.7\n  epochs: 30\n')
    await page.click(`${rowOf('from-ui')} input[type=checkbox]`)
    await page.click('.selection-bar button:text("Apply")')
    await page.waitForSelector('.actions .error-box', WAIT)
    expect(await page.$eval('.actions .error-box', (e) => e.textContent)).toContain('params.yaml')
    await page.click('.actions button.force')
    await page.waitForSelector('.actions .action-result', WAIT)
    expect(await page.textContent('.actions .action-result')).toContain('from-ui')
    expect(repo.read('params.yaml')).toContain('lr: 0.2')

    // a branch of it, then remove another experiment: its row goes
    await page.fill('.selection-bar input[name="branch"]', 'from-ui-branch')
    await page.click('.selection-bar button:text("Branch")')
    await page.waitForSelector('.actions .action-result:has-text("from-ui-branch")', WAIT)
    expect(repo.git('branch', '--list', 'from-ui-branch')).toContain('from-ui-branch')
    await page.click('.selection-bar button:text("Clear")')
    await page.click(`${rowOf('fast')} input[type=checkbox]`)
    await page.click('.selection-bar button:text("Remove")')
    await page.click('.selection-bar button:text("Confirm remove (1)")')
    await page.waitForSelector(rowOf('fast'), { state: 'detached', ...WAIT })
    await expectTable(page, repo, ['--sort-by', 'loss', '--sort-order', 'desc'], { ignoreCreated: true })

    // chromium logs the refused request itself; nothing else went wrong
    expect(problems).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)'])
    expect(foreign).toEqual([])
    await page.close()
  }, 300_000)

  it('folds checkpoints into their tip, draws metrics over checkpoints, shows a continued run and a new checkpoint experiment live', async () => {
    const helper = pathToFileURL(resolve(ROOT, 'packages/plugin-checkpoints/dist/make-checkpoint.js')).href
    const repo = makeRepo({
      'train.mjs': `import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { makeCheckpoint } from '${helper}'
let n = existsSync('model.txt') ? Number(readFileSync('model.txt', 'utf8')) : 0
const lr = Number(/lr: (.*)/.exec(readFileSync('params.yaml', 'utf8'))[1])
for (let i = 1; i <= 3; i++) {
  n++
  writeFileSync('model.txt', n + '\\n')
  writeFileSync('metrics.json', JSON.stringify({ epoch: n, loss: 1 / (n * lr + 1) }))
  await makeCheckpoint()
}
`,
      'params.yaml': 'lr: 0.1\n',
      'dvc.yaml': 'stages:\n  train:\n    cmd: node train.mjs\n    deps: [train.mjs]\n    params: [lr]\n    outs:\n    - model.txt:\n        checkpoint: true\n    metrics:\n    - metrics.json:\n        cache: false\n',
    })
    repos.push(repo)
    await cli(repo, ['exp', 'run', '-q', '-n', 'ck'])
    const url = await startUi(repo)
    const { page, problems, foreign } = await openPage(url)

    // folded: the tip says how many older checkpoints it hides; unfolded: exp show
    await page.waitForSelector(`${rowOf('ck')} button.expand`, WAIT)
    expect(await page.textContent(`${rowOf('ck')} button.expand`)).toContain('2')
    expect(await page.$$eval('table.experiments tr.exp-row', (rows) => rows.length)).toBe(3)
    await page.click(`${rowOf('ck')} button.expand`)
    await expectTable(page, repo, [])

    // metrics over checkpoints: one curve per metric, three points each
    await page.click(`${rowOf('ck')} input[type=checkbox]`)
    await page.waitForFunction(() => document.querySelectorAll('.checkpoint-curves .vega-chart[data-state="rendered"]').length === 2, undefined, WAIT)
    const curves = await page.$$eval('.checkpoint-curves section.plot', (sections) =>
      sections.map((s) => ({ id: (s as HTMLElement).dataset.plotId, points: s.querySelectorAll('svg g.mark-symbol > path, svg g.mark-point > path').length })),
    )
    expect(curves.map((c) => c.id)).toEqual(['metrics.json:epoch', 'metrics.json:loss'])
    await page.screenshot({ path: `${ARTIFACTS}/checkpoints.png`, fullPage: true })

    // a run from a terminal continues the experiment: three more checkpoints arrive live
    await cli(repo, ['exp', 'run', '-q', '-n', 'ck'])
    await expectTable(page, repo, [], { ignoreCreated: true })
    expect(await page.textContent(`${rowOf('ck')} button.expand`)).toContain('5')

    // a new checkpoint experiment from a terminal: its chain arrives live, folded into its tip
    await cli(repo, ['exp', 'run', '-q', '-n', 'ck2', '--reset', '-S', 'lr=0.5'])
    await page.waitForSelector(`${rowOf('ck2')} button.expand`, WAIT)
    await page.click(`${rowOf('ck2')} button.expand`)
    await expectTable(page, repo, [], { ignoreCreated: true })

    expect(curves.every((c) => c.points >= 3)).toBe(true)
    expect(problems).toEqual([])
    expect(foreign).toEqual([])
    await page.close()
  }, 180_000)
})
