/**
 * Turn what a user typed into an experiment (DVC §2.1): a full ref; else a git
 * revision (sha, branch, tag, HEAD~1); else an experiment name, looked up
 * across all baselines, with an ambiguity resolved toward the current HEAD.
 * Experiments are what the experiment store lists (a "full ref" is its
 * locator); other revisions are the git repository's.
 */
import { TrellisError } from '../../errors.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExpRef } from './exp-ref.js'

export interface ResolvedRev {
  /** The commit sha. */
  sha: string
  /** The experiment ref, when `rev` named one (by ref or by name) or the commit is an experiment tip. */
  exp?: ExpRef
}

/** Every experiment of the store (of one baseline, when given), sorted by baseline then name; `ref` is where the store keeps it. */
export async function listExpRefs(experiments: ExperimentStore, options: { baseline?: string } = {}): Promise<Array<ExpRef & { sha: string }>> {
  return (await experiments.list(options)).map((e) => ({ ref: e.locator, baseline: e.baseline, name: e.name, sha: e.commit }))
}

/** Experiments named `name`, preferring the one whose baseline is HEAD; throws when ambiguous. */
export async function findExpByName(store: GitRepository, experiments: ExperimentStore, name: string): Promise<(ExpRef & { sha: string }) | undefined> {
  const matches = (await listExpRefs(experiments)).filter((e) => e.name === name)
  if (matches.length <= 1) return matches[0]
  const head = await store.head()
  const onHead = matches.filter((m) => m.baseline === head)
  if (onHead.length === 1) return onHead[0]
  throw new TrellisError('EXP_AMBIGUOUS', `'${name}' is ambiguous: it names experiments of several baselines:\n${matches.map((m) => `\t${m.ref}`).join('\n')}`, {
    hint: 'Pass the full ref (refs/exps/...) of the one you mean.',
  })
}

export async function resolveRev(store: GitRepository, experiments: ExperimentStore, rev: string): Promise<ResolvedRev | undefined> {
  if (rev.startsWith('refs/')) {
    const exp = (await listExpRefs(experiments)).find((e) => e.ref === rev)
    if (exp) return { sha: exp.sha, exp: { ref: exp.ref, baseline: exp.baseline, name: exp.name } }
    const sha = await store.resolve(rev)
    return sha ? { sha } : undefined
  }
  const sha = await store.resolve(rev)
  if (sha) {
    const tip = (await listExpRefs(experiments)).filter((e) => e.sha === sha)
    return { sha, exp: tip.length === 1 ? tip[0] : undefined }
  }
  const named = await findExpByName(store, experiments, rev)
  return named ? { sha: named.sha, exp: named } : undefined
}

/** Like resolveRev, but an unknown name is an error naming it. */
export async function resolveRevOrThrow(store: GitRepository, experiments: ExperimentStore, rev: string): Promise<ResolvedRev> {
  const found = await resolveRev(store, experiments, rev)
  if (!found) {
    throw new TrellisError('EXP_NOT_FOUND', `'${rev}' is not an experiment name, ref or git revision`, {
      hint: 'List experiments with `trellis exp list --all`; any git revision (sha, branch, tag, HEAD~1) works too.',
    })
  }
  return found
}
