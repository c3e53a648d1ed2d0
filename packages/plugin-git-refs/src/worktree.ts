/**
 * What `git add -u` would stage, computed without writing the index: each
 * tracked file's stat data is compared with its index entry (lstat: seconds
 * and sub-second time, size, inode, uid/gid, mode), and only files that
 * differ, or are "racily clean", are read and hashed. Untracked and ignored
 * directories are never visited.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import type { GitIndex, IndexEntry } from './index-file.js'
import { MODE_EXEC, MODE_FILE, MODE_GITLINK, MODE_SYMLINK, MODE_TREE, hashObject, type ObjectDb } from './objects.js'
import { readGitDir } from './repo.js'
import type { GitCore } from './core.js'
import { readHeadOf } from './refs.js'

export interface StatPolicy {
  /** core.fileMode: trust the executable bit (default true). */
  fileMode: boolean
  /** core.trustCtime (default true). */
  trustCtime: boolean
  /** core.checkStat = minimal: whole-second mtime (+ctime) and size only. */
  minimal: boolean
  /** core.symlinks (default true): when false, a symlink entry keeps its mode. */
  symlinks: boolean
}

export interface WorktreeEntry {
  readonly path: string
  readonly mode: number
  readonly oid: string
}

export interface ScanResult {
  /** The stage-0 entries `git add -u` would leave, in index (byte) order. */
  entries: WorktreeEntry[]
  /** Paths whose entry differs from the index (content, mode, deleted, unmerged, intent-to-add). */
  changed: string[]
  /** Number of files read and hashed. */
  hashed: number
}

function gitModeOf(st: Stats, policy: StatPolicy, indexMode: number | undefined): number | null {
  if (st.isSymbolicLink()) return policy.symlinks || indexMode === undefined ? MODE_SYMLINK : indexMode
  if (st.isFile()) {
    if (!policy.fileMode) {
      return indexMode === MODE_FILE || indexMode === MODE_EXEC ? indexMode : MODE_FILE
    }
    return (st.mode & 0o100) !== 0 ? MODE_EXEC : MODE_FILE
  }
  if (st.isDirectory()) return MODE_GITLINK
  return null
}

/**
 * Half a microsecond, in ms. Node's number stats give times as
 * `sec * 1e3 + nsec / 1e6` (a double: ~250 ns resolution today), and BigInt
 * arithmetic on 5,000 bigint stats costs tens of ms in a cold process. Times
 * within this tolerance of the index's (sec, nsec) count as equal: still far
 * stricter than git's default build, which compares whole seconds only. A
 * later write cannot land that close to the recorded time (the stat that
 * recorded it came after the previous write), and same-tick writes are
 * caught by the racy check, which uses the index's exact nanoseconds.
 */
const TIME_TOLERANCE_MS = 0.0005

function sameTime(ms: number, sec: number, nsec: number, wholeSeconds: boolean): boolean {
  const statSec = Math.floor(ms / 1000)
  if (statSec >>> 0 !== sec) return false
  return wholeSeconds || Math.abs(ms - (statSec * 1e3 + nsec / 1e6)) < TIME_TOLERANCE_MS
}

/** git's ie_match_stat: does the file still look like what the index recorded? */
export function statMatches(entry: IndexEntry, st: Stats, policy: StatPolicy, index: GitIndex): boolean {
  if (st.size >>> 0 !== entry.size) return false
  // An index written without sub-second times (nsec 0) is compared in whole seconds, as git does.
  const wholeSeconds = policy.minimal || (entry.mtimeNsec === 0 && entry.ctimeNsec === 0)
  if (!sameTime(st.mtimeMs, entry.mtimeSec, entry.mtimeNsec, wholeSeconds)) return false
  if (policy.trustCtime && !sameTime(st.ctimeMs, entry.ctimeSec, entry.ctimeNsec, wholeSeconds)) return false
  if (!policy.minimal) {
    if (st.ino >>> 0 !== entry.ino) return false
    if (st.uid >>> 0 !== entry.uid || st.gid >>> 0 !== entry.gid) return false
  }
  // Racily clean: modified in the same tick the index was written; only the content can tell.
  if (entry.mtimeSec > index.mtimeSec) return false
  if (entry.mtimeSec === index.mtimeSec && (wholeSeconds || entry.mtimeNsec >= index.mtimeNsec)) return false
  return true
}

