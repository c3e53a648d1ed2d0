/**
 * `dvc gc`: delete the cache objects nothing keeps (and with `cloud`, the
 * DVC remote's). Kept, as in DVC 2.x: the outputs the workspace records
 * (always, the "workspace" scope), HEAD's, and per flag those of branch tips
 * (`-a`), tagged commits (`-T`), every commit (`--all-commits`), every
 * experiment (`--all-experiments`) — plus, always, the commits of the
 * experiment queue's entries, so a queued run still finds its data, and what
 * `exp apply --undo` would restore (the undo records) and the applied
 * experiment (`EXEC_APPLY`). A kept directory keeps its `.dir` manifest and
 * every file it lists.
 *
 * `planGc` computes what would go (count and bytes) without deleting, so the
 * command can show it and ask first; `runGc` deletes.
 */
import { ObjectCache } from '../cache/object-cache.js'
import { TrellisError } from '../errors.js'
import { latestUndoRecord, loadUndoRecord } from '../experiments/apply/undo-record.js'
import { EXEC_APPLY } from '../experiments/run/exec-refs.js'
import { usedObjects } from '../experiments/share/exp-objects.js'
import type { QueuedExperiments } from '../experiments/queue/queued-experiments.js'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import type { Project } from '../project.js'
import { openDataRemote, type DataRemote } from '../remote/data-remote.js'
import { mapLimit } from '../util/map-limit.js'
import { DEFAULT_JOBS } from '../remote/transfer.js'
import { revisionObjects } from './revision-objects.js'
import { trackedOutputs } from './tracked-outputs.js'

export interface GcOptions {
  workspace?: boolean
  allBranches?: boolean
  allTags?: boolean
  allCommits?: boolean
  allExperiments?: boolean
  /** `-c`: also the DVC remote. */
  cloud?: boolean
  /** `-r`: which remote (with `cloud`). */
  remote?: string
  jobs?: number
  /** The queue, whose entries' data is always kept. */
  queue?: QueuedExperiments
  onWarning?: (message: string) => void
}

export interface GcTarget {
  /** `local` or the remote's name. */
  where: string
  /** Objects to delete. */
  remove: string[]
  /** Their bytes (the remote's are not counted: 0). */
  bytes: number
}

export interface GcPlan {
  local: GcTarget
  cloud?: GcTarget & { remote: DataRemote }
}

/** DVC's `_validate_args`. */
export function checkDataGcFlags(options: GcOptions): void {
  if (options.remote && !options.cloud) {
    throw new TrellisError('INVALID_ARGUMENT', '`--remote` requires `--cloud` or `--not-in-remote`', { hint: 'Add -c/--cloud to collect the remote too.' })
  }
  if (!options.workspace && !options.allBranches && !options.allTags && !options.allCommits && !options.allExperiments) {
    throw new TrellisError('INVALID_ARGUMENT', 'Either of `-w|--workspace`, `-a|--all-branches`, `-T|--all-tags` `--all-experiments`, `--all-commits`, `--date` or `--rev` needs to be set.', {
      hint: 'e.g. `trellis gc -w` keeps only what the workspace uses; -a/-T/--all-commits/--all-experiments keep more.',
    })
  }
}

/** DVC's warning before it asks. */
export function dataGcWarning(options: GcOptions): string {
  let msg = 'This will remove all cache except items used in the workspace'
  if (options.allCommits) msg += ' and all git commits'
  else if (options.allBranches && options.allTags) msg += ' and all git branches and tags'
  else if (options.allBranches) msg += ' and all git branches'
  else if (options.allTags) msg += ' and all git tags'
  if (options.allExperiments) msg += ' and all experiments'
  return `${msg} of the current repo.`
}

type GcProject = Pick<Project, 'root' | 'cwd' | 'dvcConfig' | 'services'>

async function usedSet(project: GcProject, cache: ObjectCache, options: GcOptions): Promise<Set<string>> {
  const used = new Set<string>()
  const index = await PipelineIndex.load(project.root)
  for (const output of await trackedOutputs(index, { cwd: project.root, includeUncached: true })) if (output.recorded?.md5) used.add(output.recorded.md5)
  const store = await project.services.get('gitRepository')
  for (const md5 of (await revisionObjects(store, { ...options, queue: options.queue }, options.onWarning)).keys()) used.add(md5)
  // what `exp apply --undo` restores, and the experiment the workspace holds (EXEC_APPLY)
  for (let record = await latestUndoRecord(store); record; record = record.previous ? await loadUndoRecord(store, record.previous) : null) {
    for (const output of record.record.outputs) for (const state of [output.before, output.after]) if (state?.md5) used.add(state.md5)
  }
  const applied = await store.resolve(EXEC_APPLY)
  if (applied) for (const md5 of (await usedObjects(store, [applied], options.onWarning)).keys()) used.add(md5)
  for (const md5 of [...used]) {
    if (!md5.endsWith('.dir') || !cache.hasSync(md5)) continue
    try {
      for (const entry of cache.readManifestSync(md5)) used.add(entry.md5)
    } catch {
      // an unreadable manifest keeps only itself
    }
  }
  return used
}

export async function planGc(project: GcProject, options: GcOptions): Promise<GcPlan> {
  checkDataGcFlags(options)
  const remote = options.cloud ? await openDataRemote(project.dvcConfig, options.remote, project.services) : undefined
  if (remote && (!remote.list || !remote.remove)) {
    throw new TrellisError('REMOTE_INVALID', `DVC remote '${remote.name}' cannot list or delete objects: gc -c is not possible there`, { hint: 'Run gc without -c.' })
  }
  const cache = new ObjectCache(project.dvcConfig.cacheDir, project.dvcConfig.cacheTypes)
  const used = await usedSet(project, cache, options)
  const local: GcTarget = { where: 'local', remove: [], bytes: 0 }
  for (const { md5, size } of cache.allObjects()) {
    if (used.has(md5)) continue
    local.remove.push(md5)
    local.bytes += size
  }
  if (!remote) return { local }
  const cloud = { where: remote.name, remove: [] as string[], bytes: 0, remote }
  for await (const md5 of remote.list!()) if (!used.has(md5)) cloud.remove.push(md5)
  return { local, cloud }
}

export async function runGc(project: GcProject, plan: GcPlan, options: Pick<GcOptions, 'jobs'> = {}): Promise<void> {
  const cache = new ObjectCache(project.dvcConfig.cacheDir, project.dvcConfig.cacheTypes)
  for (const md5 of plan.local.remove) cache.removeObject(md5)
  if (plan.cloud) await mapLimit(plan.cloud.remove, options.jobs ?? DEFAULT_JOBS, (md5) => plan.cloud!.remote.remove!(md5))
}
