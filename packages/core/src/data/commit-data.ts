/**
 * `dvc commit`: record the workspace's current deps, params and outputs of
 * stages (all of them, or those of the targets) in `dvc.lock` / their `.dvc`
 * files and put the cached outputs into the cache, after a manual edit.
 * Nothing runs. A stage whose record would change is committed only after
 * confirmation (every question is asked before anything is written) or with
 * `force`; without a way to ask (stdin is not a terminal), it is refused.
 *
 * In a DVC 3 project (`dvc-format.ts`) the records written are DVC 3's (`hash: md5`,
 * plain md5) and their objects go into `.dvc/cache/files/md5`, as `dvc commit` does.
 */
import { TrellisError } from '../errors.js'
import { buildInputs, withOutputs } from '../pipeline/lock-entry.js'
import { ensureIgnored } from '../pipeline/gitignore.js'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import { stageStatus } from '../pipeline/stage-status.js'
import { hashNameOf, type Stage } from '../pipeline/types.js'
import { WorkingSet } from '../pipeline/working-set.js'
import type { Project } from '../project.js'
import { trackedOutputs } from './tracked-outputs.js'

export interface CommitOptions {
  targets?: readonly string[]
  cwd?: string
  recursive?: boolean
  /** `-d`: also the stages the targets depend on. */
  withDeps?: boolean
  /** `-f`: commit changed stages without asking. */
  force?: boolean
  /** Ask the user (a terminal); undefined when there is nobody to ask. */
  confirm?: (question: string) => Promise<boolean>
}

export interface CommitResult {
  /** Stages (addresses) whose record was written. */
  committed: string[]
}

type CommitProject = Pick<Project, 'root' | 'cwd' | 'dvcConfig'> & { lock: Project['lock']; settings?: Project['settings'] }

const pyList = (items: string[]) => `[${items.map((i) => `'${i}'`).join(', ')}]`

/** DVC's `_prepare_message`. */
function question(stage: Stage, deps: string[], outs: string[]): string {
  const name = `stage: '${stage.address}'`
  let msg: string
  if (deps.length && outs.length) msg = `dependencies ${pyList(deps)} and outputs ${pyList(outs)} of ${name} changed.`
  else if (deps.length) msg = `dependencies ${pyList(deps)} of ${name} changed.`
  else if (outs.length) msg = `outputs ${pyList(outs)} of ${name} changed.`
  else msg = `${name} changed.`
  return `${msg} Are you sure you want to commit it?`
}

function selectStages(index: PipelineIndex, stages: Stage[], withDeps: boolean): Stage[] {
  if (!withDeps) return stages
  const out = new Set<Stage>()
  const visit = (s: Stage) => {
    if (out.has(s)) return
    out.add(s)
    for (const up of index.dependenciesOf(s)) visit(up)
  }
  stages.forEach(visit)
  return index.stages.filter((s) => out.has(s))
}

export async function commitData(project: CommitProject, options: CommitOptions = {}): Promise<CommitResult> {
  const lock = await project.lock(`trellis commit ${(options.targets ?? []).join(' ')}`.trim())
  try {
    const index = await PipelineIndex.load(project.root)
    let stages = index.stages
    if (options.targets?.length) {
      const outs = await trackedOutputs(index, { targets: options.targets, cwd: options.cwd ?? project.cwd, recursive: options.recursive, includeUncached: true })
      const chosen = new Set(outs.map((o) => o.stage))
      // a stage named as a target may have no outputs at all
      stages = index.stages.filter((s) => chosen.has(s) || (s.outs.length === 0 && options.targets!.includes(s.address)))
    }
    stages = selectStages(index, stages, !!options.withDeps).filter((s) => !s.deps.some((d) => d.repo))
    const ws = await WorkingSet.openFor(project)
    try {
      const plan: Array<{ stage: Stage; question?: string }> = []
      for (const stage of stages) {
        const recorded = await ws.lockEntry(stage)
        const status = await stageStatus(ws, stage, recorded)
        const deps = Object.keys(status.changedDeps)
        const outs = Object.entries(status.changedOuts).filter(([, s]) => s !== 'not in cache').map(([p]) => p)
        const notInCache = Object.values(status.changedOuts).includes('not in cache')
        const changed = !recorded || status.changedCommand || deps.length > 0 || outs.length > 0
        if (!changed && !notInCache) continue
        plan.push({ stage, question: changed ? question(stage, deps, outs) : undefined })
      }
      const asks = plan.filter((p) => p.question)
      if (!options.force && asks.length > 0) {
        if (!options.confirm) {
          throw new TrellisError('CONFIRMATION_REQUIRED', `unable to commit changed ${asks.map((a) => `stage: '${a.stage.address}'`).join(', ')} without confirmation: stdin is not a terminal.`, {
            hint: 'Use `-f|--force` to force.',
          })
        }
        for (const ask of asks) {
          if (!(await options.confirm(ask.question!))) {
            throw new TrellisError('CONFIRMATION_REQUIRED', `unable to commit changed stage: '${ask.stage.address}'. Use \`-f|--force\` to force.`, {
              hint: 'Nothing was committed.',
            })
          }
        }
      }
      const committed: string[] = []
      for (const { stage } of plan) {
        const entry = await withOutputs(ws, stage, await buildInputs(ws, stage))
        for (const out of stage.outs) {
          const recorded = entry.outs?.find((o) => o.path === out.pathAsWritten)
          if (!recorded?.md5 || !out.cache) continue
          await ws.commitToCache(out.path, recorded.md5, 'link', hashNameOf(recorded))
          await ensureIgnored(ws.guard, out.path)
        }
        await ws.writeLock(stage, entry)
        committed.push(stage.address)
      }
      return { committed }
    } finally {
      await ws.close()
    }
  } finally {
    await lock.release()
  }
}
