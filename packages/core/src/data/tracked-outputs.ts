/**
 * The cached outputs the data commands (`push`, `pull`, `fetch`, `checkout`,
 * `commit`, `gc`) work on, with the hash the workspace's `dvc.lock` and
 * `.dvc` files record for them, chosen by targets as DVC chooses them:
 *
 * - no target: every output of every stage of the repository;
 * - a stage (`train`, `group`, `sub/dvc.yaml:train`, `data.dvc`, a
 *   `dvc.yaml`): its outputs (`-R`: a directory's stages);
 * - a path: the output it names, the output containing it, or the outputs
 *   inside it (a directory).
 *
 * A target that is none of these is an error naming it.
 */
import { relative, resolve } from 'node:path'
import { lockPathFor, readLockfile } from '../dvcfile/lockfile.js'
import { TrellisError } from '../errors.js'
import { isWithin } from '../pipeline/path-utils.js'
import type { PipelineIndex } from '../pipeline/pipeline-index.js'
import { resolveTargets } from '../pipeline/targets.js'
import type { LockEntry, LockPathEntry, Out, Stage } from '../pipeline/types.js'

export interface TrackedOutput {
  stage: Stage
  out: Out
  /** Repo-relative path. */
  path: string
  /** What the lock / .dvc file records (undefined: never committed). */
  recorded?: LockPathEntry
}

export interface OutputSelection {
  /** Targets as given on the command line (relative to `cwd`). */
  targets?: readonly string[]
  cwd: string
  /** `-R`: directory targets select the stages inside them. */
  recursive?: boolean
  /** Also outputs declared `cache: false` (default: only cached outputs). */
  includeUncached?: boolean
}

function toPosix(path: string): string {
  return path.split('\\').join('/')
}

/** The outputs selected by `selection`, each once, in stage order. */
export async function trackedOutputs(index: PipelineIndex, selection: OutputSelection): Promise<TrackedOutput[]> {
  const chosen = new Map<Out, Stage>()
  const all = index.stages.flatMap((stage) => stage.outs.map((out) => ({ stage, out })))
  if (!selection.targets || selection.targets.length === 0) for (const { stage, out } of all) chosen.set(out, stage)
  for (const target of selection.targets ?? []) {
    const path = toPosix(relative(index.root, resolve(selection.cwd, target)))
    const byPath = path.startsWith('..') ? [] : all.filter(({ out }) => isWithin(path, out.path) || isWithin(out.path, path))
    if (byPath.length > 0) {
      for (const { stage, out } of byPath) chosen.set(out, stage)
      continue
    }
    let stages: Stage[]
    try {
      stages = resolveTargets(index, selection.cwd, [target], { recursive: selection.recursive })
    } catch (error) {
      if (error instanceof TrellisError && error.code === 'TARGET_NOT_FOUND') throw notAnOutputOrStage(target)
      throw error
    }
    for (const stage of stages) for (const out of stage.outs) chosen.set(out, stage)
  }
  const locks = new Map<string, Promise<Map<string, LockEntry>>>()
  const result: TrackedOutput[] = []
  for (const { stage, out } of all) {
    if (!chosen.has(out) || (!out.cache && !selection.includeUncached)) continue
    let recorded: LockPathEntry | undefined
    if (stage.kind === 'single') recorded = out.hash?.md5 ? { path: out.pathAsWritten, ...out.hash } : undefined
    else {
      const file = lockPathFor(stage.dvcfile)
      if (!locks.has(file)) locks.set(file, readLockfile(index.root, file).then((l) => l?.stages ?? new Map()))
      recorded = (await locks.get(file)!).get(stage.name)?.outs?.find((o) => o.path === out.pathAsWritten)
    }
    result.push({ stage, out, path: out.path, recorded: recorded?.md5 ? recorded : undefined })
  }
  return result
}

export function notAnOutputOrStage(target: string): TrellisError {
  return new TrellisError('TARGET_NOT_FOUND', `'${target}' does not exist as an output or a stage name in 'dvc.yaml'`, {
    hint: 'Name a stage (train, sub/dvc.yaml:train), a .dvc file, or a path tracked as an output; `trellis status` lists them.',
  })
}
