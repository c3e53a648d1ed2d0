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

export interface RefInfo {
  ref: string
  sha: string
}

/** A file of a commit's tree, as {@link ExperimentStore.listFiles} returns it. */
export interface TreeFile {
  /** Repo-relative POSIX path (relative to the git worktree root, like every store path). */
  path: string
  /**
   * Content id: equal ids mean equal bytes (the git blob sha in the git-refs store), so
   * callers can memoise what they parse from a file by it.
   */
  id: string
}

export interface SnapshotOptions {
  /** Parent commit (the baseline, or the previous checkpoint). */
  parent: string
  message: string
  /**
   * Untracked paths (repo-relative) to add as well, e.g. a new dvc.lock or
   * .gitignore written by the run. Ignored files among them are skipped.
   */
  include?: string[]
}

/** What became of one ref pushed to a git remote. */
export interface RefPushResult {
  ref: string
  /** `ok`: the remote ref now points at our commit; `rejected`: the remote refused the update. */
  status: 'ok' | 'rejected'
  /** The remote's or git's reason for a rejection (e.g. `non-fast-forward`), credentials masked. */
  reason?: string
}

export interface ExperimentStore {
  /** The sha HEAD points at, or null in a repository without commits. */
  head(): Promise<string | null>
  /** The symbolic name of HEAD (`refs/heads/main`), or null when detached. */
  headRef(): Promise<string | null>
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
  /**
   * Every file of a commit's tree (regular and executable files; no symlinks, submodules
   * or directories), optionally only those under the directory `prefix` (repo-relative).
   * Paths are full repo-relative paths, in git's tree order. The git-refs store memoises
   * listings per tree object, so listing many commits that share most of their trees costs
   * little more than listing one; an absent `prefix` gives an empty list.
   */
  listFiles(sha: string, prefix?: string): Promise<TreeFile[]>
  /** Whether `ancestor` is `descendant` or one of its ancestors. Both must be stored locally. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>

  // ---- git remotes ----------------------------------------------------------
  // `remote` is a configured remote's name, a URL or a path. Credentials in a
  // URL are used but never written to refs, logs or error messages.

  /** The remote's refs under `prefix` (default `refs/exps/`), listed without fetching anything. */
  listRemoteRefs(remote: string, prefix?: string): Promise<RefInfo[]>
  /** Push each ref to the same name on the remote (`<ref>:<ref>`, forced where asked) and nothing else. */
  pushRefs(remote: string, refs: Array<{ ref: string; force?: boolean }>): Promise<RefPushResult[]>
  /**
   * Download the commits of these remote refs (with everything they reach).
   * No local ref is written: the caller decides (fast-forward, divergence).
   */
  fetchRefs(remote: string, refs: string[]): Promise<void>
}
