/** The flags `plots show` and `plots diff` share, and the one way both run. */
import { spawn, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Flags } from '@oclif/core'
import type { Project } from '@trellis/core'

export const plotsFlags = {
  template: Flags.string({ char: 't', description: 'Template for every plot shown (a built-in name, .dvc/plots/<name>, or a file).' }),
  x: Flags.string({ char: 'x', description: 'Field for the X axis.' }),
  y: Flags.string({ char: 'y', description: 'Field for the Y axis.' }),
  'no-header': Flags.boolean({ description: 'CSV/TSV files have no header row (fields are named 0, 1, …).' }),
  title: Flags.string({ description: 'Plot title.' }),
  'x-label': Flags.string({ description: 'X axis label.' }),
  'y-label': Flags.string({ description: 'Y axis label.' }),
  out: Flags.string({ char: 'o', description: 'Directory of the page (index.html, static/).', default: 'dvc_plots' }),
  json: Flags.boolean({ description: 'Print every plot as JSON ({"data": {"<id>": [...]}, "errors": [...]}).', exclusive: ['show-vega'] }),
  'show-vega': Flags.boolean({ description: 'Print the filled Vega-Lite spec of the one target instead of writing a page.' }),
  open: Flags.boolean({ description: 'Open the page in a browser (the path is printed when none is found).' }),
  'html-template': Flags.string({ description: 'HTML page template; {plot_divs} marks where the plots go.' }),
}

type PlotsFlags = { [K in keyof typeof plotsFlags]?: unknown } & { quiet?: boolean }

export interface RunPlotsOptions {
  revs: string[]
  targets: string[]
  checkpoints?: boolean
  info: (line: string) => void
  warning: (message: string) => void
}

export async function runPlots(project: Project, flags: PlotsFlags, options: RunPlotsOptions): Promise<void> {
  const core = await import('@trellis/core')
  if (flags['show-vega'] && options.targets.length !== 1) {
    throw new core.TrellisError('INVALID_ARGUMENT', '--show-vega needs exactly one target', { hint: 'Name the plot: `trellis plots show --show-vega <plot>`.' })
  }
  const htmlTemplatePath = flags['html-template'] as string | undefined
  const htmlTemplate = htmlTemplatePath ? { path: htmlTemplatePath, text: await readTemplate(core, htmlTemplatePath) } : undefined
  const result = await core.collectPlots(project, {
    revs: options.revs,
    targets: options.targets,
    overrides: {
      template: flags.template as string | undefined,
      x: flags.x as string | undefined,
      y: flags.y as string | undefined,
      title: flags.title as string | undefined,
      x_label: flags['x-label'] as string | undefined,
      y_label: flags['y-label'] as string | undefined,
      header: flags['no-header'] ? false : undefined,
    },
  })
  if (options.checkpoints) result.plots.push(...(await core.checkpointPlots(project, options.revs, { template: flags.template as string | undefined })))
  const failed = core.nothingRendered(result)
  if (failed) throw failed
  const out = resolve(project.cwd, flags.out as string)

  if (flags['show-vega']) {
    const plot = result.plots.find((p) => p.vega)
    if (!plot?.vega) throw new core.TrellisError('INVALID_ARGUMENT', `'${options.targets[0]}' is an image plot: it has no Vega spec`)
    process.stdout.write(`${JSON.stringify(plot.vega.content, null, 2)}\n`)
    return
  }
  const page = await core.writePlots(result, { out, htmlTemplate })
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(core.plotsJson(result, out), null, 2)}\n`)
    return
  }
  for (const error of [...result.errors, ...result.plots.flatMap((p) => p.errors)]) {
    options.warning(`${error.id ? `plot '${error.id}' ` : ''}(${error.rev}${error.source && error.source !== error.id ? `, ${error.source}` : ''}): ${error.msg}`)
  }
  const url = pathToFileURL(page).href
  if (flags.open && openBrowser(page)) options.info(`Opening ${url}`)
  else if (flags.open) options.info(`No browser found; open ${url}`)
  else options.info(url)
}

async function readTemplate(core: typeof import('@trellis/core'), path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    throw new core.TrellisError('INVALID_ARGUMENT', `HTML template '${path}' cannot be read`, { hint: 'Pass an existing HTML file containing {plot_divs}.' })
  }
}

/** Start $BROWSER or the platform's opener when there is one; false when there is none. */
export function openBrowser(file: string): boolean {
  const command = process.env.BROWSER || (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open')
  if (process.platform !== 'win32' && spawnSync('sh', ['-c', 'command -v "$0"', command], { stdio: 'ignore' }).status !== 0) return false
  try {
    const child = spawn(command, [file], { detached: true, stdio: 'ignore' })
    child.on('error', () => {})
    child.unref()
    return true
  } catch {
    return false
  }
}
