/**
 * Locating a repository: the worktree root, the git dir (HEAD, index) and the
 * common dir (objects, refs, config), which differ in a linked worktree.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs'
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path'
import type { GitCore } from './core.js'

export interface RepoPaths {
  /** Absolute path of the worktree's top level. */
  root: string
  /** The repository's git dir: HEAD and the index live here. */
  gitDir: string
  /** The common dir: objects, refs, packed-refs and config live here (= gitDir outside linked worktrees). */
  commonDir: string
}

/** Find the repository containing `start` (walking up), like `git rev-parse --show-toplevel`. */
export function findRepo(start: string, core: GitCore): RepoPaths {
  let dir = resolve(start)
  for (;;) {
    const dotGit = join(dir, '.git')
    if (existsSync(dotGit)) {
      const gitDir = readGitDir(dotGit)
      if (gitDir) return { root: dir, gitDir, commonDir: readCommonDir(gitDir) }
    }
    const parent = dirname(dir)
    if (parent === dir) {
      throw new core.TrellisError('NOT_A_GIT_REPO', `'${resolve(start)}' is not inside a git repository`, {
        hint: 'Run `git init` (and commit your project) first: experiments are stored as git commits.',
      })
    }
    dir = parent
  }
}

/** `.git` is a directory, or a file `gitdir: <path>` (linked worktrees, submodules). */
export function readGitDir(dotGit: string): string | null {
  try {
    if (statSync(dotGit).isDirectory()) return existsSync(join(dotGit, 'HEAD')) ? dotGit : null
    const match = /^gitdir: (.*)$/m.exec(readFileSync(dotGit, 'utf8'))
    if (!match) return null
    const target = match[1]!.trim()
    return isAbsolute(target) ? target : resolve(dirname(dotGit), target)
  } catch {
    return null
  }
}

function readCommonDir(gitDir: string): string {
  try {
    const target = readFileSync(join(gitDir, 'commondir'), 'utf8').trim()
    return isAbsolute(target) ? target : resolve(gitDir, target)
  } catch {
    return gitDir
  }
}

let gitOnPath: boolean | undefined

/** Whether a `git` executable is on PATH (looked up on disk, no process started). */
export function hasGitBinary(): boolean {
  if (gitOnPath === undefined) {
    gitOnPath = (process.env.PATH ?? '').split(delimiter).some((dir) => {
      try {
        accessSync(join(dir || '.', 'git'), constants.X_OK)
        return true
      } catch {
        return false
      }
    })
  }
  return gitOnPath
}
