/**
 * `dvc push`, `dvc fetch` and `dvc pull` (= fetch + checkout): the cached
 * outputs of the workspace (narrowed by targets) and, with `-a`/`-T`/
 * `--all-commits`, of those git revisions, moved between the cache and a
 * DVC remote by the transfer engine `exp push`/`exp pull` use
 * (`remote/transfer.ts`: only what the other side lacks, `-j` at a time,
 * directories' files before their manifest, downloads hash-checked before
 * they enter the cache).
 *
 * As in DVC 2.x: objects missing on the source side are listed in a warning;
 * `push` goes on (only failed uploads fail it), while for `fetch`/`pull`
 * every object not downloaded counts as failed (`N files failed to
 * download`), after everything else was fetched (and, for `pull`, checked
 * out).
 */
import { ObjectCache } from '../cache/object-cache.js'
import { TrellisError } from '../errors.js'
import type { UsedObject } from '../experiments/share/exp-objects.js'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import { checkoutWorkspace, type CheckoutResult } from '../pipeline/checkout.js'
import type { Project } from '../project.js'
import { openDataRemote } from '../remote/data-remote.js'
import { transferByHash, type TransferSummary } from '../remote/transfer.js'
import { hashNameOf } from '../pipeline/types.js'
import { hasRevisions, revisionObjects, type RevisionScope } from './revision-objects.js'
import { trackedOutputs } from './tracked-outputs.js'

export interface DataSyncOptions extends Pick<RevisionScope, 'allBranches' | 'allTags' | 'allCommits'> {
  /** Outputs, stages or .dvc files (relative to `cwd`); none = every output. Apply to the workspace. */
  targets?: readonly string[]
  cwd?: string
  recursive?: boolean
  /** `-r`: the DVC remote (default `core.remote`). */
  remote?: string
  /** `-j`: parallel transfers. */
  jobs?: number
  /** `pull -f`: replace uncommitted outputs (saved into the cache first). */
  force?: boolean
  onProgress?: (done: number, total: number) => void
  onWarning?: (message: string) => void
}

export interface DataSyncResult extends TransferSummary {
  /** The DVC remote's name. */
  remote: string
  /** `pull` only: what the checkout did. */
  checkout?: CheckoutResult
}

type SyncProject = Pick<Project, 'root' | 'cwd' | 'dvcConfig' | 'services'>

/** The objects to move: `md5` → where it is recorded first (for messages). */
async function wantedObjects(project: SyncProject, options: DataSyncOptions): Promise<Map<string, UsedObject>> {
  const wanted = new Map<string, UsedObject>()
  const index = await PipelineIndex.load(project.root)
  for (const output of await trackedOutputs(index, { targets: options.targets, cwd: options.cwd ?? project.cwd, recursive: options.recursive })) {
    const md5 = output.recorded?.md5
    // `push: false` outputs are never sent, so never fetched either (DVC 2.x tries and fails)
    if (!md5 || output.out.push === false) continue
    if (!wanted.has(md5)) wanted.set(md5, { md5, source: output.path, cached: true, push: true, hashName: hashNameOf(output.recorded) })
  }
  if (hasRevisions(options)) {
    const store = await project.services.get('gitRepository')
    for (const [md5, used] of await revisionObjects(store, options, options.onWarning)) {
      if (!used.cached || !used.push || wanted.has(md5)) continue
      wanted.set(md5, used)
    }
  }
  return wanted
}

function warnMissing(missing: string[], wanted: Map<string, UsedObject>, onWarning?: (message: string) => void): void {
  if (missing.length === 0 || !onWarning) return
  const lines = missing.map((md5) => `name: ${wanted.get(md5)?.source ?? md5}, md5: ${md5}`)
  onWarning(`Some of the cache files do not exist neither locally nor on remote. Missing cache files:\n${lines.join('\n')}`)
}

function cacheOf(project: SyncProject): ObjectCache {
  return new ObjectCache(project.dvcConfig.cacheDir, project.dvcConfig.cacheTypes)
}

export async function pushData(project: SyncProject, options: DataSyncOptions = {}): Promise<DataSyncResult> {
  const remote = await openDataRemote(project.dvcConfig, options.remote, project.services)
  const wanted = await wantedObjects(project, options)
  const summary = await transferByHash('push', cacheOf(project), remote, wanted.values(), { jobs: options.jobs, onProgress: options.onProgress })
  warnMissing(summary.missing, wanted, options.onWarning)
  if (summary.failed.length > 0) throw transferError('push', 'upload', summary, remote.name)
  return { remote: remote.name, ...summary }
}

export async function fetchData(project: SyncProject, options: DataSyncOptions = {}): Promise<DataSyncResult> {
  const remote = await openDataRemote(project.dvcConfig, options.remote, project.services)
  const wanted = await wantedObjects(project, options)
  const summary = await transferByHash('fetch', cacheOf(project), remote, wanted.values(), { jobs: options.jobs, onProgress: options.onProgress })
  warnMissing(summary.missing, wanted, options.onWarning)
  return { remote: remote.name, ...summary }
}

/** The error `fetch`/`pull` end with when some objects were not downloaded (missing on the remote or failed). */
export function throwIfNotFetched(result: DataSyncResult, command: 'fetch' | 'pull'): void {
  if (result.missing.length + result.failed.length === 0) return
  throw transferError(command, 'download', result, result.remote)
}

function transferError(command: 'push' | 'fetch' | 'pull', verb: 'upload' | 'download', summary: TransferSummary, remote: string): TrellisError {
  const count = summary.failed.length + (verb === 'download' ? summary.missing.length : 0)
  const first = summary.failed[0]
  const direction = command === 'push' ? 'push data to' : `${command} data from`
  return new TrellisError('REMOTE_TRANSFER_FAILED', `failed to ${direction} the cloud: ${count} file${count > 1 ? 's' : ''} failed to ${verb}${first ? ` (${first.md5}: ${first.error})` : ''}`, {
    hint:
      verb === 'download' && summary.failed.length === 0
        ? `They are not on DVC remote '${remote}' (see the warning above): push them from where they were made.`
        : `Everything else was transferred; run the same command again to retry (DVC remote '${remote}').`,
  })
}

/** `pull`: fetch, then check out what arrived (also when some objects were missing), then fail if something was not fetched. */
export async function pullData(project: SyncProject, options: DataSyncOptions = {}): Promise<DataSyncResult> {
  const fetched = await fetchData(project, { ...options, onProgress: options.onProgress })
  const checkout = await checkoutWorkspace(project, { targets: options.targets, cwd: options.cwd ?? project.cwd, recursive: options.recursive, force: options.force })
  return { ...fetched, checkout }
}
