/**
 * Where experiments live. The default implementation (packages/plugin-git-refs)
 * keeps them as commits under hidden git refs, DVC's layout; a third party can
 * register another backend under the `experimentStore` service.
 *
 * Every method works on git objects and refs only: HEAD, the index, branches
 * and `refs/stash` are never touched.
 */
export interface CommitInfo {
  sha: string
  tree: string
  parents: string[]
  message: string
  /** Committer time, seconds since the epoch. */
  timestamp: number
}

/** One line of a ref's reflog. */
export interface ReflogEntry {
  /** The sha before the update (40 zeros when the ref was created). */
  old: string
  /** The sha the update set. */
  sha: string
  /** The reflog message (e.g. `commit: dvc-exp:<rev>:<baseline>:<name>`). */
  message: string
}

/** A file given by content rather than read from a work tree (see `SnapshotOptions.overlay`). */
export interface SnapshotFile {
  /** Repo-relative POSIX path. */
  path: string
  content: Uint8Array | string
  /** git mode, default 0o100644 (0o100755 executable). */
  mode?: number
}

export interface RefInfo {
  ref: string
  sha: string
}

export interface SnapshotOptions {
  /** Parent commit (the baseline, or the previous checkpoint). */
  parent: string
  message: string
  /**
   * Files whose content replaces (or is added to) what the work tree holds,
   * e.g. params files edited in memory for a queued experiment. The work tree
   * itself is not written.
   */
  overlay?: SnapshotFile[]
  /** Snapshot this work tree (made by `checkoutTree`) instead of the repository's own. */
  workTree?: string
  /**
   * Untracked paths (repo-relative) to add as well, e.g. a new dvc.lock or
   * .gitignore written by the run. Ignored files among them are skipped.
   */
  include?: string[]
}

export interface ExperimentStore {
  /** The sha HEAD points at, or null in a repository without commits. */
  head(): Promise<string | null>
  /** The symbolic name of HEAD (`refs/heads/main`), or null when detached. */
  headRef(): Promise<string | null>
  /** A ref's reflog, oldest entry first ([] when it has none). */
  readReflog(ref: string): Promise<ReflogEntry[]>
  /**
   * Drop the reflog entries that set the given shas, as `git reflog delete
   * --updateref --rewrite` does: the ref then points at the newest remaining
   * entry, and is deleted with its reflog when none remains. Used for DVC's
   * queue, the reflog of `refs/exps/stash`.
   */
  dropReflogEntries(ref: string, shas: string[]): Promise<void>
  /**
   * Materialise `commit`'s files in the empty (or absent) directory `dir` as a
   * disposable work tree: an index of its own holding that tree, HEAD detached
   * at `head` (default `commit`), objects borrowed from this repository (none
   * is copied). git commands work in it; removing `dir` removes every trace.
   */
  checkoutTree(commit: string, dir: string, options?: { head?: string }): Promise<void>
  /** What `path` is in a commit's tree, or null when it is absent. */
  pathType(sha: string, path: string): Promise<'file' | 'dir' | 'symlink' | 'submodule' | null>
  /** Resolve a git revision (sha, prefix, branch, tag, `HEAD~1`, full ref) to a commit sha, or null. */
  resolve(rev: string): Promise<string | null>
  /** Commit the workspace's tracked files (as they are now) plus `include`, without touching the index; returns the new sha. */
  snapshot(options: SnapshotOptions): Promise<string>
  /** Create or move a ref; with `expect`, only if it currently points there (null = must not exist). */
  writeRef(ref: string, sha: string, options?: { expect?: string | null; reflogMessage?: string }): Promise<void>
  deleteRef(ref: string): Promise<void>
  /** Refs under a prefix (default `refs/exps/`), sorted by name. */
  listRefs(prefix?: string): Promise<RefInfo[]>
  readCommit(sha: string): Promise<CommitInfo>
  /** A file's bytes in a commit, or null when the path is absent. */
  readFile(sha: string, path: string): Promise<Uint8Array | null>
  /** Repo-relative paths of the tracked files whose workspace content differs from `sha`'s tree (and those absent). */
  changedFiles(sha: string): Promise<string[]>
}
