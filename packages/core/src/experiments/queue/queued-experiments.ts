/**
 * Extension point for queued experiments (`exp run --queue`), which
 * `exp remove` and `exp gc` also manage. The queue lives elsewhere (a
 * plugin); whoever provides it passes an implementation of this interface
 * to `removeExperiments` / `gcExperiments` (the CLI commands do once a queue
 * backend exists). Without one, queued entries are never touched.
 */
export interface QueuedEntry {
  /** Stable id of the entry (DVC: the stash commit sha). */
  id: string
  /** The user's name for it, or '' when it has none. */
  name: string
  /** The baseline commit it will run on. */
  baseline: string
}

export interface QueuedExperiments {
  /** Every queued entry. */
  list(): Promise<QueuedEntry[]>
  /**
   * Match what a user typed (a queued entry's name, or a prefix of its id) to
   * entries: typed string → entry id. Strings that match nothing are left out.
   */
  resolve(names: string[]): Promise<Map<string, string>>
  /** Drop entries by id (atomically as far as the backend can). */
  remove(ids: string[]): Promise<void>
}
