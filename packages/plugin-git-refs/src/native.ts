/**
 * The native-git backend: git's own plumbing on a temporary copy of the
 * index (`GIT_INDEX_FILE`), so the real index is never written.
 */
import { randomBytes } from 'node:crypto'
import { copyFileSync, rmSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import type { GitCore } from './core.js'
import { gitError } from './objects.js'

export interface GitRun {
  stdout: string
  code: number
}

/** Run git (through execa), resolving with stdout; a non-zero exit is an error unless listed in `okCodes`. */
export async function runGit(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; core: GitCore; input?: string; okCodes?: number[] }): Promise<GitRun> {
  const { execa } = await import('execa') // loaded on first use: most commands never spawn git
  const result = await execa('git', args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    reject: false,
    stripFinalNewline: false,
  })
  if (result.exitCode === undefined) throw gitError(options.core, `cannot run git ${args[0]}`, result.cause ?? result)
  const exit = result.exitCode
  if (exit === 0 || options.okCodes?.includes(exit)) return { stdout: result.stdout, code: exit }
  throw gitError(options.core, `git ${args[0]} failed (exit ${exit}): ${result.stderr.trim()}`, undefined)
}

/**
 * The environment for git on this repository, whatever GIT_DIR & co the
 * caller's environment has. `objectDir` sends new objects to another object
 * database (a borrowed work tree writing into the main repository's).
 */
function gitEnv(root: string, gitDir: string, indexFile: string, objectDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_DIR: gitDir, GIT_WORK_TREE: root, GIT_INDEX_FILE: indexFile, GIT_OPTIONAL_LOCKS: '0' }
  delete env.GIT_OBJECT_DIRECTORY
  delete env.GIT_ALTERNATE_OBJECT_DIRECTORIES
  if (objectDir) env.GIT_OBJECT_DIRECTORY = objectDir
  return env
}

/**
 * A private copy of the index for git to work on. Its mtime is set no later
 * than the original's whole second, so entries that were "racily clean" in
 * the real index stay suspect in the copy (git re-hashes them).
 */
export function withTempIndex<T>(gitDir: string, core: GitCore, work: (indexFile: string) => Promise<T>): Promise<T> {
  const real = join(gitDir, 'index')
  const temp = join(gitDir, `trellis-index-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    const st = statSync(real)
    copyFileSync(real, temp)
    const second = Math.floor(st.mtimeMs / 1000)
    utimesSync(temp, second, second)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw gitError(core, 'cannot copy the git index', error)
  }
  return work(temp).finally(() => {
    rmSync(temp, { force: true })
    rmSync(`${temp}.lock`, { force: true })
  })
}

/**
 * Untracked, not ignored files among `paths` (directories listed
 * recursively, ignored ones pruned): what `git add -- <paths>` would add.
 * Reads the real index without writing it.
 */
export async function listUntracked(root: string, gitDir: string, paths: string[], core: GitCore): Promise<string[]> {
  if (paths.length === 0) return []
  const env = gitEnv(root, gitDir, join(gitDir, 'index'))
  const args = ['--literal-pathspecs', 'ls-files', '-z', '--others', '--exclude-standard', '--', ...paths.map((p) => p || '.')]
  const out = await runGit(args, { cwd: root, env, core })
  // a nested repository is listed as `dir/`: git add would make it a gitlink; it is left out
  return out.stdout.split('\0').filter((path) => path && !path.endsWith('/'))
}

/**
 * The tree `git add -u && git add -- <untracked include> && git write-tree`
 * gives, computed on a temporary copy of the index. Two git processes in
 * the common case (add -u, listing the includes, run side by side; then
 * write-tree), a third when an include is untracked.
 */
export async function nativeWriteTree(
  root: string,
  gitDir: string,
  include: string[],
  core: GitCore,
  options: { objectDir?: string; overlay?: Array<{ path: string; mode: number; oid: string }> } = {},
): Promise<string> {
  return withTempIndex(gitDir, core, async (indexFile) => {
    const opts = { cwd: root, env: gitEnv(root, gitDir, indexFile, options.objectDir), core }
    const [, untracked] = await Promise.all([runGit(['add', '-u'], opts), listUntracked(root, gitDir, include, core)])
    if (untracked.length > 0) await runGit(['--literal-pathspecs', 'add', '--', ...untracked], opts)
    if (options.overlay?.length) {
      const args = options.overlay.flatMap((f) => ['--cacheinfo', `${f.mode.toString(8)},${f.oid},${f.path}`])
      await runGit(['update-index', '--add', ...args], opts)
    }
    return (await runGit(['write-tree'], opts)).stdout.trim()
  })
}

/**
 * Check `tree` out into `dir` (a work tree whose git dir is `gitDir`): one
 * `git read-tree --reset -u`, which fills the index and writes the files.
 */
export async function nativeCheckout(dir: string, gitDir: string, tree: string, core: GitCore): Promise<void> {
  const env = gitEnv(dir, gitDir, join(gitDir, 'index'))
  await runGit(['read-tree', '--reset', '-u', tree], { cwd: dir, env, core })
}

/** Paths whose worktree state differs from `commit`'s tree (tracked files, and files of the tree missing from the index). */
export async function nativeChangedFiles(root: string, gitDir: string, commit: string, core: GitCore): Promise<string[]> {
  return withTempIndex(gitDir, core, async (indexFile) => {
    const opts = { cwd: root, env: gitEnv(root, gitDir, indexFile), core }
    await runGit(['update-index', '-q', '--refresh'], { ...opts, okCodes: [1] })
    const out = await runGit(['diff-index', '--name-only', '-z', '--no-renames', commit, '--'], opts)
    return out.stdout.split('\0').filter(Boolean).sort()
  })
}
