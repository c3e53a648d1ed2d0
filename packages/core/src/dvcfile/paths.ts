/** Path helpers shared by the dvc.yaml and .dvc loaders. Repo paths are POSIX, relative, '' = root. */
import { posix } from 'node:path'
import { TrellisError } from '../errors.js'

const URL_RE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//
const WINDOWS_ABS_RE = /^[a-zA-Z]:[\\/]/

/** Directory of a repo-relative file ('' for the root). */
export function repoDirname(relPath: string): string {
  const dir = posix.dirname(relPath)
  return dir === '.' ? '' : dir
}

export interface PathContext {
  /** The dvc.yaml / .dvc file, repo-relative (for messages). */
  file: string
  stage?: string
  line?: number
  /** What the path is, for messages: `dependency`, `output`, `params file`, `wdir`. */
  what: string
}

function outside(pathAsWritten: string, ctx: PathContext, reason: string): TrellisError {
  const where = `${ctx.stage ? `stage '${ctx.stage}' in ` : ''}'${ctx.file}'${ctx.line !== undefined ? `, line ${ctx.line}` : ''}`
  return new TrellisError('PATH_OUTSIDE_REPO', `${ctx.what} '${pathAsWritten}' of ${where} ${reason}`, {
    hint: 'Trellis tracks only paths inside the repository: use a relative path that stays inside it (external and remote dependencies/outputs are not supported).',
  })
}

/**
 * Resolve a path written relative to a repo-relative `wdir` into a repo-relative POSIX path
 * (normalised, no trailing slash). Absolute paths, URLs and paths that climb above the repo
 * root are rejected with PATH_OUTSIDE_REPO naming the file, stage and line.
 */
export function resolveRepoPath(wdir: string, pathAsWritten: string, ctx: PathContext): string {
  if (URL_RE.test(pathAsWritten)) throw outside(pathAsWritten, ctx, 'is a remote URL, which is not supported')
  if (posix.isAbsolute(pathAsWritten) || WINDOWS_ABS_RE.test(pathAsWritten) || pathAsWritten.startsWith('\\')) {
    throw outside(pathAsWritten, ctx, 'is an absolute path, outside the repository')
  }
  let path = posix.normalize(posix.join(wdir || '.', pathAsWritten))
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  if (path === '..' || path.startsWith('../')) throw outside(pathAsWritten, ctx, 'is outside the repository')
  return path
}

/** Check that a resolved repo-relative directory is inside the repo; returns it ('' for root). */
export function checkRepoDir(dir: string, asWritten: string, ctx: PathContext): string {
  if (posix.isAbsolute(dir) || WINDOWS_ABS_RE.test(asWritten) || posix.isAbsolute(asWritten)) {
    throw outside(asWritten, ctx, 'is an absolute path, outside the repository')
  }
  const normal = posix.normalize(dir || '.')
  if (normal === '..' || normal.startsWith('../')) throw outside(asWritten, ctx, 'is outside the repository')
  return normal === '.' ? '' : normal.replace(/\/$/, '')
}
