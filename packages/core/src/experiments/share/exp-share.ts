/**
 * What `exp push` and `exp pull` share (DVC §16): the context they run in,
 * the per-experiment outcome, choosing experiments, and moving the cached
 * data an experiment needs between the cache and the DVC remote.
 *
 * Neither takes the project lock: refs are updated with compare-and-swap and
 * cache objects are written atomically, so they are safe beside a running
 * `exp run` (whose auto-push calls `pushExperiments` from inside the run).
 */
import { ObjectCache } from '../../cache/object-cache.js'
import { loadDvcConfig, type DvcConfig } from '../../config/dvc-config.js'
import { TrellisError } from '../../errors.js'
import type { ServiceRegistry } from '../../plugin-api/services.js'
import { openDataRemote, type DataRemote } from '../../remote/data-remote.js'
import { transferByHash, type TransferSummary } from '../../remote/transfer.js'
import type { ExperimentId, ExperimentStore, StoredExperiment } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { experimentCommits, usedObjects, type UsedObject } from './exp-objects.js'
import type { ExpRef } from '../refs/exp-ref.js'

/** A Project, or a plugin's `trellis` object (the DVC config is then read from `root`). */
export interface ShareContext {
  readonly root: string
  readonly services: ServiceRegistry
  readonly dvcConfig?: DvcConfig
}

export interface ShareOptions {
  /** `-f`: overwrite diverged refs. */
  force?: boolean
  /** `--no-cache`: move the git refs only, not the cached data. */
  noCache?: boolean
  /** `-r`: the DVC remote (default `core.remote`). */
  dvcRemote?: string
  /** `-j`: parallel object transfers (default 4). */
  jobs?: number
  /** Non-fatal notices: diverged refs skipped, objects missing, ... */
  onWarning?: (message: string) => void
}

/**
 * - `created` / `updated` (fast-forward) / `forced` (`-f` over a diverged ref): the ref was written;
 * - `up-to-date`: both sides already had that commit;
 * - `diverged`: the other side has a different history; skipped (use `-f`);
 * - `ahead` (pull only): the local ref already contains the remote's commit; kept;
 * - `failed`: the transport or the ref update failed (`reason`).
 */
export type ShareStatus = 'created' | 'updated' | 'forced' | 'up-to-date' | 'diverged' | 'ahead' | 'failed'

export interface SharedExperiment extends ExpRef {
  status: ShareStatus
  /** The commit the ref points at on the side that was written (or both, when up to date). */
  sha: string
  reason?: string
}

export interface DataTransfer extends TransferSummary {
  /** The DVC remote's name. */
  remote: string
}

export interface ShareResult {
  /** The git remote, as given (a URL's password masked). */
  gitRemote: string
  experiments: SharedExperiment[]
  /** What moved to or from the DVC remote (absent with `noCache`). */
  cache?: DataTransfer
}

/** The experiments whose refs are in place on both sides after the git step: their data moves. */
const SETTLED: ReadonlySet<ShareStatus> = new Set(['created', 'updated', 'forced', 'up-to-date'])

export async function storeOf(ctx: ShareContext): Promise<GitRepository> {
  return ctx.services.get('gitRepository')
}

/** The experiment store: which commits are experiments, here and on git remotes. */
export async function experimentsOf(ctx: ShareContext): Promise<ExperimentStore> {
  return ctx.services.get('experimentStore')
}

/** An experiment's identity as a map key (its baseline and name). */
export function idKey(id: ExperimentId): string {
  return `${id.baseline}/${id.name}`
}

/** A stored experiment as the share commands list it (`ref`: where the store keeps it). */
export function asExpRef(e: StoredExperiment): ExpRef & { sha: string } {
  return { ref: e.locator, baseline: e.baseline, name: e.name, sha: e.commit }
}

export async function dvcConfigOf(ctx: ShareContext): Promise<DvcConfig> {
  return ctx.dvcConfig ?? loadDvcConfig(ctx.root)
}

/** The DVC remote to use, opened before any ref moves (so a missing remote fails first); undefined with `noCache`. */
export async function dataRemoteFor(ctx: ShareContext, options: ShareOptions): Promise<DataRemote | undefined> {
  if (options.noCache) return undefined
  return openDataRemote(await dvcConfigOf(ctx), options.dvcRemote, ctx.services)
}

