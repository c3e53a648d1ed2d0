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
 * Both cache layouts are collected: the 2.x / legacy objects at the cache root
 * and DVC 3's `md5` objects in `files/md5` (and the same two on the remote). An
 * object is kept when an entry of its own kind references it: a 2.x entry keeps
 * `<cache>/<ab>/…`, a `hash: md5` entry keeps `<cache>/files/md5/<ab>/…`.
 * It also removes the hidden temp files interrupted writes of older Trellis
 * versions left in the shard directories (`leftover-temp-files.ts`); they are
 * never counted as objects.
 *
 * `planGc` computes what would go (count and bytes) without deleting, so the
 * command can show it and ask first; `runGc` deletes.
 */
import { leftoverTempFiles, removeLeftoverTempFiles, type LeftoverTempFile } from '../cache/leftover-temp-files.js'
import { ObjectCache } from '../cache/object-cache.js'
import { TrellisError } from '../errors.js'
import { latestUndoRecord, loadUndoRecord } from '../experiments/apply/undo-record.js'
import { usedObjects } from '../experiments/share/exp-objects.js'
import type { QueuedExperiments } from '../experiments/queue/queued-experiments.js'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import type { Project } from '../project.js'
import { openDataRemote, remoteForHash, type DataRemote } from '../remote/data-remote.js'
import { hashNameOf, type HashName } from '../pipeline/types.js'
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

/** An object of one cache layout: `md5-dos2unix` at the root, `md5` in `files/md5`. */
export interface GcObject {
  md5: string
  hashName: HashName
}

export interface GcTarget {
  /** `local` or the remote's name. */
  where: string
  /** Objects to delete. */
  remove: GcObject[]
  /** Their bytes (the remote's are not counted: 0). */
  bytes: number
}

export interface GcPlan {
  local: GcTarget
  /** Temp files of interrupted cache writes of older versions, removed too (not objects). */
  leftovers: LeftoverTempFile[]
  cloud?: GcTarget & { remote: DataRemote }
}

const HASH_NAMES: readonly HashName[] = ['md5-dos2unix', 'md5']

/** The key of an object in the used set (as `usedObjects` keys them): `md5:` prefixes DVC 3's. */
const keyOf = (md5: string, name: HashName) => (name === 'md5' ? `md5:${md5}` : md5)

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
  // keyed as `keyOf` does: the same hex may be a 2.x object and a DVC 3 one
  const used = new Map<string, GcObject>()
  const use = (md5: string, hashName: HashName) => used.set(keyOf(md5, hashName), { md5, hashName })
  const index = await PipelineIndex.load(project.root)
  for (const output of await trackedOutputs(index, { cwd: project.root, includeUncached: true })) if (output.recorded?.md5) use(output.recorded.md5, hashNameOf(output.recorded))
  const store = await project.services.get('gitRepository')
  const experiments = options.allExperiments ? await project.services.get('experimentStore') : undefined
  for (const object of (await revisionObjects(store, { ...options, queue: options.queue, experiments }, options.onWarning)).values()) use(object.md5, object.hashName)
  // what `exp apply --undo` restores, and the experiment the workspace holds (EXEC_APPLY)
  for (let record = await latestUndoRecord(store); record; record = record.previous ? await loadUndoRecord(store, record.previous) : null) {
    for (const output of record.record.outputs) for (const state of [output.before, output.after]) if (state?.md5) use(state.md5, state.hashName ?? 'md5-dos2unix')
  }
  const applied = await (await project.services.get('experimentStore')).readMark('applied')
  if (applied) for (const object of (await usedObjects(store, [applied], options.onWarning)).values()) use(object.md5, object.hashName)
  for (const { md5, hashName } of [...used.values()]) {
    const layout = cache.forHash(hashName)
    if (!md5.endsWith('.dir') || !layout.hasSync(md5)) continue
    try {
      for (const entry of layout.readManifestSync(md5)) use(entry.md5, hashName)
    } catch {
      // an unreadable manifest keeps only itself
    }
  }
  return new Set(used.keys())
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
  const leftovers: LeftoverTempFile[] = []
  for (const hashName of HASH_NAMES) {
    const layout = cache.forHash(hashName)
    for (const { md5, size } of layout.allObjects()) {
      if (used.has(keyOf(md5, hashName))) continue
      local.remove.push({ md5, hashName })
      local.bytes += size
    }
    leftovers.push(...leftoverTempFiles(layout.dir))
  }
  if (!remote) return { local, leftovers }
  const cloud = { where: remote.name, remove: [] as GcObject[], bytes: 0, remote }
  const dvc3 = remoteForHash(remote, 'md5')
  if (dvc3 === remote) {
    // a remote without a DVC 3 layout holds both kinds at its root: either entry keeps an object
    for await (const md5 of remote.list!()) if (!used.has(md5) && !used.has(keyOf(md5, 'md5'))) cloud.remove.push({ md5, hashName: 'md5-dos2unix' })
  } else {
    for (const hashName of HASH_NAMES) {
      for await (const md5 of remoteForHash(remote, hashName).list!()) if (!used.has(keyOf(md5, hashName))) cloud.remove.push({ md5, hashName })
    }
  }
  return { local, leftovers, cloud }
}

export async function runGc(project: GcProject, plan: GcPlan, options: Pick<GcOptions, 'jobs'> = {}): Promise<void> {
  const cache = new ObjectCache(project.dvcConfig.cacheDir, project.dvcConfig.cacheTypes)
  for (const { md5, hashName } of plan.local.remove) cache.forHash(hashName).removeObject(md5)
  removeLeftoverTempFiles(plan.leftovers)
  const cloud = plan.cloud
  if (cloud) await mapLimit(cloud.remove, options.jobs ?? DEFAULT_JOBS, ({ md5, hashName }) => remoteForHash(cloud.remote, hashName).remove!(md5))
}