function tryLstat(path: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw error
  }
}

/** The blob sha of a worktree path as git would add it (symlink: its target), writing the blob when asked. */
export async function hashWorktreePath(db: ObjectDb, absolute: string, st: Stats, write: boolean, existing?: string): Promise<string> {
  if (st.isSymbolicLink()) {
    const target = readlinkSync(absolute, { encoding: 'buffer' })
    const oid = hashObject('blob', target)
    return write && oid !== existing ? db.write('blob', target, oid) : oid
  }
  return db.hashFile(absolute, write, existing)
}

/** A submodule's checked-out commit (what `git add -u` records for a gitlink), or null. */
function submoduleHead(absolute: string, core: GitCore): string | null {
  const gitDir = readGitDir(join(absolute, '.git'))
  return gitDir ? readHeadOf(gitDir, core) : null
}

/**
 * The tracked files as `git add -u` would stage them. With `write`, the blobs
 * of changed files are written to the object store.
 */
export async function scanTracked(root: string, index: GitIndex, db: ObjectDb, policy: StatPolicy, write: boolean): Promise<ScanResult> {
  const entries: WorktreeEntry[] = []
  const changed: string[] = []
  let hashed = 0
  const all = index.entries
  for (let i = 0; i < all.length; i++) {
    const entry = all[i]!
    // Unmerged paths (stages 1–3) come together; `git add -u` resolves them to the worktree file.
    if (entry.stage !== 0) {
      let j = i
      while (j + 1 < all.length && all[j + 1]!.path === entry.path) j++
      i = j
      changed.push(entry.path)
      const absolute = `${root}/${entry.path}`
      const st = tryLstat(absolute)
      const mode = st ? gitModeOf(st, policy, undefined) : null
      if (!st || mode === null || mode === MODE_GITLINK) continue
      hashed++
      entries.push({ path: entry.path, mode, oid: await hashWorktreePath(db, absolute, st, write) })
      continue
    }
    if (entry.skipWorktree || entry.assumeValid || entry.mode === MODE_TREE) {
      entries.push(entry)
      continue
    }
    const absolute = `${root}/${entry.path}`
    const st = tryLstat(absolute)
    if (!st) {
      changed.push(entry.path)
      continue
    }
    const mode = gitModeOf(st, policy, entry.mode)
    if (entry.mode === MODE_GITLINK && mode === MODE_GITLINK) {
      const head = submoduleHead(absolute, db.core) ?? entry.oid
      if (head !== entry.oid) changed.push(entry.path)
      entries.push({ path: entry.path, mode: MODE_GITLINK, oid: head })
      continue
    }
    // (a submodule replaced by a file is hashed below like any changed file)
    if (mode === null || mode === MODE_GITLINK) {
      // a tracked file replaced by a directory (or a socket…): its entry goes, the contents are untracked
      changed.push(entry.path)
      continue
    }
    if (!entry.intentToAdd && mode === entry.mode && statMatches(entry, st, policy, index)) {
      entries.push(entry)
      continue
    }
    hashed++
    // The index's blob exists, except for intent-to-add entries (they name the empty blob without writing it).
    const oid = await hashWorktreePath(db, absolute, st, write, entry.intentToAdd ? undefined : entry.oid)
    if (oid !== entry.oid || mode !== entry.mode || entry.intentToAdd) changed.push(entry.path)
    entries.push({ path: entry.path, mode, oid })
  }
  return { entries, changed, hashed }
}
