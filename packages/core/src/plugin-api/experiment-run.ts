/**
 * The experiment a running `exp run` appends to, as `runStage` decorators see it
 * (`StageRunContext.experiment`). Core implements it (experiment-session.ts).
 */
import type { LockEntry, Stage } from '../pipeline/types.js'

export interface ExperimentCommit {
  name: string
  /** Full ref, `refs/exps/<AA>/<38 hex>/<name>`. */
  ref: string
  commit: string
  /** The commit's parent: the baseline, or the previous commit of the chain. */
  parent: string
  baseline: string
  /** The experiment hash of the commit message (`dvc: commit experiment <hash>`). */
  hash: string
  checkpoint: boolean
  /** An identical experiment (same name, same tree) existed and was reused; no commit was written. */
  reused: boolean
}

export interface ExperimentRun {
  readonly baseline: string
  /** The parent of the next commit: the baseline, the checkpoint resumed from, or the last commit of this run. */
  readonly parent: string
  /** The ref the chain is on; undefined until the first commit of a new experiment. */
  readonly ref: string | undefined
  /** The experiment's name, when known (`-n`, a continued experiment, or after the first commit). */
  readonly name: string | undefined
  /** The run continues from a checkpoint (stages see `DVCLIVE_RESUME=1`). */
  readonly resumed: boolean
  /** The commits this run made, oldest first. */
  readonly commits: readonly ExperimentCommit[]
  /** A stage's dvc.lock entry was written (the experiment hash is computed over these). */
  record(stage: Stage, entry: LockEntry): void
  /**
   * Take a checkpoint of a running stage: commit the workspace as the next commit of the
   * chain (parent = the previous one) and move the ref, then fire `onCheckpoint`, then
   * `onExperimentCommit` (only when a commit was written). `lock` is the stage's dvc.lock
   * entry as just recorded (`StageRunContext.save()`). Returns the commit, or undefined
   * when nothing changed since the previous commit of the chain.
   */
  checkpoint(stage: Stage, lock: LockEntry): Promise<ExperimentCommit | undefined>
}
