/**
 * Which run an event belongs to. Every stage, checkpoint, commit and lifecycle
 * payload carries one, so a plugin can tell apart the experiments of
 * `exp run --run-all -j 2`, whose stages interleave.
 */
export interface RunInfo {
  /** Unique per run in this process (`run-<n>`); the same object is passed with every event of the run. */
  readonly id: string
  /** What started it: `repro` (`trellis repro`) or `exp-run` (`exp run`, in place or a queue entry). */
  readonly kind: 'repro' | 'exp-run'
  /** The project root the user works in (the directory holding `.dvc/`). */
  readonly projectRoot: string
  /** Where the stages run: the project root, or the temporary workspace of a queued run. */
  readonly workspaceRoot: string
  /** The queue entry this run executes (`exp run --run-all`, `--temp`); absent for an in-place run. */
  readonly queueEntryId?: string
  /** The experiment being made; absent under `trellis repro`. */
  readonly experiment?: RunExperiment
}

/** The experiment of a run, as it is known at the time of the event. */
export interface RunExperiment {
  /** The baseline commit sha. */
  readonly baseline: string
  /** `-n` name, a continued experiment's name, or the automatic name once the first commit made it; undefined before. */
  readonly name: string | undefined
  /** `refs/exps/…/<name>` once the experiment has a ref. */
  readonly ref: string | undefined
}
