/**
 * The `checkpoints` service: the rules of checkpoint experiments that belong to the
 * checkpoints plugin (DVC §2.2, §8.5). Core does the work — it resolves `--rev`,
 * restores a checkpoint's outputs, compares the workspace with it, commits every
 * checkpoint and keeps the EXEC refs — and asks this service what to do with what
 * it found. Without an implementation a `checkpoint: true` stage is refused before
 * anything runs (CHECKPOINTS_NOT_LOADED). The signal protocol itself is the
 * plugin's `runStage` decorator (see `ExperimentRun.checkpoint`).
 */

/** An experiment holding a checkpoint commit. */
export interface CheckpointHolder {
  /** Where the experiment is kept (the git-refs store: its full ref). */
  ref: string
  /** Its baseline (40 hex). */
  baseline: string
  name: string
  /** Its tip. */
  sha: string
}

/** Where a resumed run starts (core resolves it from `--rev X`, or from the last checkpoint). */
export interface CheckpointOrigin {
  /** The checkpoint commit (40 hex). */
  rev: string
  /** The baseline of the experiment(s) holding it. */
  baseline: string
  /** The experiment to continue when nothing changed; undefined when `rev` is on several and tips none. */
  branch?: CheckpointHolder
  /** Every experiment whose chain holds `rev`. */
  containing: CheckpointHolder[]
}

/** What core found when it compared the run that is about to start with the checkpoint. */
export interface ResumeFacts {
  /** The workspace (after `-S`, with the checkpoint's outputs and dvc.lock restored) differs from the checkpoint commit. */
  dirty: boolean
  /** The current tip of `origin.branch` (read just before deciding). */
  branchTip?: string | null
  /** `-n`, when given. */
  name?: string
}

export type ResumeDecision =
  | {
      mode: 'continue'
      rev: string
      baseline: string
      /** Where the continued experiment is kept (its ref), to advance. */
      ref: string
      name: string
      notice: string
      /** Set when `-n` was given and is ignored. */
      warning?: string
    }
  | {
      mode: 'fork'
      rev: string
      baseline: string
      notice: string
    }

/** The last checkpoint of the workspace, as core's EXEC refs record it (each derived from HEAD; others were dropped). */
export interface LastCheckpoint {
  /** The most recent checkpoint commit (EXEC_CHECKPOINT). */
  checkpoint?: string
  /** The experiment commit last applied to the workspace (EXEC_APPLY). */
  applied?: string
}

export interface CheckpointSupport {
  /** The provider's plugin name, for messages. */
  readonly plugin: string
  /** The commit a workspace `exp run` of a pipeline with checkpoint stages continues from; undefined: it starts afresh. */
  workspaceResumePoint(last: LastCheckpoint): string | undefined
  /**
   * Continue the experiment holding the checkpoint, fork a new one from it, or refuse
   * (a TrellisError CHECKPOINT_RESUME: nothing to do for an unchanged checkpoint).
   */
  decideResume(origin: CheckpointOrigin, facts: ResumeFacts): ResumeDecision
}
