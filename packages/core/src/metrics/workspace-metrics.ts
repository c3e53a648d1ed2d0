/**
 * The metrics of the workspace: every output declared under `metrics:` in any
 * stage (or the paths given), read and keyed by their path relative to the cwd,
 * in the `{workspace: {data: {<path>: {data}}}}` shape DVC's `--json` prints.
 */
import { existsSync } from 'node:fs'
import { relative, resolve, sep } from 'node:path'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import type { Project } from '../project.js'
import { readMetricsFile } from './read-metrics-file.js'

export interface MetricsShowOptions {
  /** Metrics files (relative to the cwd) instead of every declared metric. */
  targets?: string[]
}

export type RevMetrics = Record<string, { data?: unknown; error?: { type: string; msg: string } }>

export async function metricsFiles(project: Project, targets: string[] = []): Promise<string[]> {
  if (targets.length) return targets.map((t) => relative(project.root, resolve(project.cwd, t)).split(sep).join('/'))
  const index = await PipelineIndex.load(project.root)
  const files = index.stages.flatMap((s) => s.outs.filter((o) => o.metric).map((o) => o.path))
  return [...new Set([...files, ...index.topLevelMetrics])]
}

export async function workspaceMetrics(project: Project, options: MetricsShowOptions = {}): Promise<Record<string, { data: RevMetrics }>> {
  const data: RevMetrics = {}
  for (const file of await metricsFiles(project, options.targets)) {
    const abs = resolve(project.root, file)
    const shown = relative(project.cwd, abs).split(sep).join('/')
    if (!existsSync(abs)) continue
    data[shown] = { data: await readMetricsFile(abs, shown) }
  }
  return { workspace: { data } }
}
