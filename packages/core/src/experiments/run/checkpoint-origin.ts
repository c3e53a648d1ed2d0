/** `--rev X`: the checkpoint a run continues from, and the experiment that holds it. */
import { TrellisError } from '../../errors.js'
import type { CheckpointHolder, CheckpointOrigin } from '../../plugin-api/checkpoints.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { resolveRev } from '../refs/resolve-exp.js'
import { refsContaining } from './checkpoint-chain.js'

/**
 * Resolve `--rev X` (DVC `_resume_checkpoint` + `get_branch_by_rev`): X is a sha, a
 * git revision, an experiment name or ref. The experiment to continue is the only one
 * holding X; among several, with `-S` the first (by name), else the one whose tip is
 * X, else none (their common baseline is used).
 */
export async function resolveCheckpointRev(store: GitRepository, experiments: ExperimentStore, rev: string, options: { head: string; hasParams?: boolean }): Promise<CheckpointOrigin> {
  const found = await resolveRev(store, experiments, rev).catch((error: unknown) => {
    if (error instanceof TrellisError && error.code === 'EXP_AMBIGUOUS') throw error
    return undefined
  })
  if (!found) {
    throw new TrellisError('CHECKPOINT_RESUME', `Cannot resume from '${rev}': it is not a commit, experiment name or ref`, {
      hint: 'Name a checkpoint by its sha (see `trellis exp show --sha`), or an experiment by name to continue from its last checkpoint.',
    })
  }
  const sha = found.sha
  const short = sha.slice(0, 7)
  const containing = await refsContaining(store, experiments, sha)
  if (containing.length === 0) {
    throw new TrellisError('CHECKPOINT_RESUME', `Could not find checkpoint experiment '${short}'`, {
      hint: `'${rev}' is not a commit of any experiment; list checkpoints with \`trellis exp show\`.`,
    })
  }
  let branch: CheckpointHolder | undefined
  let baseline: string
  if (containing.length === 1 || options.hasParams) branch = containing[0]
  else branch = containing.find((r) => r.sha === sha)
  if (branch) baseline = branch.baseline
  else {
    const baselines = new Set(containing.map((r) => r.baseline))
    if (baselines.size > 1) {
      throw new TrellisError('EXP_AMBIGUOUS', `Ambiguous commit '${short}' belongs to multiple experiment branches.`, {
        hint: `It is in:\n${containing.map((r) => `\t${r.ref}`).join('\n')}`,
      })
    }
    baseline = containing[0].baseline
  }
  if (baseline !== options.head) {
    throw new TrellisError('CHECKPOINT_RESUME', `Cannot resume from '${rev}' as it is not derived from your current workspace.`, {
      hint: `Its baseline is ${baseline.slice(0, 7)}; HEAD is ${options.head.slice(0, 7)}. Check out the baseline first (git checkout ${baseline.slice(0, 7)}).`,
    })
  }
  return { rev: sha, baseline, branch, containing }
}
