/**
 * Every `dvc.yaml` and `*.dvc` file of the repository that git does not ignore, found by
 * asking git (`git ls-files --cached --others --exclude-standard`) instead of walking the
 * tree: git does not descend into ignored directories, so a `.venv` or `node_modules` with
 * tens of thousands of files costs nothing.
 *
 * Files ignored by `.dvcignore` (or inside an ignored directory) are left out, as DVC's
 * collection does.
 *
 * Not handled here (by design or not yet): skipping stage files that lie
 * inside another stage's output (the pipeline index reports that case as an error);
 * nested git repositories / submodules (git does not list their files).
 */
import { execFile } from 'node:child_process'
import { lstat } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { TrellisError } from '../errors.js'
import { DvcIgnore } from '../hash/dvcignore.js'
import { compareCodePoints } from '../util/python-json.js'

function git(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: root, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } },
      (error, stdout, stderr) => {
        if (error) {
          const text = String(stderr || error.message).trim()
          if (/not a git repository/i.test(text)) {
            reject(new TrellisError('NOT_A_GIT_REPO', `'${root}' is not inside a git repository`, { hint: 'Run `git init` first.' }))
          } else {
            reject(new TrellisError('GIT_ERROR', `git ${args[0]} failed: ${text.split('\n')[0]}`, { cause: error }))
          }
          return
        }
        resolve(stdout)
      },
    )
  })
}

function isDvcFile(path: string): boolean {
  const base = posix.basename(path)
  if (path === '.dvc' || path.startsWith('.dvc/') || path.includes('/.dvc/')) return false
  return base === 'dvc.yaml' || (base.endsWith('.dvc') && base !== '.dvc')
}

/**
 * Repo-relative POSIX paths of the pipeline files under `root` (tracked, or untracked and not
 * ignored; files deleted from the working tree are left out), sorted by code point.
 */
export async function collectDvcFiles(root: string): Promise<string[]> {
  const out = await git(root, [
    '-c',
    'core.quotePath=off',
    'ls-files',
    '--cached',
    '--others',
    '--exclude-standard',
    '-z',
    '--',
    ':(glob)**/dvc.yaml',
    ':(glob)**/*.dvc',
  ])
  const candidates = [...new Set(out.split('\0').filter((p) => p && isDvcFile(p)))]
  const present = await Promise.all(
    candidates.map((p) =>
      lstat(join(root, p)).then(
        (s) => s.isFile(),
        () => false,
      ),
    ),
  )
  const ignores = new DvcIgnore(root)
  return candidates.filter((p, i) => present[i] && !ignores.isIgnored(p)).sort(compareCodePoints)
}
