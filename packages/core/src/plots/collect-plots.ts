/**
 * `plots show` / `plots diff`: the plots of several revisions, each chart overlaying them.
 *
 * For every revision (`workspace`, or a commit/branch/tag/experiment read from git, never
 * checked out) the pipeline is loaded (rev-pipeline.ts), its plot definitions collected
 * (plot-definitions.ts) and directories expanded; then per plot id the files of every
 * revision are read (plot-files.ts), parsed (plot-data.ts), turned into datapoints
 * (plot-series.ts) and poured into the plot's template (templates.ts). Images are kept per
 * revision. Whatever fails (a missing file, bad data, a missing field, an unknown template in
 * dvc.yaml) becomes an error of that plot and revision; the other plots are unaffected.
 */
import { posix, relative, sep } from 'node:path'
import { TrellisError } from '../errors.js'
import { errorInfo } from '../experiments/show/error-info.js'
import type { GitRepository } from '../plugin-api/git-repository.js'
import { resolveRevOrThrow } from '../experiments/refs/resolve-exp.js'
import { loadRevPipeline } from '../experiments/read/rev-pipeline.js'
import { GitTreeSource, WorkspaceSource, type RevSource } from '../experiments/read/rev-source.js'
import { WORKSPACE } from '../experiments/read/rev-diff.js'
import { isWithin } from '../pipeline/path-utils.js'
import type { Project } from '../project.js'
import { isImage, isPlotFile, parsePlotData } from './plot-data.js'
import { plotDefinitions, type PlotDefinition, type PlotProps } from './plot-definitions.js'
import { PlotFiles } from './plot-files.js'
import { convertSeries, resolveFields, type SeriesInput } from './plot-series.js'
import { ANCHORS, fillTemplate, TemplateLoader } from './templates.js'

export interface PlotOverrides extends PlotProps {
  x?: string
  y?: string
}

export interface CollectPlotsOptions {
  /** Revision labels as typed; `workspace` for the work tree. */
  revs: string[]
  /** Plot ids or paths (relative to the current directory); none: every plot. */
  targets?: string[]
  /** Flags that override every selected plot's properties (-t, -x, -y, --title, …). */
  overrides?: PlotOverrides
}

export interface PlotError {
  /** The plot id (absent for an error of a whole revision, e.g. a dvc.yaml that fails to load). */
  id?: string
  rev: string
  /** The file concerned. */
  source?: string
  code: string
  msg: string
}

export interface VegaPlot {
  type: 'vega'
  id: string
  revisions: string[]
  /** The filled Vega-Lite spec, datapoints included. */
  content: Record<string, unknown>
}

export interface ImagePlot {
  type: 'image'
  id: string
  rev: string
  /** The image file's path (DVC-root-relative). */
  source: string
  bytes: Uint8Array
}

export interface PlotGroup {
  id: string
  vega?: VegaPlot
  images: ImagePlot[]
  errors: PlotError[]
}

export interface PlotsResult {
  revisions: string[]
  plots: PlotGroup[]
  /** Errors of whole revisions (no plot id). */
  errors: PlotError[]
}

interface Rev {
  label: string
  files: PlotFiles
  defs: PlotDefinition[]
}

/** Open every revision: unknown ones are one error before anything is read. */
async function openRevs(project: Project, labels: string[], errors: PlotError[]): Promise<Rev[]> {
  const store: GitRepository = await project.services.get('gitRepository')
  const prefix = relative(project.gitRoot, project.root).split(sep).join(posix.sep)
  const shas = new Map<string, string>()
  const revLabels = labels.filter((label) => label !== WORKSPACE)
  if (revLabels.length) {
    const experiments = await project.services.get('experimentStore')
    for (const label of revLabels) shas.set(label, (await resolveRevOrThrow(store, experiments, label)).sha)
  }
  const revs: Rev[] = []
  for (const label of labels) {
    const sha = shas.get(label)
    const source: RevSource = sha ? await GitTreeSource.open(store, sha, prefix) : new WorkspaceSource(project.root)
    const pipeline = await loadRevPipeline(source, { root: project.root })
    for (const { path, error } of pipeline.errors) errors.push({ rev: label, source: path, code: 'PIPELINE_INVALID', msg: error.msg })
    const files = new PlotFiles({
      source,
      stages: pipeline.stages,
      cacheDir: project.dvcConfig.cacheDir,
      root: sha ? undefined : project.root,
      git: sha ? { store, sha, prefix } : undefined,
    })
    revs.push({ label, files, defs: plotDefinitions(pipeline.stages, pipeline.files) })
  }
  return revs
}

/**
 * Which definitions the targets select: a named id as typed, or a path (relative to the
 * current directory) equal to, inside or holding a plot's file. A target that names no
 * definition is plotted as a data file.
 */
function selectDefinitions(all: PlotDefinition[], targets: Array<{ typed: string; path: string }> | undefined): PlotDefinition[] {
  if (!targets || targets.length === 0) return all
  const chosen: PlotDefinition[] = []
  for (const { typed, path: target } of targets) {
    const matching = all.filter((d) => (d.named ? d.id === typed : d.id === target || d.sources.some((s) => isWithin(s.path, target) || isWithin(target, s.path))))
    if (matching.length === 0) chosen.push({ id: target, sources: [{ path: target }], props: {}, named: false })
    for (const def of matching) if (!chosen.includes(def)) chosen.push(def)
  }
  return chosen
}

interface Concrete {
  id: string
  props: PlotProps
  /** Per revision label: the files with their fields. */
  sources: Map<string, Array<{ path: string; x?: string; y?: string[] }>>
  /** Per revision label: files that are not there. */
  missing: Map<string, string[]>
}

