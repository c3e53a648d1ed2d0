/**
 * Which commit `exp apply <rev>` applies (reference §11 step 1): the
 * experiment named by a full ref, a name (an ambiguity across baselines is
 * resolved toward HEAD, else an error listing the refs) or a sha (a tip or
 * an earlier checkpoint). It must be an experiment of the current HEAD.
 * With a queue, a queued entry (by name or id prefix, looked up first as
 * `exp remove` does) is a target too: its commit (whose parent is the
 * baseline, or a checkpoint of it) holds the params it was queued with.
 */
import { TrellisError } from '../../errors.js'
import { baselineLabels } from '../show/baseline-label.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { expRefsContaining, notAnExperiment, type ExpRefAt } from '../refs/exp-lineage.js'
import type { QueuedExperiments } from '../queue/queued-experiments.js'
import { resolveRevOrThrow } from '../refs/resolve-exp.js'

export interface ApplyTarget {
  /** The commit to apply. */
  sha: string
  /** The experiment (of HEAD's baseline) it belongs to; for a queued entry, `ref` is '' and `name` its name or short id. */
  exp: ExpRefAt
  /** A queued entry (not run yet: no results). */
  queued?: boolean
}

export async function resolveApplyTarget(store: GitRepository, experiments: ExperimentStore, rev: string, head: string, queue?: QueuedExperiments): Promise<ApplyTarget> {
  const id = queue ? (await queue.resolve([rev])).get(rev) : undefined
  if (id) {
    const entry = (await queue!.list()).find((e) => e.id === id)!
    if (entry.baseline !== head) throw baselineMismatch(rev, await baselineLabels(store, [entry.baseline, head]), entry.baseline, head)
    return { sha: id, exp: { ref: '', baseline: entry.baseline, name: entry.name || id.slice(0, 7), sha: id }, queued: true }
  }
  const resolved = await resolveRevOrThrow(store, experiments, rev)
  let candidates: ExpRefAt[]
  if (resolved.exp) {
    const tip = await experiments.read(resolved.exp)
    candidates = tip ? [{ ...resolved.exp, sha: tip }] : []
  } else {
    candidates = await expRefsContaining(store, experiments, resolved.sha)
  }
  if (candidates.length === 0) throw notAnExperiment(rev)
  const onHead = candidates.find((c) => c.baseline === head)
  if (onHead) return { sha: resolved.sha, exp: onHead }
  const labels = await baselineLabels(store, [...candidates.map((c) => c.baseline), head])
  throw baselineMismatch(rev, labels, candidates[0]!.baseline, head)
}

function baselineMismatch(rev: string, labels: Map<string, string>, baseline: string, head: string): TrellisError {
  return new TrellisError(
    'EXP_BASELINE_MISMATCH',
    `'${rev}' is an experiment of baseline '${labels.get(baseline)}' (${baseline.slice(0, 7)}), not of the current HEAD '${labels.get(head)}' (${head.slice(0, 7)})`,
    { hint: `Check out its baseline first (git checkout ${baseline.slice(0, 7)}), or pick one of HEAD's experiments (trellis exp list).` },
  )
}
