/**
 * Writing the plots: the page and its images go to a fresh temporary directory beside the
 * output directory, which is then renamed into place (the previous one is moved aside and
 * deleted), so `dvc_plots/` is never left half-written. `--json` prints DVC 3's shape:
 * `{"data": {"<id>": [{"type": "vega", "revisions": [...], "content": <spec with data>} |
 * {"type": "image", "revisions": ["<rev>"], "url": "<written file>"}]}, "errors": [...]}`
 * (`errors` left out when there are none).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { PlotsResult } from './collect-plots.js'
import { imagePath, renderPlotPage } from './plot-page.js'

export interface WritePlotsOptions {
  /** The output directory (absolute). */
  out: string
  htmlTemplate?: { text: string; path: string }
}

/** Write `<out>/index.html` and `<out>/static/*`; returns the page's path. */
export async function writePlots(result: PlotsResult, options: WritePlotsOptions): Promise<string> {
  const out = resolve(options.out)
  const page = renderPlotPage(result, options.htmlTemplate) // before touching the disk: a bad template writes nothing
  const parent = dirname(out)
  await mkdir(parent, { recursive: true })
  const token = `${process.pid}.${randomBytes(4).toString('hex')}`
  const tmp = join(parent, `.${basename(out)}.${token}.tmp`)
  const old = join(parent, `.${basename(out)}.${token}.old`)
  try {
    await mkdir(join(tmp, 'static'), { recursive: true })
    for (const plot of result.plots) for (const image of plot.images) await writeFile(join(tmp, imagePath(image)), image.bytes)
    await writeFile(join(tmp, 'index.html'), page)
    const moved = await rename(out, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false
        throw error
      },
    )
    await rename(tmp, out)
    if (moved) await rm(old, { recursive: true, force: true })
  } catch (error) {
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
  return join(out, 'index.html')
}

/** DVC's `--json` document. */
export function plotsJson(result: PlotsResult, out: string): Record<string, unknown> {
  const data: Record<string, unknown[]> = {}
  for (const plot of result.plots) {
    const entries: unknown[] = []
    if (plot.vega) entries.push({ type: 'vega', revisions: plot.vega.revisions, content: plot.vega.content })
    for (const image of plot.images) entries.push({ type: 'image', revisions: [image.rev], url: join(resolve(out), imagePath(image)) })
    data[plot.id] = entries
  }
  const errors = [...result.errors, ...result.plots.flatMap((p) => p.errors)].map((e) => ({
    ...(e.id !== undefined ? { name: e.id } : {}),
    rev: e.rev,
    ...(e.source !== undefined ? { source: e.source } : {}),
    type: e.code,
    msg: e.msg,
  }))
  return errors.length > 0 ? { data, errors } : { data }
}
