/**
 * Which commit `exp apply <rev>` applies (reference §11 step 1): the
 * experiment named by a full ref, a name (an ambiguity across baselines is
 * resolved toward HEAD, else an error listing the refs) or a sha (a tip or
 * an earlier checkpoint). It must be an experiment of the current HEAD.
 */
import { TrellisError } from '../../errors.js'
import { baselineLabels } from '../baseline-label.js'
import type { ExperimentStore } from '../experiment-store.js'
import { expRefsContaining, notAnExperiment, type ExpRefAt } from '../exp-lineage.js'
import { resolveRevOrThrow } from '../resolve-exp.js'

export interface ApplyTarget {
  /** The commit to apply. */
  sha: string
  /** The experiment (of HEAD's baseline) it belongs to. */
  exp: ExpRefAt
}

export async function resolveApplyTarget(store: ExperimentStore, rev: string, head: string): Promise<ApplyTarget> {
  const resolved = await resolveRevOrThrow(store, rev)
  let candidates: ExpRefAt[]
  if (resolved.exp) {
    const tip = await store.resolve(resolved.exp.ref)
    candidates = tip ? [{ ...resolved.exp, sha: tip }] : []
  } else {
    candidates = await expRefsContaining(store, resolved.sha)
  }
  if (candidates.length === 0) throw notAnExperiment(rev)
  const onHead = candidates.find((c) => c.baseline === head)
  if (onHead) return { sha: resolved.sha, exp: onHead }
  const labels = await baselineLabels(store, [...candidates.map((c) => c.baseline), head])
  const other = candidates[0]!
  throw new TrellisError(
    'EXP_BASELINE_MISMATCH',
    `'${rev}' is an experiment of baseline '${labels.get(other.baseline)}' (${other.baseline.slice(0, 7)}), not of the current HEAD '${labels.get(head)}' (${head.slice(0, 7)})`,
    { hint: `Check out its baseline first (git checkout ${other.baseline.slice(0, 7)}), or pick one of HEAD's experiments (trellis exp list).` },
  )
}
