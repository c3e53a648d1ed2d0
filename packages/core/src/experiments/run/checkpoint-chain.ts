/**
 * Checkpoint chains (DVC §8.6): the first-parent history of an experiment down to
 * (not including) its baseline; a commit "belongs" to every experiment whose chain
 * contains it. What `exp show` lists for a checkpoint experiment, and what `--rev`
 * and the workspace's auto-resume look commits up in.
 */
import { TrellisError } from '../../errors.js'
import type { CheckpointHolder } from '../../plugin-api/checkpoints.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExpRefAt } from '../refs/exp-lineage.js'
import { listExpRefs } from '../refs/resolve-exp.js'

/** One commit of an experiment's chain, with the fields `exp show --json` gives checkpoint rows. */
export interface ChainCommit {
  sha: string
  /** First parent: the next older commit of the chain, or the baseline for the oldest. */
  parent: string
  /** Committer time, seconds since the epoch. */
  timestamp: number
  /** Set when the chain has more than one commit (DVC §9.1): the ref's tip. */
  checkpoint_tip?: string
  /** Set when the chain has more than one commit: the next older commit, the baseline for the oldest. */
  checkpoint_parent?: string
}

export interface CheckpointChain {
  ref: string
  name: string
  baseline: string
  tip: string
  /** Tip first, down to the commit whose parent is the baseline. */
  commits: ChainCommit[]
}

/**
 * The first-parent chain of an experiment (as `listExpRefs` gives it) down to its
 * baseline (DVC's `branch_revs(tip, baseline)`): what `exp show` lists for it. A chain
 * of one commit is a plain experiment and gets no `checkpoint_*` fields. A chain that
 * never reaches its baseline (history rewritten) stops at the root commit.
 */
export async function checkpointChain(store: GitRepository, exp: ExpRefAt): Promise<CheckpointChain> {
  const { ref, name, baseline, sha: tip } = exp
  const commits: ChainCommit[] = []
  const seen = new Set<string>()
  let sha: string | undefined = tip
  while (sha && sha !== baseline && !seen.has(sha)) {
    seen.add(sha)
    const info = await store.readCommit(sha)
    commits.push({ sha, parent: info.parents[0] ?? '', timestamp: info.timestamp })
    sha = info.parents[0]
  }
  if (commits.length > 1) {
    commits.forEach((c, i) => {
      c.checkpoint_tip = tip
      c.checkpoint_parent = i + 1 < commits.length ? commits[i + 1].sha : baseline
    })
  }
  return { ref, name, baseline, tip, commits }
}

/** The experiments whose chain contains `sha` (all baselines, or one), sorted by ref name. */
export async function refsContaining(store: GitRepository, experiments: ExperimentStore, sha: string, options: { baseline?: string } = {}): Promise<CheckpointHolder[]> {
  const refs = await listExpRefs(experiments, options)
  const out: CheckpointHolder[] = []
  for (const ref of refs) {
    let current: string | undefined = ref.sha
    const seen = new Set<string>()
    while (current && current !== ref.baseline && !seen.has(current)) {
      if (current === sha) {
        out.push(ref)
        break
      }
      seen.add(current)
      current = (await store.readCommit(current)).parents[0]
    }
  }
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
}

/** DVC's `check_baseline`: `sha` is HEAD, on an experiment of HEAD, or a child of HEAD. */
export async function isDerivedFrom(store: GitRepository, experiments: ExperimentStore, sha: string, head: string): Promise<boolean> {
  if (sha === head) return true
  const containing = await refsContaining(store, experiments, sha)
  if (containing.length > 0) return containing.some((r) => r.baseline === head)
  const info = await store.readCommit(sha).catch(() => undefined)
  return info?.parents[0] === head
}
