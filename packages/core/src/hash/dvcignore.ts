/**
 * `.dvcignore`, as DVC applies it (`dvc/ignore.py`): a `.dvcignore` in any directory holds
 * gitignore patterns relative to that directory (parsed by the `ignore` package), and the
 * built-in patterns `.hg/`, `.git/`, `.git`, `.dvc/` always apply. Files of a parent
 * directory come first and the last matching pattern wins, across files; a path inside an
 * ignored directory is ignored whatever its own patterns say (ancestors are tested first:
 * walks never enter an ignored directory). A `.dvcignore` inside an ignored directory is
 * not read.
 *
 * Applied to directory hashing (outputs and dependencies: ignored files are left out of
 * the `.dir` manifest, its size and nfiles) and to the collection of `dvc.yaml` / `.dvc`
 * files. A `.dvcignore` inside a directory being hashed is an error, as in DVC.
 */
import { readFileSync } from 'node:fs'
import { posix } from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { TrellisError } from '../errors.js'

export const DVCIGNORE = '.dvcignore'

/** DVC's built-in patterns `.hg/`, `.git/`, `.git`, `.dvc/`, by entry name. */
function builtinIgnored(name: string, isDir: boolean): boolean {
  return name === '.git' || (isDir && (name === '.hg' || name === '.dvc'))
}

interface Layer {
  /** Repo-relative directory holding the `.dvcignore` ('' = root). */
  base: string
  rules: Ignore
}

/** Tests one path; `isDir` adds the trailing slash directory-only patterns need. */
export type IgnoreTest = (relpath: string, isDir: boolean) => boolean

export class DvcIgnore {
  private readonly layers = new Map<string, Layer | null>()

  /** `root`: the DVC root (absolute). */
  constructor(readonly root: string) {}

  /** The layer of `dir`'s own `.dvcignore` (read once), or null when it has no patterns. */
  private layerOf(dir: string): Layer | null {
    let layer = this.layers.get(dir)
    if (layer !== undefined) return layer
    let text: string | undefined
    try {
      text = readFileSync(dir === '' ? `${this.root}/${DVCIGNORE}` : `${this.root}/${dir}/${DVCIGNORE}`, 'utf8')
    } catch {
      text = undefined
    }
    // DVC strips each line at both ends before handing it to pathspec
    const patterns = (text ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    layer = patterns.length ? { base: dir, rules: ignore({ allowRelativePaths: true }).add(patterns) } : null
    this.layers.set(dir, layer)
    return layer
  }

  /** The layers in force for entries of repo-relative directory `dir`: root first. */
  private chain(dir: string): Layer[] {
    const out: Layer[] = []
    const parts = dir === '' ? [] : dir.split('/')
    for (let i = 0; i <= parts.length; i++) {
      const layer = this.layerOf(parts.slice(0, i).join('/'))
      if (layer) out.push(layer)
    }
    return out
  }

  /** Whether an entry (repo-relative, its parent not ignored) is ignored by the layers in `chain`. */
  private test(chain: Layer[], rel: string, isDir: boolean): boolean {
    if (builtinIgnored(rel.slice(rel.lastIndexOf('/') + 1), isDir)) return true
    let ignored = false
    for (const { base, rules } of chain) {
      const own = base === '' ? rel : rel.slice(base.length + 1)
      const r = rules.checkIgnore(isDir ? `${own}/` : own)
      if (r.ignored) ignored = true
      else if (r.unignored) ignored = false
    }
    return ignored
  }

  /** A repo-relative path is ignored (itself or an ancestor directory). */
  isIgnored(relPath: string, isDir = false): boolean {
    const parts = relPath.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i - 1).join('/')
      const entryIsDir = i < parts.length || isDir
      if (this.test(this.chain(dir), parts.slice(0, i).join('/'), entryIsDir)) return true
    }
    return false
  }

  /**
   * The test for the walk of repo-relative directory `dir` (`relpath` relative to it).
   * Throws when the walk meets a `.dvcignore` file, as DVC does.
   */
  walkFilter(dir: string): IgnoreTest {
    const outer = this.chain(dir)
    const absDir = dir === '' ? this.root : `${this.root}/${dir}`
    return (relpath, isDir) => {
      if (!isDir && posix.basename(relpath) === DVCIGNORE && dir !== '') {
        throw new TrellisError('PIPELINE_INVALID', `${DVCIGNORE} file should not be in collected dir path: '${absDir}'`, {
          hint: `Move ${posix.join(dir, relpath)} out of ${dir}: patterns for a directory's content go in a .dvcignore above it.`,
        })
      }
      if (outer.length === 0) return builtinIgnored(relpath.slice(relpath.lastIndexOf('/') + 1), isDir)
      const rel = dir === '' ? relpath : `${dir}/${relpath}`
      return this.test(outer, rel, isDir)
    }
  }
}
