/**
 * The experiment-store contract (the `experimentStore` service): where
 * experiments are recorded, by baseline and name. An experiment is a commit
 * made by core in the git repository (`GitRepository.snapshot`); a checkpoint
 * experiment is a chain of such commits, each the parent of the next. The store
 * records which commit is the tip of each experiment, and moves experiments
 * between repositories. How it does that is its own business: the built-in
 * `git-refs` store keeps DVC's layout (`refs/exps/<AA>/<38 hex>/<name>`, and
 * the marks below as DVC's EXEC refs under `refs/exps/exec/`).
 */

/** An experiment's identity. */
export interface ExperimentId {
  /** The baseline commit sha (40 hex). */
  baseline: string
  name: string
}

export interface StoredExperiment extends ExperimentId {
  /** The tip commit. */
  commit: string
  /** Where the store keeps it, for messages and events (the git-refs store: the full ref). */
  locator: string
}

/**
 * The work tree's experiment marks (DVC's EXEC refs in the git-refs store):
 * - `applied`: the experiment commit the work tree last received (`exp apply`, a workspace `exp run`; EXEC_APPLY);
 * - `checkpoint`: the last checkpoint a workspace run took (EXEC_CHECKPOINT);
 * - `running`: the experiment a running workspace run of DVC appends to (EXEC_BRANCH; Trellis only reads and clears it).
 */
export type ExperimentMark = 'applied' | 'checkpoint' | 'running'

/** What became of one experiment sent to a remote. */
export interface ExperimentPushResult {
  id: ExperimentId
  status: 'ok' | 'rejected'
  /** Why it was rejected (e.g. `non-fast-forward`), credentials masked. */
  reason?: string
}

export interface ExperimentStore {
  readonly name: string
  /** Where experiment `id` is (or would be) kept; stable for an id. */
  locator(id: ExperimentId): string
  /**
   * Record `commit` as the tip of experiment `id`. With `expect`, only if its tip is
   * that commit now (null: it must not exist); otherwise GIT_REF_CONFLICT and nothing
   * changes. `message` describes the change (the git-refs store writes it to the reflog).
   */
  put(id: ExperimentId, commit: string, options?: { expect?: string | null; message?: string }): Promise<void>
  /** The tip of experiment `id`, or null when there is none. */
  read(id: ExperimentId): Promise<string | null>
  /** Every experiment (of one baseline, when given), sorted by baseline, then name. */
  list(options?: { baseline?: string }): Promise<StoredExperiment[]>
  /** Forget experiment `id` (absent: not an error); with `expect`, only if its tip is that commit (GIT_REF_CONFLICT otherwise). */
  delete(id: ExperimentId, options?: { expect?: string }): Promise<void>
  /** The checkpoint chain of experiment `id`: its commits, tip first, down to (not including) the baseline; [] when it does not exist. */
  chain(id: ExperimentId): Promise<string[]>
  /** Send experiments (with the commits they reach) to a remote (a name or URL); each is reported. */
  push(remote: string, ids: ExperimentId[], options?: { force?: boolean }): Promise<ExperimentPushResult[]>
  /** The experiments a remote has (of one baseline, when given). */
  listRemote(remote: string, options?: { baseline?: string }): Promise<StoredExperiment[]>
  /** Download experiments' commits from a remote, recording nothing: the caller decides what to `put`. Returns the remote tips. */
  pull(remote: string, ids: ExperimentId[]): Promise<StoredExperiment[]>
  /** The commit a mark points at, or null when it is not set. */
  readMark(mark: ExperimentMark): Promise<string | null>
  /** Point a mark (`applied` or `checkpoint`) at a commit. */
  writeMark(mark: Exclude<ExperimentMark, 'running'>, commit: string): Promise<void>
  /** Unset a mark (not set: not an error). */
  clearMark(mark: ExperimentMark): Promise<void>
}
