/**
 * The git repository contract (the `gitRepository` service): reading commits,
 * trees, refs and reflogs, writing commits without touching the index or the
 * work tree, compare-and-swap refs, disposable work trees and git remotes. Core
 * makes experiment commits with it; which commit is which experiment is the
 * experiment store's business (experiment-store.ts). The built-in implementation
 * is `git-refs` (native git plumbing, with in-process readers).
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

/** A file of a commit's tree, as {@link GitRepository.listFiles} returns it. */
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
   * Files whose content replaces (or is added to) what the work tree holds,
   * e.g. params files edited in memory for a queued experiment. The work tree
   * itself is not written.
   */
  overlay?: SnapshotFile[]
  /** Snapshot this work tree (made by `checkoutTree`) instead of the repository's own. */
  workTree?: string
  /**
   * Start from this commit's tree instead of reading a work tree: the result is that tree
   * with `overlay` applied (`include` and `workTree` do not apply). Used to queue many
   * entries from one snapshot of the workspace; a store may ignore it and read the work
   * tree, which gives the same tree while the work tree is unchanged.
   */
  base?: string
  /**
   * Untracked paths (repo-relative) to add as well, e.g. a new dvc.lock or
   * .gitignore written by the run. Ignored files among them are skipped.
   */
  include?: string[]
}

/** One blob-level difference between two commits' trees (see `GitRepository.diffTrees`). */
export interface TreeChange {
  /** Repo-relative POSIX path. */
  path: string
  status: 'added' | 'modified' | 'deleted'
  /** git mode in `to` (0o100644, 0o100755, 0o120000 symlink, 0o160000 gitlink); absent when deleted. */
  mode?: number
  /** Blob sha in `to`; absent when deleted. */
  oid?: string
  /** git mode in `from`; absent when added. */
  oldMode?: number
  /** Blob sha in `from`; absent when added. */
  oldOid?: string
}

/** A file of a commit written by `GitRepository.commitFiles`. */
export interface CommitFile {
  /** Repo-relative POSIX path. */
  path: string
  /** git mode: 0o100644 (default), 0o100755 or 0o120000 (content = link target). */
  mode?: number
  content: Uint8Array | string
}

/** What became of one ref pushed to a git remote. */
export interface RefPushResult {
  ref: string
  /** `ok`: the remote ref now points at our commit; `rejected`: the remote refused the update. */
  status: 'ok' | 'rejected'
  /** The remote's or git's reason for a rejection (e.g. `non-fast-forward`), credentials masked. */
  reason?: string
}

export interface GitRepository {
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
  /**
   * Delete a ref (a missing ref is not an error); with `expect`, only if it
   * currently points there (GIT_REF_CONFLICT otherwise).
   */
  deleteRef(ref: string, options?: { expect?: string }): Promise<void>
  /** Refs under a prefix (default `refs/exps/`), sorted by name. */
  listRefs(prefix?: string): Promise<RefInfo[]>
  readCommit(sha: string): Promise<CommitInfo>
  /** A file's bytes in a commit, or null when the path is absent. */
  readFile(sha: string, path: string): Promise<Uint8Array | null>
  /**
   * Every file of a commit's tree (regular and executable files; no symlinks, submodules
   * or directories), optionally only those under the directory `prefix` (repo-relative).
   * Paths are full repo-relative paths, in git's tree order. The git-refs store memoises
   * listings per tree object, so listing many commits that share most of their trees costs
   * little more than listing one; an absent `prefix` gives an empty list.
   */
  listFiles(sha: string, prefix?: string): Promise<TreeFile[]>
  /** Repo-relative paths of the tracked files whose workspace content differs from `sha`'s tree (and those absent). */
  changedFiles(sha: string): Promise<string[]>
  /**
   * Blob-level differences between two commits' trees, sorted by path. A path
   * that is a file on one side and a directory on the other shows as the
   * file deleted (or added) plus the directory's files added (or deleted).
   * Used by `exp apply` to bring an experiment's changes into the workspace.
   */
  diffTrees(from: string, to: string): Promise<TreeChange[]>
  /**
   * Write a commit whose tree holds exactly `files` (nothing is taken from the
   * workspace or the index) with the given parents; returns its sha. Only git
   * objects are written. Used for `exp apply`'s undo records.
   */
  commitFiles(options: { files: CommitFile[]; parents: string[]; message: string }): Promise<string>
  /** Which of `commits` are reachable from (equal to, or ancestors of) any of `tips`. Used by `exp gc -A`. */
  reachable(commits: string[], tips: string[]): Promise<Set<string>>
  /**
   * The refs of a git remote (a remote name or URL) under `prefix` (default
   * `refs/exps/`), as `git ls-remote` lists them; sorted by name. Used by `exp list <remote>`.
   */
  listRemoteRefs(remote: string, prefix?: string): Promise<RefInfo[]>
  /** Whether `ancestor` is `descendant` or one of its ancestors. Both must be stored locally. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>

  // ---- git remotes ----------------------------------------------------------
  // `remote` is a configured remote's name, a URL or a path. Credentials in a
  // URL are used but never written to refs, logs or error messages.

  /** Push each ref to the same name on the remote (`<ref>:<ref>`, forced where asked) and nothing else. */
  pushRefs(remote: string, refs: Array<{ ref: string; force?: boolean }>): Promise<RefPushResult[]>
  /**
   * Download the commits of these remote refs (with everything they reach).
   * No local ref is written: the caller decides (fast-forward, divergence).
   */
  fetchRefs(remote: string, refs: string[]): Promise<void>
}