/** Move the objects of the settled experiments' commits (each checkpoint and the baseline). */
export async function transferExperimentData(
  ctx: ShareContext,
  store: GitRepository,
  remote: DataRemote,
  direction: 'push' | 'fetch',
  experiments: readonly SharedExperiment[],
  options: ShareOptions,
): Promise<DataTransfer> {
  const commits = new Set<string>()
  for (const exp of experiments) {
    if (!SETTLED.has(exp.status)) continue
    for (const sha of await experimentCommits(store, exp.sha, exp.baseline)) commits.add(sha)
  }
  const used = await usedObjects(store, [...commits], options.onWarning)
  const config = await dvcConfigOf(ctx)
  const cache = new ObjectCache(config.cacheDir, config.cacheTypes)
  // DVC 3 `md5` objects go between `<cache>/files/md5` and `<remote>/files/md5`, the others between the roots
  const usedByMd5 = new Map<string, UsedObject>()
  for (const u of used.values()) if (direction === 'fetch' || u.push) usedByMd5.set(u.md5, u)
  const summary = await transferByHash(direction, cache, remote, usedByMd5.values(), { jobs: options.jobs })
  // uncached outputs (metrics, plots) are in the cache only when the run-cache copied them, and
  // `push: false` outputs are never on the remote: their absence is not worth a warning
  const missing = summary.missing.filter((md5) => {
    const u = usedByMd5.get(md5)
    return u === undefined || (u.cached && (direction === 'push' || u.push))
  })
  if (missing.length > 0) {
    const first = usedByMd5.get(missing[0]!)
    const where = direction === 'push' ? 'in the local cache' : `on DVC remote '${remote.name}'`
    options.onWarning?.(
      `${missing.length} cached object${missing.length > 1 ? 's are' : ' is'} not ${where}` +
        (first ? ` (e.g. ${first.source}, ${first.md5})` : ` (e.g. ${missing[0]})`) +
        (direction === 'push' ? ': not pushed. Reproduce the experiment to restore it.' : ': not fetched.'),
    )
  }
  return { remote: remote.name, ...summary }
}

/** A TrellisError when some objects could not be transferred (the refs have moved already). */
export function throwIfTransferFailed(result: ShareResult, direction: 'push' | 'fetch'): void {
  const failed = result.cache?.failed ?? []
  if (failed.length === 0) return
  const verb = direction === 'push' ? 'upload' : 'download'
  throw new TrellisError('REMOTE_TRANSFER_FAILED', `${failed.length} object${failed.length > 1 ? 's' : ''} failed to ${verb} (DVC remote '${result.cache!.remote}'): ${failed[0]!.md5}: ${failed[0]!.error}`, {
    hint: `The experiments' git refs were ${direction === 'push' ? 'pushed' : 'pulled'}; run the same command again to retry the data.`,
  })
}

/** DVC's message when nothing names an experiment. */
export function noSelectionError(): TrellisError {
  return new TrellisError('INVALID_ARGUMENT', 'Either provide an `experiment` argument, or use the `--rev` or `--all-commits` flag.', {
    hint: 'Name experiments (their names or full refs), or pass -A for all of them, or --rev <commit> for those of a baseline.',
  })
}

/** One error listing every name that resolved to nothing (DVC 2.10: nothing is moved then). */
export function unresolvedError(names: string[], where: string): TrellisError {
  const list = names.map((n) => `'${n}'`).join(', ')
  return new TrellisError(
    'EXP_NOT_FOUND',
    names.length > 1 ? `${list} are not experiments ${where}` : `${list} is not an experiment ${where}`,
    { hint: 'List them with `trellis exp list --all` (add the git remote to list the remote\'s).' },
  )
}

/** Choose among experiments of the same name: the one whose baseline is HEAD, else an error listing them. */
export function pickByName<T extends ExpRef>(name: string, matches: T[], head: string | null): T {
  if (matches.length === 1) return matches[0]!
  const onHead = matches.filter((m) => m.baseline === head)
  if (onHead.length === 1) return onHead[0]!
  throw new TrellisError('EXP_AMBIGUOUS', `'${name}' is ambiguous: it names experiments of several baselines:\n${matches.map((m) => `\t${m.ref}`).join('\n')}`, {
    hint: 'Pass the full ref (refs/exps/...) of the one you mean.',
  })
}

/** Baselines selected by `--rev <rev>` and `-n <num>`: the commit and its first-parent ancestors. */
export async function baselinesOf(store: GitRepository, rev: string, num = 1): Promise<Set<string>> {
  let sha = await store.resolve(rev)
  if (!sha) {
    if (/^[0-9a-f]{40}$/i.test(rev)) return new Set([rev.toLowerCase()])
    throw new TrellisError('INVALID_ARGUMENT', `unknown revision '${rev}'`, { hint: 'Give a commit sha, branch or tag.' })
  }
  const out = new Set<string>()
  for (let i = 0; i < Math.max(1, num) && sha; i++) {
    out.add(sha)
    sha = (await store.readCommit(sha)).parents[0] ?? null
  }
  return out
}

/**
 * Move the cached data some commits need (each commit's dvc.lock and `.dvc` files, down to its
 * baseline) between the cache and the project's DVC remote (`core.remote`, or `dvcRemote`):
 * what a distributed queue sends with an entry and fetches before running it. Throws
 * REMOTE_TRANSFER_FAILED when an object failed to move (objects absent on the source side are
 * warnings, as for `exp push` / `exp pull`).
 */
export async function transferCommitData(
  ctx: ShareContext,
  direction: 'push' | 'fetch',
  commits: ReadonlyArray<{ commit: string; baseline: string }>,
  options: ShareOptions = {},
): Promise<DataTransfer> {
  const remote = (await dataRemoteFor(ctx, options))!
  const store = await storeOf(ctx)
  const settled: SharedExperiment[] = commits.map((c) => ({ ref: c.commit, name: c.commit, baseline: c.baseline, sha: c.commit, status: 'up-to-date' }))
  const cache = await transferExperimentData(ctx, store, remote, direction, settled, options)
  throwIfTransferFailed({ gitRemote: '', experiments: settled, cache }, direction)
  return cache
}
