/**
 * The workspace's last checkpoint, as the experiment store's marks record it
 * (`checkpoint`: the most recent checkpoint commit; `applied`: the experiment commit
 * last applied to the workspace; DVC's EXEC refs in the git-refs store). Core keeps
 * them; the checkpoints plugin decides from them where a workspace run resumes
 * (`CheckpointSupport.workspaceResumePoint`).
 */
import type { LastCheckpoint } from '../../plugin-api/checkpoints.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { isDerivedFrom } from './checkpoint-chain.js'

/** Forget the last checkpoint (`--reset`, or queueing without `--rev`): a later workspace run will not auto-resume. */
export async function resetCheckpoints(experiments: ExperimentStore): Promise<void> {
  for (const mark of ['checkpoint', 'applied'] as const) await experiments.clearMark(mark)
}

/**
 * The marks that are derived from HEAD (DVC's `check_baseline`); one that is not
 * (HEAD moved) is cleared.
 */
export async function lastCheckpoint(store: GitRepository, experiments: ExperimentStore, head: string): Promise<LastCheckpoint> {
  const valid = async (mark: 'checkpoint' | 'applied'): Promise<string | undefined> => {
    const sha = await experiments.readMark(mark)
    if (!sha) return undefined
    if (await isDerivedFrom(store, experiments, sha, head)) return sha
    await experiments.clearMark(mark)
    return undefined
  }
  const checkpoint = await valid('checkpoint')
  const applied = await valid('applied')
  return { ...(checkpoint ? { checkpoint } : {}), ...(applied ? { applied } : {}) }
}
