/**
 * What `exp apply` does to git-tracked files: the experiment's changes
 * relative to the baseline (= HEAD), never a checkout of the whole tree.
 * Each changed path gets the experiment's version (or is deleted), unless the
 * workspace has it already. A path is a conflict when the workspace holds
 * something there that is neither HEAD's version nor the experiment's: an
 * uncommitted edit, a deletion, an untracked file in the way.
 */
import { join } from 'node:path'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { WorkTreeGuard } from '../../fs/safe-path.js'
import { MODE_GITLINK, MODE_SYMLINK, blockedAncestor, filesBelow, isObstruction, readDiskState, sameState, type FileState } from './workspace-files.js'

/** One path apply changes: its state now (restored by undo) and after apply. */
export interface FileChange {
  /** Relative to the git work tree root, POSIX. */
  path: string
  before: FileState | null
  after: FileState | null
}

export interface Conflict {
  path: string
  reason: string
  /** Even `--force` cannot apply over it (a directory or special file in the way). */
  blocking?: boolean
}

export interface TrackedPlan {
  /** Every path to change, conflicting ones included (they are overwritten only with force). */
  changes: FileChange[]
  /** Paths holding uncommitted work apply would overwrite, and blocked paths. */
  conflicts: Conflict[]
  /** Submodule (gitlink) changes, which apply leaves alone. */
  skipped: string[]
}

/**
 * `applied`: the commit the workspace last received (`EXEC_APPLY`: an earlier
 * apply, or a workspace `exp run`). A path holding exactly that commit's
 * version is not uncommitted work either — it is in git — so applying one
 * experiment after another needs no --force.
 */
export async function planTrackedChanges(
  store: GitRepository,
  /** The git work tree's guard: every path is checked (and refusals collected) before the disk is read. */
  guard: WorkTreeGuard,
  head: string,
  target: string,
  applied?: string | null,
  /** Paths of the target to leave alone (a queued entry's `.dvc/tmp/repro.dat`). */
  skip: ReadonlySet<string> = new Set(),
): Promise<TrackedPlan> {
  const diff = (await store.diffTrees(head, target)).filter((c) => !skip.has(c.path))
  const skipped = diff.filter((c) => c.mode === MODE_GITLINK || c.oldMode === MODE_GITLINK).map((c) => c.path)
  const relevant = diff.filter((c) => !skipped.includes(c.path))
  if (relevant.length === 0) return { changes: [], conflicts: [], skipped }

  // What the tree holds, then every path checked against it (a symlink it adds is followed
  // as if it were written already): a refused path is left out here, and apply stops on it.
  const source = "in the experiment's tree"
  const named = relevant.filter((change) => guard.checkName(change.path, { source, symlink: change.mode === MODE_SYMLINK }))
  const afters = new Map<string, FileState | null>()
  for (const change of named) {
    let after: FileState | null = null
    if (change.status !== 'deleted') {
      const content = await store.readFile(target, change.path)
      if (content === null) throw new Error(`'${change.path}' vanished from ${target}`)
      after = { mode: change.mode!, content }
    }
    afters.set(change.path, after)
    guard.plan(change.path, after === null ? null : after.mode === MODE_SYMLINK ? { symlink: Buffer.from(after.content).toString() } : { file: true })
  }
  const safe = named.filter((change) => guard.check(change.path, { source, symlink: change.mode === MODE_SYMLINK }) !== undefined)

  const gitRoot = guard.root
  const dirty = new Set(await store.changedFiles(head))
  const deleted = new Set(relevant.filter((c) => c.status === 'deleted').map((c) => c.path))
  const changes: FileChange[] = []
  const conflicts: Conflict[] = []
  for (const change of safe) {
    const after = afters.get(change.path)!
    let current = readDiskState(join(gitRoot, change.path))
    // A directory that only holds files this apply deletes will be gone when the file is written.
    if (isObstruction(current) && current.obstruction === 'directory' && filesBelow(join(gitRoot, change.path), change.path).every((p) => deleted.has(p))) {
      current = null
    }
    if (isObstruction(current)) {
      conflicts.push({ path: change.path, reason: `a ${current.obstruction === 'directory' ? 'directory' : 'special file'} is in the way`, blocking: true })
      continue
    }
    if (sameState(current, after)) continue // already as the experiment has it
    if (after) {
      const blocker = blockedAncestor(gitRoot, change.path)
      if (blocker !== undefined && !deleted.has(blocker)) {
        conflicts.push({ path: change.path, reason: `'${blocker}' is a file or symlink where a directory is needed`, blocking: true })
        continue
      }
    }
    const inHead = change.oldOid !== undefined
    const clean = (inHead ? !dirty.has(change.path) : current === null) || (applied ? await sameAsCommit(store, applied, change.path, current) : false)
    if (!clean) {
      conflicts.push({ path: change.path, reason: !inHead ? 'a file that is not in HEAD is in the way' : current === null ? 'deleted in the workspace' : 'modified in the workspace' })
    }
    changes.push({ path: change.path, before: current, after })
  }
  return { changes, conflicts, skipped }
}

async function sameAsCommit(store: GitRepository, commit: string, path: string, current: FileState | null): Promise<boolean> {
  const content = await store.readFile(commit, path)
  if (content === null || current === null) return content === current
  return Buffer.compare(Buffer.from(content), Buffer.from(current.content)) === 0
}
