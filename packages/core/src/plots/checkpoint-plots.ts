/**
 * `plots diff --checkpoints`: a checkpoint experiment is a chain of commits (README,
 * "Checkpoints"), each holding the metrics at that checkpoint. Every metrics file becomes
 * one chart whose x is the checkpoint index (`step`, 0 = the first checkpoint) and whose y
 * fields are the file's numeric metrics (nested keys joined with `.`), one line per revision
 * and metric: a long run is one curve, not one point. A revision that is not an experiment
 * (a branch, a commit, the workspace) contributes one point at step 0. The metrics are read
 * through the summary index (rev-reader.ts), so a chain is read from git once.
 */
import { expChain } from '../experiments/refs/exp-lineage.js'
import { resolveRevOrThrow } from '../experiments/refs/resolve-exp.js'
import type { RevData } from '../experiments/read/rev-data.js'
import { WORKSPACE } from '../experiments/read/rev-diff.js'
import { RevReader } from '../experiments/read/rev-reader.js'
import { flatten, isMapping } from '../metrics/flatten.js'
import type { Project } from '../project.js'
import { PyFloat } from '../util/python-json.js'
import type { PlotGroup } from './collect-plots.js'
import type { Row } from './plot-data.js'
import { convertSeries, STEP } from './plot-series.js'
import { ANCHORS, fillTemplate, TemplateLoader } from './templates.js'

function numericRow(data: unknown): Row {
  const row: Row = {}
  if (!isMapping(data)) return row
  for (const [key, value] of Object.entries(flatten(data))) {
    if (value instanceof PyFloat) row[key] = value.value
    else if (typeof value === 'number' || typeof value === 'bigint') row[key] = Number(value)
  }
  return row
}

export async function checkpointPlots(project: Project, revs: string[], options: { template?: string } = {}): Promise<PlotGroup[]> {
  const reader = await RevReader.open(project)
  // metrics file → revision → rows (one per checkpoint)
  const files = new Map<string, Map<string, Row[]>>()
  for (const rev of revs) {
    let chain: RevData[]
    if (rev === WORKSPACE) chain = [await reader.workspace()]
    else {
      const resolved = await resolveRevOrThrow(reader.store, reader.experiments, rev)
      const shas = resolved.exp ? (await expChain(reader.store, { ...resolved.exp, sha: resolved.sha })).reverse() : [resolved.sha]
      chain = []
      for (const sha of shas) chain.push(await reader.data(sha))
    }
    chain.forEach((data, step) => {
      for (const [path, entry] of Object.entries(data.metrics)) {
        if (entry.error !== undefined) continue
        const row = numericRow(entry.data)
        if (Object.keys(row).length === 0) continue
        const byRev = files.get(path) ?? new Map<string, Row[]>()
        files.set(path, byRev)
        const rows = byRev.get(rev) ?? []
        byRev.set(rev, rows)
        rows.push({ [STEP]: step, ...row })
      }
    })
  }
  await reader.save()
  const loader = new TemplateLoader({ root: project.root, cwd: project.cwd })
  const groups: PlotGroup[] = []
  for (const [path, byRev] of files) {
    const inputs = [...byRev].map(([rev, rows]) => {
      const yFields = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== STEP)
      return { rev, filename: path, rows, xField: STEP, yFields }
    })
    const converted = convertSeries(inputs)
    const content = fillTemplate(loader.load(options.template), {
      [ANCHORS.data]: converted.datapoints,
      [ANCHORS.title]: `${path} per checkpoint`,
      [ANCHORS.x]: converted.x,
      [ANCHORS.y]: converted.y,
      [ANCHORS.x_label]: 'checkpoint',
      [ANCHORS.y_label]: converted.yLabel,
    }) as Record<string, unknown>
    const id = `checkpoints:${path}`
    groups.push({ id, vega: { type: 'vega', id, revisions: [...byRev.keys()], content }, images: [], errors: [] })
  }
  return groups
}
