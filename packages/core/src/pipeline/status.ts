/**
 * `trellis status`: which stages changed and why, as `dvc status` reports it.
 * Read-only: it never takes the project lock and never writes outside the
 * state store.
 */
import { posix, relative } from 'node:path'
import type { Project } from '../project.js'
import { PipelineIndex } from './pipeline-index.js'
import { planStages } from './plan.js'
import { isChanged, stageStatus, statusToJson, type StageStatus } from './stage-status.js'
import { resolveTargets } from './targets.js'
import type { Stage } from './types.js'
import { WorkingSet } from './working-set.js'

export interface StatusOptions {
  targets?: string[]
  recursive?: boolean
  /** Progress of directory hashing (see `ReproOptions.onHashProgress`). */
  onHashProgress?: (done: number, total: number) => void
}

/**
 * address → DVC's list of reasons, only for changed stages, in pipeline order.
 * Addresses and paths are named relative to the cwd, as `dvc status` names them
 * (`train` for ./dvc.yaml, `sub/dvc.yaml:copy`, `../data.txt.dvc`).
 */
export async function pipelineStatus(project: Project, options: StatusOptions = {}): Promise<Record<string, unknown[]>> {
  const index = await PipelineIndex.load(project.root)
  // as `dvc status`: no target means every stage of the project (dvc.yaml files and .dvc files), not ./dvc.yaml
  const targets = options.targets?.length ? resolveTargets(index, project.cwd, options.targets, { recursive: options.recursive }) : index.stages
  const plan = planStages(index, targets)
  const ws = await WorkingSet.openFor(project, undefined, { onHashProgress: options.onHashProgress })
  try {
    const result: Record<string, unknown[]> = {}
    const cwd = relative(project.root, project.cwd).split('\\').join('/')
    for (const stage of plan) {
      const status: StageStatus = await stageStatus(ws, stage, await ws.lockEntry(stage), { shownFrom: cwd })
      if (isChanged(status)) result[addressFrom(cwd, stage)] = statusToJson(status)
    }
    return result
  } finally {
    await ws.close()
  }
}

/** A stage's address as DVC gives it from `cwd` (root-relative): the file relative to it, `:name` unless it is ./dvc.yaml. */
function addressFrom(cwd: string, stage: Stage): string {
  const file = posix.relative(cwd, stage.dvcfile)
  if (stage.kind === 'single') return file
  return file === 'dvc.yaml' ? stage.name : `${file}:${stage.name}`
}

/** DVC's text form: tab indentation, statuses padded to 20 columns. */
export function renderStatus(status: Record<string, unknown[]>): string {
  if (Object.keys(status).length === 0) return 'Data and pipelines are up to date.\n'
  const lines: string[] = []
  const show = (value: unknown, indent: number): void => {
    const ind = '\t'.repeat(indent)
    if (typeof value === 'string') lines.push(`${ind}${value}`)
    else if (Array.isArray(value)) value.forEach((v) => show(v, indent))
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (typeof v === 'string') lines.push(`${ind}${`${v}:`.padEnd(20)}${key}`)
        else {
          lines.push(`${ind}${key}:`)
          show(v, indent + 1)
        }
      }
    }
  }
  for (const [stage, reasons] of Object.entries(status)) {
    lines.push(`${stage}:`)
    show(reasons, 1)
  }
  return `${lines.join('\n')}\n`
}