export async function collectPlots(project: Project, options: CollectPlotsOptions): Promise<PlotsResult> {
  const errors: PlotError[] = []
  const overrides = options.overrides ?? {}
  const loader = new TemplateLoader({ root: project.root, cwd: project.cwd })
  if (overrides.template) loader.load(overrides.template) // an unknown -t is the command's error, not a plot's
  const revs = await openRevs(project, options.revs, errors)
  const targets = options.targets?.map((typed) => ({ typed, path: relative(project.root, posix.resolve(project.cwd.split(sep).join('/'), typed)).split(sep).join('/') }))

  // the definitions: the last revision that defines an id wins (the newest, usually the workspace)
  const union = new Map<string, PlotDefinition>()
  for (const rev of revs) for (const def of rev.defs) union.set(def.id, def)
  const selected = selectDefinitions([...union.values()], targets)

  const concrete = new Map<string, Concrete>()
  const concreteOf = (id: string, props: PlotProps): Concrete => {
    let c = concrete.get(id)
    if (!c) concrete.set(id, (c = { id, props, sources: new Map(), missing: new Map() }))
    return c
  }
  for (const def of selected) {
    const props: PlotProps = { ...def.props, ...definedOnly(overrides) }
    for (const rev of revs) {
      for (const src of def.sources) {
        const spec = { path: src.path, x: overrides.x ?? src.x, y: overrides.y ? [overrides.y] : src.y }
        const kind = await rev.files.kind(src.path)
        if (kind === 'dir') {
          for (const file of (await rev.files.filesUnder(src.path)).filter(isPlotFile)) {
            const c = concreteOf(def.named ? def.id : file, props)
            pushTo(c.sources, rev.label, { ...spec, path: file })
          }
        } else {
          const c = concreteOf(def.id, props)
          if (kind === 'file') pushTo(c.sources, rev.label, spec)
          else pushTo(c.missing, rev.label, src.path)
        }
      }
    }
  }

  const plots: PlotGroup[] = []
  for (const c of concrete.values()) plots.push(await renderPlot(c, revs, loader))
  return { revisions: revs.map((r) => r.label), plots, errors }
}

function definedOnly(overrides: PlotOverrides): PlotProps {
  const out: PlotProps = {}
  for (const key of ['template', 'title', 'x_label', 'y_label', 'header'] as const) if (overrides[key] !== undefined) (out as Record<string, unknown>)[key] = overrides[key]
  return out
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

async function renderPlot(c: Concrete, revs: Rev[], loader: TemplateLoader): Promise<PlotGroup> {
  const group: PlotGroup = { id: c.id, images: [], errors: [] }
  const inputs: Array<SeriesInput & { xField: string; yFields: string[] }> = []
  const drawn: string[] = []
  for (const rev of revs) {
    for (const path of c.missing.get(rev.label) ?? []) {
      group.errors.push({ id: c.id, rev: rev.label, source: path, code: 'PLOT_NOT_FOUND', msg: `'${path}' does not exist in ${rev.label}` })
    }
    for (const src of c.sources.get(rev.label) ?? []) {
      try {
        const bytes = await rev.files.read(src.path)
        if (!bytes) throw new TrellisError('PLOT_NOT_FOUND', `'${src.path}' does not exist in ${rev.label}`)
        if (isImage(src.path)) {
          group.images.push({ type: 'image', id: c.id, rev: rev.label, source: src.path, bytes })
          continue
        }
        const input: SeriesInput = { rev: rev.label, filename: src.path, rows: parsePlotData(bytes, src.path, { header: c.props.header }), x: src.x, y: src.y }
        inputs.push({ ...input, ...resolveFields(input) })
        if (!drawn.includes(rev.label)) drawn.push(rev.label)
      } catch (error) {
        const info = errorInfo(error)
        group.errors.push({ id: c.id, rev: rev.label, source: src.path, code: (error as TrellisError).code ?? info.type, msg: info.msg })
      }
    }
  }
  if (inputs.length > 0) {
    try {
      const template = loader.load(c.props.template)
      const converted = convertSeries(inputs)
      const content = fillTemplate(template, {
        [ANCHORS.data]: converted.datapoints,
        [ANCHORS.title]: c.props.title ?? '',
        [ANCHORS.x]: converted.x,
        [ANCHORS.y]: converted.y,
        [ANCHORS.x_label]: c.props.x_label ?? converted.xLabel,
        [ANCHORS.y_label]: c.props.y_label ?? converted.yLabel,
      }) as Record<string, unknown>
      group.vega = { type: 'vega', id: c.id, revisions: drawn, content }
    } catch (error) {
      group.errors.push({ id: c.id, rev: drawn.join(', '), code: (error as TrellisError).code ?? 'PLOT_TEMPLATE_INVALID', msg: errorInfo(error).msg })
    }
  }
  return group
}

/** Nothing at all could be drawn: the command's one error. */
export function nothingRendered(result: PlotsResult): TrellisError | undefined {
  if (result.plots.some((p) => p.vega || p.images.length > 0)) return undefined
  const all = [...result.errors, ...result.plots.flatMap((p) => p.errors)]
  if (all.length === 1) {
    const [only] = all
    return new TrellisError('PLOTS_NOTHING_RENDERED', `${only.id ? `plot '${only.id}': ` : ''}${only.msg}`, { hint: 'Fix the plot definition or its data file and run again.' })
  }
  const detail = all.length > 0 ? `:\n${all.map((e) => `  ${e.id ?? e.source ?? ''} (${e.rev}): ${e.msg}`).join('\n')}` : ''
  return new TrellisError('PLOTS_NOTHING_RENDERED', `no plots to render${detail}`, {
    hint: all.length > 0 ? 'Fix the errors above and run again.' : 'Declare plots in dvc.yaml (stage `plots:` outputs or a top-level `plots:` section), or name data files as targets.',
  })
}
