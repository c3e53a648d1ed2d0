/**
 * `exp gc` (reference §15): remove every experiment whose baseline is not
 * kept. HEAD's experiments are always kept ("derived from the workspace");
 * `allBranches` keeps those of branch tips, `allTags` of tagged commits,
 * `allCommits` of every commit reachable from HEAD, a branch, a tag or a
 * remote-tracking branch. At least one of the four flags must be given.
 *
 * Deviation: DVC's `--all-commits` walks `git rev-list --all`, which includes
 * the experiment refs themselves, so it keeps every experiment; Trellis
 * leaves `refs/exps/` out, so experiments of commits that are gone from every
 * branch and tag (amended, rebased away) are removed.
 *
 * Queued entries (with a queue backend): removed, unless `queued`, which
 * keeps those whose baseline is kept. Without a backend they are untouched.
 */
import { TrellisError } from '../../errors.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExpRefAt } from '../refs/exp-lineage.js'
import { deleteExperimentRefs } from './exp-remove.js'
import type { QueuedExperiments } from '../queue/queued-experiments.js'
import { listExpRefs } from '../refs/resolve-exp.js'

export interface GcExperimentsOptions {
  /** `-w`: keep HEAD's experiments (always done; the flag satisfies "at least one"). */
  workspace?: boolean
  /** `-a`: keep experiments of every branch tip. */
  allBranches?: boolean
  /** `-T`: keep experiments of every tagged commit. */
  allTags?: boolean
  /** `-A`: keep experiments of every commit in the history of HEAD, branches and tags. */
  allCommits?: boolean
  /** `--queued`: keep queued entries whose baseline is kept. */
  queued?: boolean
  /** The queue backend, when there is one. */
  queue?: QueuedExperiments
  /** Compute what would be removed without removing it. */
  dryRun?: boolean
}

export interface GcExperimentsResult {
  removed: ExpRefAt[]
  kept: ExpRefAt[]
  /** Queued entries removed (ids). */
  removedQueued: string[]
}

export function checkGcFlags(options: GcExperimentsOptions): void {
  if (!options.workspace && !options.allBranches && !options.allTags && !options.allCommits) {
    throw new TrellisError('INVALID_ARGUMENT', 'Either of `-w|--workspace`, `-a|--all-branches`, `-T|--all-tags` or `-A|--all-commits` needs to be set.', {
      hint: 'e.g. `trellis exp gc -w` keeps only the experiments of the current HEAD.',
    })
  }
}

/** DVC's warning before asking for confirmation. */
export function gcWarning(options: GcExperimentsOptions): string {
  let msg = 'This will remove all experiments except those derived from the workspace'
  if (options.allCommits) msg += ' and all git commits'
  else if (options.allBranches && options.allTags) msg += ' and all git branches and tags'
  else if (options.allBranches) msg += ' and all git branches'
  else if (options.allTags) msg += ' and all git tags'
  msg += ' of the current repo.'
  if (options.queue) msg += options.queued ? ' Run queued experiments will be preserved.' : ' Run queued experiments will be removed.'
  return msg
}

export async function gcExperiments(store: GitRepository, experiments: ExperimentStore, options: GcExperimentsOptions): Promise<GcExperimentsResult> {
  checkGcFlags(options)
  const exps = await listExpRefs(experiments)
  const keep = await keptBaselines(store, [...new Set(exps.map((e) => e.baseline))], options)
  const removed = exps.filter((e) => !keep.has(e.baseline))
  const kept = exps.filter((e) => keep.has(e.baseline))
  let removedQueued: string[] = []
  if (options.queue) {
    const entries = await options.queue.list()
    const queuedKeep = options.queued ? await keptBaselines(store, [...new Set(entries.map((e) => e.baseline))], options) : new Set<string>()
    removedQueued = entries.filter((e) => !queuedKeep.has(e.baseline)).map((e) => e.id)
  }
  if (!options.dryRun) {
    await deleteExperimentRefs(store, experiments, removed)
    if (removedQueued.length) await options.queue!.remove(removedQueued)
  }
  return { removed, kept, removedQueued }
}

/** Which of `baselines` are kept under `options`. */
async function keptBaselines(store: GitRepository, baselines: string[], options: GcExperimentsOptions): Promise<Set<string>> {
  const keep = new Set<string>()
  const head = await store.head()
  if (head) keep.add(head)
  const [branches, tags] = await Promise.all([store.listRefs('refs/heads/'), store.listRefs('refs/tags/')])
  if (options.allBranches) for (const { sha } of branches) keep.add(sha)
  if (options.allTags) {
    for (const { ref } of tags) {
      const commit = await store.resolve(ref) // annotated tags are peeled
      if (commit) keep.add(commit)
    }
  }
  if (options.allCommits) {
    const pending = baselines.filter((b) => !keep.has(b))
    if (pending.length) {
      const remotes = await store.listRefs('refs/remotes/')
      const tips = [...(head ? [head] : []), ...[...branches, ...tags, ...remotes].map((r) => r.ref)]
      for (const sha of await store.reachable(pending, tips)) keep.add(sha)
    }
  }
  return keep
}
