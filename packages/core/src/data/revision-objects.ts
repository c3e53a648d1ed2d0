/**
 * The cache objects recorded by git revisions, for `push`/`pull`/`fetch -a
 * -T --all-commits` and for what `gc` keeps: every `dvc.lock` (with the
 * cache/push flags of its `dvc.yaml`) and `.dvc` file of each commit, read
 * from git (`usedObjects`, shared with `exp push`/`exp pull`).
 *
 * - `allBranches` (`-a`): every branch tip; `allTags` (`-T`): every tagged
 *   commit; `allCommits`: every commit of branches, tags and remote-tracking
 *   refs; `rev` + `num`: a commit and its first-parent ancestors;
 * - `allExperiments`: every commit of every experiment (checkpoints included);
 * - `queue`: the commits of the queued entries (never collected by `gc`).
 *
 * HEAD's commit is always included (its data is what the workspace was made from).
 */
import { selectBaselines } from '../experiments/show/baselines.js'
import { baselinesOf } from '../experiments/share/exp-share.js'
import { experimentCommits, usedObjects, type UsedObject } from '../experiments/share/exp-objects.js'
import { TrellisError } from '../errors.js'
import type { ExperimentStore } from '../plugin-api/experiment-store.js'
import type { GitRepository } from '../plugin-api/git-repository.js'
import type { QueuedExperiments } from '../experiments/queue/queued-experiments.js'
import { listExpRefs } from '../experiments/refs/resolve-exp.js'

export interface RevisionScope {
  allBranches?: boolean
  allTags?: boolean
  allCommits?: boolean
  allExperiments?: boolean
  /** Where `allExperiments` finds the experiments (the `experimentStore` service). */
  experiments?: ExperimentStore
  rev?: string
  num?: number
  queue?: QueuedExperiments
}

/** Whether the scope names anything beyond the workspace. */
export function hasRevisions(scope: RevisionScope): boolean {
  return !!(scope.allBranches || scope.allTags || scope.allCommits || scope.allExperiments || scope.rev || scope.queue)
}

/** The commits of the scope (HEAD included), without duplicates. */
export async function scopeCommits(store: GitRepository, scope: RevisionScope): Promise<string[]> {
  const commits = new Set(
    await selectBaselines(store, (sha) => store.readCommit(sha), {
      allBranches: scope.allBranches,
      allTags: scope.allTags,
      allCommits: scope.allCommits,
    }),
  )
  if (scope.rev) for (const sha of await baselinesOf(store, scope.rev, scope.num ?? 1)) commits.add(sha)
  if (scope.allExperiments) {
    if (!scope.experiments) throw new TrellisError('PLUGIN_INVALID', 'all experiments were asked for, but no experiment store was given')
    for (const exp of await listExpRefs(scope.experiments)) for (const sha of await experimentCommits(store, exp.sha, exp.baseline)) commits.add(sha)
  }
  if (scope.queue) for (const entry of await scope.queue.list()) commits.add(entry.id)
  return [...commits]
}

/** Every object the scope's commits record (first mention kept, for messages). */
export async function revisionObjects(store: GitRepository, scope: RevisionScope, onWarning?: (message: string) => void): Promise<Map<string, UsedObject>> {
  return usedObjects(store, await scopeCommits(store, scope), onWarning)
}
