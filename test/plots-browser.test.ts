/**
 * The plots page in a real browser (Debian's chromium through playwright-core; installed by
 * scripts/setup-chromium.sh, which `npm test` runs first). On the example ML pipeline with
 * two experiments (test/support/plots-project.ts): every plot id renders an SVG with marks
 * (or its images), the legend (or the facet headers) names both experiments, the console
 * has no error, and nothing is fetched from the network. Screenshots go to
 * test-artifacts/plots/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Repo } from './support/repo.js'
import { launchChromium, type LaunchedBrowser } from './support/chromium.js'
import { makePlotsProject, PLOT_IDS } from './support/plots-project.js'

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../test-artifacts/plots')

let repo: Repo
let browser: LaunchedBrowser
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  ;[repo, browser] = await Promise.all([makePlotsProject(), launchChromium()])
})
afterAll(async () => {
  await browser?.close()
  repo?.remove()
})

interface Section {
  id: string
  marks: number
  images: number
  loadedImages: number
  texts: string[]
}

async function openPage(url: string) {
  const page = await browser.context.newPage()
  const problems: string[] = []
  const requests: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url())
  })
  await page.goto(url)
  await page.waitForSelector('body[data-rendered="true"]', { timeout: 30_000 })
  const sections = await page.$$eval('section.plot', (nodes) =>
    nodes.map((s) => ({
      id: (s as HTMLElement).dataset.plotId ?? '',
      marks: s.querySelectorAll('svg g.mark-line > path, svg g.mark-rect > path, svg g.mark-symbol > path, svg g.mark-text > text').length,
      images: s.querySelectorAll('div.images img').length,
      loadedImages: [...s.querySelectorAll('div.images img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length,
      texts: [...s.querySelectorAll('svg text')].map((t) => t.textContent ?? ''),
    })),
  )
  return { page, problems, requests, sections: sections as Section[] }
}

describe('the plots page in chromium', () => {
  it('renders every plot of two experiments with marks, both in the legend, no console error', async () => {
    const r = await repo.run(['plots', 'diff', 'fast', 'slow'])
    expect(r.code).toBe(0)
    const { page, problems, requests, sections } = await openPage(r.stdout.trim())
    expect(sections.map((s) => s.id)).toEqual(PLOT_IDS)
    for (const section of sections) {
      if (section.id === 'plots/importance.png') {
        expect(section.images, section.id).toBe(2)
        expect(section.loadedImages, section.id).toBe(2)
        continue
      }
      expect(section.marks, section.id).toBeGreaterThan(0)
      for (const rev of ['fast', 'slow']) expect(section.texts.some((t) => t.startsWith(rev)), `${section.id} names ${rev}`).toBe(true)
    }
    expect(problems).toEqual([])
    expect(requests).toEqual([])
    await page.screenshot({ path: `${ARTIFACTS}/plots-diff.png`, fullPage: true })
    await page.close()
  })

  it('renders every built-in template with both experiments and no console error', async () => {
    for (const template of ['simple', 'linear', 'scatter', 'scatter_jitter', 'smooth', 'bar_horizontal', 'bar_horizontal_sorted', 'confusion', 'confusion_normalized']) {
      const out = `page-${template}`
      const target = template.startsWith('confusion') ? 'eval/confusion.csv' : template.startsWith('bar') ? 'eval/features.json' : 'eval/roc_test.json'
      const args = template.startsWith('confusion')
        ? ['plots', 'diff', 'fast', 'slow', '--targets', target, '-t', template, '-o', out]
        : template.startsWith('bar')
          ? ['plots', 'diff', 'fast', 'slow', '--targets', target, '-t', template, '-x', 'importance', '-y', 'feature', '-o', out]
          : ['plots', 'diff', 'fast', 'slow', '--targets', target, '-t', template, '-x', 'fpr', '-y', 'tpr', '-o', out]
      const r = await repo.run(args)
      expect(r.code, template).toBe(0)
      const { page, problems, sections } = await openPage(pathToFileURL(repo.path(`${out}/index.html`)).href)
      expect(sections.length, template).toBeGreaterThan(0)
      for (const section of sections) {
        expect(section.marks, `${template} ${section.id}`).toBeGreaterThan(0)
        for (const rev of ['fast', 'slow']) expect(section.texts.some((t) => t.startsWith(rev)), `${template} names ${rev}`).toBe(true)
      }
      expect(problems, template).toEqual([])
      await page.screenshot({ path: `${ARTIFACTS}/template-${template}.png`, fullPage: true })
      await page.close()
    }
  })
})
