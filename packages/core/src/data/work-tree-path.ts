/**
 * The one check `add` (and `commit`/`stage add` outputs) make before writing
 * anything for a user-given path: it must lie inside the project, not reach
 * out of it through a symlink, and not be inside `.git` or `.dvc`.
 * (A minimal check, kept in this one place until the project has a single
 * safe-path module for every work-tree writer.)
 */
import { realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { TrellisError } from '../errors.js'

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** The real path of `abs`, or of its deepest existing ancestor joined with the rest. */
function realpathOfExisting(abs: string): string {
  const rest: string[] = []
  for (let dir = abs; ; ) {
    try {
      return resolve(realpathSync(dir), ...rest)
    } catch {
      const parent = dirname(dir)
      if (parent === dir) return abs
      rest.unshift(basename(dir))
      dir = parent
    }
  }
}

/**
 * `target` (relative to `cwd`) as a repo-relative POSIX path, or a
 * PATH_OUTSIDE_REPO error naming it: outside `root`, through a symlink out of
 * it, inside `.git` or `.dvc`, or the project root itself.
 */
export function workTreePath(root: string, cwd: string, target: string): string {
  const abs = resolve(cwd, target)
  const fail = (why: string, hint: string) => new TrellisError('PATH_OUTSIDE_REPO', `cannot track '${target}': ${why}`, { hint })
  if (!inside(abs, root)) throw fail(`it is outside the repository '${root}'`, 'Only paths inside the project can be tracked; copy the data in first (or use -o/--out).')
  const rel = relative(root, abs).split(sep).join('/')
  if (rel === '') throw fail('it is the project root', 'Name the files or directories to track.')
  const parts = rel.split('/')
  if (parts.includes('.git')) throw fail("it is inside git's directory (.git)", 'Track data files, not git internals.')
  if (parts[0] === '.dvc') throw fail("it is inside DVC's directory (.dvc)", 'Track data files, not the cache or DVC config.')
  if (!inside(realpathOfExisting(abs), realpathOfExisting(root))) {
    throw fail('it leads out of the repository through a symlink', 'Replace the symlink by the data itself, or track the place it points to in its own project.')
  }
  return rel
}
