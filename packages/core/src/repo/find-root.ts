/** Locate the git work tree and the DVC project root (the nearest ancestor with `.dvc/`). */
import { statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { TrellisError } from '../errors.js'

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function exists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}

/** The top of the git work tree containing `cwd` (`.git` may be a dir or a worktree file). */
export function findGitRoot(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (exists(join(dir, '.git'))) return dir
    if (dirname(dir) === dir) break
  }
  throw new TrellisError('NOT_A_GIT_REPO', `'${cwd}' is not a git repository`, {
    hint: 'Trellis keeps experiments in git: run `git init` first (then `trellis init`).',
    exitCode: 253,
  })
}

/** The DVC root: the nearest ancestor of `cwd` (up to the git root) that has a `.dvc` directory. */
export function findProjectRoot(cwd: string): { root: string; gitRoot: string } {
  const gitRoot = findGitRoot(cwd)
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (isDir(join(dir, '.dvc'))) return { root: dir, gitRoot }
    if (dir === gitRoot || dirname(dir) === dir) break
  }
  throw new TrellisError('NOT_INITIALIZED', `'${cwd}' is not a Trellis/DVC project (no .dvc directory found up to ${gitRoot})`, {
    hint: 'Run `trellis init` in the repository root to create .dvc/.',
    exitCode: 253,
  })
}
