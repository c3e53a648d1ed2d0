/**
 * Which experiment refs a commit belongs to. An experiment ref's commits are
 * its tip and, for checkpoint experiments, the earlier checkpoints: the
 * first-parent chain from the tip down to (not including) the baseline.
 */
import { TrellisError } from '../../errors.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExpRef } from './exp-ref.js'
import { listExpRefs } from './resolve-exp.js'

export type ExpRefAt = ExpRef & { sha: string }

/** Longest checkpoint chain walked (a guard against a ref whose chain never meets its baseline). */
const MAX_CHAIN = 100_000

/** The commits of an experiment ref, tip first, down to its baseline (excluded). */
export async function expChain(store: GitRepository, exp: ExpRefAt): Promise<string[]> {
  const chain: string[] = []
  let sha: string | undefined = exp.sha
  while (sha && sha !== exp.baseline && chain.length < MAX_CHAIN) {
    chain.push(sha)
    sha = (await store.readCommit(sha)).parents[0]
  }
  return chain
}

/** The experiment refs (among `refs`, default all of `experiments`) whose chain contains `sha`. */
export async function expRefsContaining(store: GitRepository, experiments: ExperimentStore, sha: string, refs?: ExpRefAt[]): Promise<ExpRefAt[]> {
  const all = refs ?? (await listExpRefs(experiments))
  const tips = all.filter((e) => e.sha === sha)
  if (tips.length > 0) return tips
  const found: ExpRefAt[] = []
  for (const exp of all) if ((await expChain(store, exp)).includes(sha)) found.push(exp)
  return found
}

/** Several refs contain the commit: the one whose baseline is HEAD, else an EXP_AMBIGUOUS error listing them. */
export function pickTowardHead(rev: string, candidates: ExpRefAt[], head: string | null): ExpRefAt {
  if (candidates.length === 1) return candidates[0]!
  const onHead = candidates.filter((c) => c.baseline === head)
  if (onHead.length === 1) return onHead[0]!
  throw new TrellisError('EXP_AMBIGUOUS', `'${rev}' is ambiguous: it belongs to several experiments:\n${candidates.map((c) => `\t${c.ref}`).join('\n')}`, {
    hint: 'Pass the full ref (refs/exps/...) of the one you mean.',
  })
}

/** "'x' does not appear to be an experiment commit." (DVC's InvalidExpRevError). */
export function notAnExperiment(rev: string): TrellisError {
  return new TrellisError('EXP_NOT_FOUND', `'${rev}' does not appear to be an experiment commit.`, {
    hint: 'List experiments with `trellis exp list --all`.',
  })
}
