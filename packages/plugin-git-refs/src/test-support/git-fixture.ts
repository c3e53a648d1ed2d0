/** Real git repositories in temp dirs for the tests (no mocks). */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const made: string[] = []

/** Isolate git from the machine's config (the store reads the same env). */
export function isolateGitEnv(): void {
  const home = mkdtempSync(join(tmpdir(), 'trellis-home-'))
  made.push(home)
  process.env.HOME = home
  process.env.XDG_CONFIG_HOME = join(home, '.config')
  process.env.GIT_CONFIG_NOSYSTEM = '1'
  process.env.GIT_CONFIG_GLOBAL = join(home, '.gitconfig')
  writeFileSync(join(home, '.gitconfig'), '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n')
  for (const key of Object.keys(process.env)) {
    if (/^GIT_(AUTHOR|COMMITTER)_/.test(key) || key === 'GIT_DIR' || key === 'GIT_INDEX_FILE' || key === 'TRELLIS_GIT_BACKEND') delete process.env[key]
  }
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim()
}

export function write(root: string, path: string, content: string | Buffer, mode?: number): void {
  const file = join(root, path)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, content, mode === undefined ? undefined : { mode })
}

export function read(root: string, path: string): Buffer {
  return readFileSync(join(root, path))
}

/** A repository with `files` committed on `main` by "Test User <test@example.com>". */
export function makeRepo(files: Record<string, string> = { 'README.md': '# test\n' }): string {
  const root = mkdtempSync(join(tmpdir(), 'trellis-gitrefs-'))
  made.push(root)
  git(root, 'init', '-q', '-b', 'main')
  git(root, 'config', 'user.name', 'Test User')
  git(root, 'config', 'user.email', 'test@example.com')
  for (const [path, content] of Object.entries(files)) write(root, path, content)
  git(root, 'add', '-A')
  git(root, 'commit', '-q', '-m', 'initial')
  return root
}

/** An empty temporary directory, removed by `cleanupRepos` like the repositories. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export function cleanupRepos(): void {
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true })
}

/** Everything a snapshot must leave alone. */
export function untouchedState(root: string): Record<string, string> {
  const gitDir = git(root, 'rev-parse', '--absolute-git-dir')
  return {
    index: readFileSync(join(gitDir, 'index')).toString('base64'),
    head: readFileSync(join(gitDir, 'HEAD'), 'utf8'),
    refs: git(root, 'for-each-ref', '--format=%(refname) %(objectname)'),
    status: git(root, '--no-optional-locks', 'status', '--porcelain=v1', '--untracked-files=all'),
  }
}

/** What `git add -u && git add <include> && git write-tree` produces (this writes the real index). */
export function nativeTree(root: string, include: string[] = []): string {
  git(root, 'add', '-u')
  if (include.length > 0) git(root, 'add', '--', ...include)
  return git(root, 'write-tree')
}

/** The engine's runtime API, as the plugin receives it in `trellis.core` (the repository takes it in its constructor). */
export { runtimeApi as core } from '@trellis/core'
