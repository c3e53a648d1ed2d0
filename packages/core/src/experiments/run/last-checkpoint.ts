/**
 * The workspace's last checkpoint, as DVC records it in the EXEC refs
 * (EXEC_CHECKPOINT: the most recent checkpoint commit; EXEC_APPLY: the experiment
 * commit last applied to the workspace). Core keeps them; the checkpoints plugin
 * decides from them where a workspace run resumes (`CheckpointSupport.workspaceResumePoint`).
 */
import type { LastCheckpoint } from '../../plugin-api/checkpoints.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { isDerivedFrom } from './checkpoint-chain.js'
import { EXEC_APPLY, EXEC_CHECKPOINT } from './exec-refs.js'

/** Forget the last checkpoint (`--reset`, or queueing without `--rev`): a later workspace run will not auto-resume. */
export async function resetCheckpoints(store: GitRepository): Promise<void> {
  for (const ref of [EXEC_CHECKPOINT, EXEC_APPLY]) if (await store.resolve(ref)) await store.deleteRef(ref)
}

/**
 * The EXEC refs that are derived from HEAD (DVC's `check_baseline`); one that is not
 * (HEAD moved) is deleted.
 */
export async function lastCheckpoint(store: GitRepository, experiments: ExperimentStore, head: string): Promise<LastCheckpoint> {
  const valid = async (ref: string): Promise<string | undefined> => {
    const sha = await store.resolve(ref)
    if (!sha) return undefined
    if (await isDerivedFrom(store, experiments, sha, head)) return sha
    await store.deleteRef(ref)
    return undefined
  }
  const checkpoint = await valid(EXEC_CHECKPOINT)
  const applied = await valid(EXEC_APPLY)
  return { ...(checkpoint ? { checkpoint } : {}), ...(applied ? { applied } : {}) }
}
