/**
 * Files of the workspace as git sees them (a regular file with or without
 * the x bit, or a symlink), read and written one by one: every write is a
 * temp file (or symlink) beside the target, then a rename, so a crash leaves
 * each file either as it was or as it should be.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, rmdirSync, type Stats } from 'node:fs'
import { mkdir, rename, rm, symlink, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import type { WorkTreeGuard } from '../../fs/safe-path.js'
import { writeFileAtomic } from '../../util/atomic-write.js'

export const MODE_FILE = 0o100644
export const MODE_EXEC = 0o100755
export const MODE_SYMLINK = 0o120000
export const MODE_GITLINK = 0o160000

/** A file's state: its git mode and bytes (a symlink's bytes are its target). */
export interface FileState {
  mode: number
  content: Uint8Array
}

/** What is on disk at a path: a file state, nothing, or something git cannot hold there. */
export type DiskState = FileState | null | { obstruction: 'directory' | 'special' }

export function isObstruction(state: DiskState): state is { obstruction: 'directory' | 'special' } {
  return state !== null && 'obstruction' in state
}

function lstatOrNull(abs: string): Stats | null {
  try {
    return lstatSync(abs)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw error
  }
}

export function readDiskState(abs: string): DiskState {
  const st = lstatOrNull(abs)
  if (!st) return null
  if (st.isSymbolicLink()) return { mode: MODE_SYMLINK, content: Buffer.from(readlinkSync(abs, { encoding: 'buffer' })) }
  if (st.isFile()) return { mode: st.mode & 0o100 ? MODE_EXEC : MODE_FILE, content: readFileSync(abs) }
  return { obstruction: st.isDirectory() ? 'directory' : 'special' }
}

export function sameState(a: DiskState, b: FileState | null): boolean {
  if (a === null || b === null) return a === b
  if (isObstruction(a)) return false
  return a.mode === b.mode && Buffer.compare(Buffer.from(a.content), Buffer.from(b.content)) === 0
}

/** Every file (not directory) below `abs`, repo-relative to `root`, without following links. */
export function filesBelow(abs: string, rel: string): string[] {
  const out: string[] = []
  const stack: Array<[string, string]> = [[abs, rel]]
  while (stack.length) {
    const [dir, prefix] = stack.pop()!
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const childRel = `${prefix}/${d.name}`
      if (d.isDirectory()) stack.push([join(dir, d.name), childRel])
      else out.push(childRel)
    }
  }
  return out
}

/** What stands in the way of creating `path`'s parent directories: an ancestor that is a file or a symlink. */
export function blockedAncestor(root: string, path: string): string | undefined {
  const parts = path.split('/')
  for (let i = 1; i < parts.length; i++) {
    const ancestor = parts.slice(0, i).join('/')
    const st = lstatOrNull(join(root, ancestor))
    if (!st) return undefined
    if (!st.isDirectory()) return ancestor
  }
  return undefined
}

/**
 * Bring `paths` to the given states: deletions first (deepest first, pruning
 * directories they leave empty), then writes (parents created as needed).
 */
export async function applyStates(guard: WorkTreeGuard, targets: Array<{ path: string; state: FileState | null }>): Promise<void> {
  const deletions = targets.filter((t) => t.state === null).sort((a, b) => b.path.split('/').length - a.path.split('/').length)
  for (const { path } of deletions) await removeFile(guard, path)
  for (const { path, state } of targets) if (state) await writeFile(guard.path(path, { symlink: state.mode === MODE_SYMLINK }), state)
}

async function removeFile(guard: WorkTreeGuard, path: string): Promise<void> {
  const root = guard.root
  const abs = guard.path(path)
  const st = lstatOrNull(abs)
  if (!st) return
  if (st.isDirectory()) await rm(abs, { recursive: true, force: true })
  else await unlink(abs)
  pruneEmptyParents(root, path)
}

function pruneEmptyParents(root: string, path: string): void {
  const parts = path.split('/')
  for (let i = parts.length - 1; i > 0; i--) {
    try {
      rmdirSync(join(root, ...parts.slice(0, i)))
    } catch {
      return // not empty (or gone): stop
    }
  }
}

/** `abs`: checked by the guard. */
async function writeFile(abs: string, state: FileState): Promise<void> {
  await mkdir(dirname(abs), { recursive: true })
  // A directory left where the file goes (emptied by the deletions) is removed first.
  const st = lstatOrNull(abs)
  if (st?.isDirectory()) await rm(abs, { recursive: true, force: true })
  if (state.mode === MODE_SYMLINK) {
    const tmp = join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    await symlink(Buffer.from(state.content).toString(), tmp)
    try {
      await rename(tmp, abs)
    } catch (error) {
      await rm(tmp, { force: true })
      throw error
    }
    return
  }
  // umask applies, as for git checkout: usually 0644 / 0755.
  await writeFileAtomic(abs, state.content, state.mode === MODE_EXEC ? 0o777 : 0o666)
}
