/**
 * A user-given path (relative to `cwd`) as a repo-relative POSIX path that
 * `add`, `commit` and `stage add` may track: inside the project, not the root,
 * not in `.dvc`, and accepted by the work tree's guard (fs/safe-path.ts: no
 * `.git` component, no symlink leading out). Refusals are PATH_OUTSIDE_REPO
 * errors naming the path as the user typed it.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { TrellisError } from '../errors.js'
import { WorkTreeGuard } from '../fs/safe-path.js'

export function workTreePath(root: string, cwd: string, target: string): string {
  const fail = (why: string, hint: string) => new TrellisError('PATH_OUTSIDE_REPO', `cannot track '${target}': ${why}`, { hint })
  const rel = relative(root, resolve(cwd, target))
  if (rel.startsWith('..') || isAbsolute(rel)) throw fail(`it is outside the repository '${root}'`, 'Only paths inside the project can be tracked; copy the data in first (or use -o/--out).')
  if (rel === '') throw fail('it is the project root', 'Name the files or directories to track.')
  const posixRel = rel.split(sep).join('/')
  if (posixRel.split('/')[0]!.toLowerCase() === '.dvc') throw fail("it is inside DVC's directory (.dvc)", 'Track data files, not the cache or DVC config.')
  const refusal = new WorkTreeGuard(root).refusal(posixRel)
  if (refusal) throw fail(refusal, 'Track data inside the project: not git internals, and not through a symlink that leads out of it.')
  return posixRel
}
