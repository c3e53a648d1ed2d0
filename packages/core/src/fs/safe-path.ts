/**
 * The one gate every writer of the work tree goes through: a repo-relative
 * path (from a pulled experiment's tree, a dvc.lock, a `.dvc` file, dvc.yaml,
 * `-S`, an undo record) becomes an absolute path to write only if
 *
 * 1. its text is one git would check out (git's `verify_path`): no absolute
 *    path, no empty, `.` or `..` component, no NUL byte, no `.git` component
 *    in any position and in any case — also as NTFS and HFS+ spell it
 *    (`.git ` / `.git.` / `.git::$INDEX_ALLOCATION`, the 8.3 name `git~1`,
 *    `.g\u200cit`), a backslash counting as a separator for these checks —
 *    and no symlink named `.gitmodules` (`gitmod~1`);
 * 2. it is not inside DVC's untracked internals (`.dvc/tmp`, `.dvc/cache`,
 *    `.dvc/config.local`), which nothing a tree or a lock says may replace
 *    (Trellis' own writes there pass `internal`);
 * 3. resolved through the real filesystem — every existing parent component
 *    read with `lstat`, symlinks followed as the kernel would — it stays inside
 *    the work tree (`realpath` of the root), and the resolved path passes 1
 *    and 2 again (a link `g -> .git` does not open a way into `.git`).
 *
 * The final component decides what "writing" means (`final`):
 * - `'replace'` (default): the entry itself is written, removed or replaced
 *   (outputs, files of a tree, symlinks of a tree): a symlink there is
 *   replaced by a rename or unlinked, never followed.
 * - `'follow'`: the file is edited in place (`-S` params files, `.gitignore`,
 *   dvc.lock, `.dvc` files): a symlink there is followed and its target is
 *   written — the link stays a link — when the target is inside the work tree
 *   (and passes 1 and 2); otherwise the path is refused. A link is never
 *   silently replaced by a regular file.
 *
 * Writers that plan a set of writes (`exp apply`, its undo) first tell the
 * guard what the set will create (`plan`: a symlink written by the same apply
 * is followed as if it were already there), `check` every path (refusals are
 * collected; `checkName` before reading what a path holds), then call `assertSafe` — one UNSAFE_PATH error naming every
 * refused path and why, before anything is written. `path` checks one path
 * and throws at once (writers that write as they go).
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { TrellisError } from '../errors.js'

export type FinalLink = 'replace' | 'follow'

export interface CheckOptions {
  /** What to do when the last component is a symlink (see the module comment). Default 'replace'. */
  final?: FinalLink
  /** The path will be written as a symlink (git refuses a symlinked `.gitmodules`). */
  symlink?: boolean
  /** Where the path comes from, for the message: `the experiment's tree`, `dvc.lock`, `-S`. */
  source?: string
  /** Trellis' own file inside DVC's internals (`.dvc/config.local` of a temp workspace): rule 2 does not apply. */
  internal?: boolean
}

/** What a planned write will leave at a path: a symlink to `target`, another entry, or nothing. */
export type PlannedEntry = { symlink: string } | { file: true } | null

export interface Refusal {
  path: string
  reason: string
  source?: string
}

/** Symlinks followed before giving up, as the kernel's ELOOP limit. */
const MAX_LINKS = 40

/** Code points HFS+ ignores when comparing names (git's `is_hfs_dotgit`). */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g

/** `.git` as NTFS may spell it: case-insensitive, 8.3 short name, trailing dots/spaces, an alternate stream. */
const NTFS_DOTGIT = /^(?:\.git|git~1)[. ]*(?::.*)?$/i
const NTFS_DOTGITMODULES = /^(?:\.gitmodules|gitmod~\d+|gi7eba~\d+)[. ]*(?::.*)?$/i

/** DVC's untracked internals, relative to a `.dvc` directory (case-insensitive). */
const DVC_INTERNALS = new Set(['tmp', 'cache', 'config.local'])

/**
 * Why git would refuse to check `path` out (or a write into DVC's internals
 * would be unsafe), from its text alone; undefined when it is fine.
 */
export function unsafeName(path: string, options: { symlink?: boolean; internal?: boolean } = {}): string | undefined {
  if (path === '') return 'it is empty'
  if (path.includes('\0')) return 'it contains a NUL byte'
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path) || path.startsWith('\\')) return 'it is an absolute path'
  const parts = path.split('/')
  for (const part of parts) {
    if (part === '') return 'it has an empty component'
    if (part === '.' || part === '..') return `it has a '${part}' component`
  }
  // git's NTFS protection also splits at backslashes
  const names = path.split(/[/\\]/)
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!
    const plain = name.replace(HFS_IGNORABLE, '')
    if (NTFS_DOTGIT.test(name) || NTFS_DOTGIT.test(plain)) return `it has a '${name}' component, which is git's own directory (git refuses such paths too)`
    if (!options.internal && plain.toLowerCase() === '.dvc' && i + 1 < names.length && DVC_INTERNALS.has(names[i + 1]!.toLowerCase())) {
      return `it is inside '${names.slice(0, i + 2).join('/')}', which belongs to DVC and Trellis, not to a tree or a pipeline`
    }
  }
  if (options.symlink) {
    const last = names[names.length - 1]!
    if (NTFS_DOTGITMODULES.test(last) || NTFS_DOTGITMODULES.test(last.replace(HFS_IGNORABLE, ''))) return `'${last}' may not be a symlink (git refuses it too)`
  }
  return undefined
}

/** The real location of a path and, when a symlink took it there, the first link on the way. */
interface Resolved {
  abs: string
  via?: { link: string; target: string }
  loop?: boolean
}

export class WorkTreeGuard {
  /** The work tree as given (absolute). */
  readonly root: string
  /** Its real path: where symlinks must lead to stay inside. */
  readonly realRoot: string
  private readonly planned = new Map<string, PlannedEntry>()
  private readonly refusals: Refusal[] = []
  /**
   * Parent directories resolved by `check` (one planning pass, which `assertSafe` ends: the
   * disk and the plan do not change in between). `plan` and `path` clear it too: `path` is called when writing, after
   * earlier writes or a stage's command may have changed the disk, and always resolves afresh.
   */
  private readonly parents = new Map<string, Resolved>()

  constructor(root: string) {
    this.root = resolve(root)
    this.realRoot = realpathSync(this.root)
  }

  /**
   * A write of this set will leave `entry` at `path` (root-relative): later checks see it as if
   * it were on disk. It is recorded where it will really be (through the symlinks its parents
   * are now); a path leading out is not recorded (its own check refuses it).
   */
  plan(path: string, entry: PlannedEntry): void {
    this.parents.clear()
    if (unsafeName(path) !== undefined) return
    const parts = path.split('/')
    const parent = this.resolveReal(parts.slice(0, -1))
    const key = parent.loop ? undefined : this.insideRel(joinAbs(parent.abs, parts[parts.length - 1]!))
    if (key !== undefined && key !== '') this.planned.set(key, entry)
  }

  /** Check one path of a planned set: its absolute path to write, or undefined (refused; collected for `assertSafe`). */
  check(path: string, options: CheckOptions = {}): string | undefined {
    const result = this.evaluate(path, options, this.parents)
    if (typeof result === 'string') return result
    this.refusals.push({ path, reason: result.reason, source: options.source })
    return undefined
  }

  /**
   * The name rules alone (no filesystem access), for paths whose content is not read yet:
   * false (and the refusal collected) when the name is refused.
   */
  checkName(path: string, options: CheckOptions = {}): boolean {
    const reason = unsafeName(path, options)
    if (reason === undefined) return true
    this.refusals.push({ path, reason, source: options.source })
    return false
  }

  /** Paths refused so far by `check` and `checkName`. */
  get refused(): readonly Refusal[] {
    return this.refusals
  }

  /** End a planning pass: throw UNSAFE_PATH naming every path `check` refused (nothing has been written yet). */
  assertSafe(): void {
    this.parents.clear()
    if (this.refusals.length > 0) throw unsafePathError(this.refusals, true)
  }

  /** Why one path is refused (symlinks followed to the end, as data read through them), or undefined. */
  refusal(path: string, options: CheckOptions = { final: 'follow' }): string | undefined {
    this.parents.clear()
    const result = this.evaluate(path, options)
    return typeof result === 'string' ? undefined : result.reason
  }

  /** Check one path and return the absolute path to write; throws UNSAFE_PATH when refused. */
  path(path: string, options: CheckOptions = {}): string {
    this.parents.clear()
    const result = this.evaluate(path, options)
    if (typeof result === 'string') return result
    throw unsafePathError([{ path, reason: result.reason, source: options.source }])
  }

  private evaluate(path: string, options: CheckOptions, memo?: Map<string, Resolved>): string | { reason: string } {
    const byName = unsafeName(path, options)
    if (byName) return { reason: byName }
    const parts = path.split('/')
    const final = options.final ?? 'replace'
    const parentKey = parts.slice(0, -1).join('/')
    let parent = memo?.get(parentKey)
    if (!parent) {
      parent = this.resolveReal(parts.slice(0, -1))
      memo?.set(parentKey, parent)
    }
    if (parent.loop) return { reason: 'too many levels of symbolic links in its parents' }
    const last = parts[parts.length - 1]!
    let target: Resolved = { abs: joinAbs(parent.abs, last), via: parent.via }
    if (final === 'follow') {
      const whole = this.resolveReal(parts)
      if (whole.loop) return { reason: 'too many levels of symbolic links' }
      target = { abs: whole.abs, via: whole.via ?? parent.via }
    }
    const rel = this.insideRel(target.abs)
    if (rel === undefined || rel === '') {
      if (target.via) {
        const what = target.via.link === path ? 'it is a symlink' : `'${target.via.link}' is a symlink`
        return { reason: `${what} to '${target.via.target}', which leads outside the work tree` }
      }
      return { reason: 'it is outside the work tree' }
    }
    if (target.via) {
      const real = unsafeName(rel, options)
      if (real) return { reason: `through the symlink '${target.via.link}' it is '${rel}': ${real}` }
    }
    return target.abs
  }

  /** Root-relative POSIX path of a real absolute path inside the work tree; undefined outside. */
  private insideRel(abs: string): string | undefined {
    const rel = relative(this.realRoot, abs)
    if (rel === '') return ''
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined
    return sep === '/' ? rel : rel.split(sep).join('/')
  }

  /**
   * Resolve root-relative components as the kernel would, following every
   * symlink (planned ones first, then the disk); components that do not exist
   * are taken as written (they will be created as directories).
   */
  private resolveReal(parts: string[]): Resolved {
    let current = this.realRoot
    let via: Resolved['via']
    let links = 0
    const queue = [...parts]
    // the lexical root-relative path walked so far, for naming the first link
    const walked: string[] = []
    let lexical = true
    while (queue.length > 0) {
      const name = queue.shift()!
      if (name === '' || name === '.') continue
      if (name === '..') {
        current = parentOf(current)
        lexical = false
        continue
      }
      const candidate = joinAbs(current, name)
      if (lexical) walked.push(name)
      const target = this.linkAt(candidate)
      if (target === undefined) {
        current = candidate
        continue
      }
      if (++links > MAX_LINKS) return { abs: candidate, via, loop: true }
      via ??= { link: lexical ? walked.join('/') : candidate, target }
      lexical = false
      if (isAbsolute(target)) current = sep
      queue.unshift(...target.split(sep).filter((p) => p !== ''))
    }
    return { abs: current, via }
  }

  /** The target of a symlink at `abs` (planned, else on disk), or undefined. */
  private linkAt(abs: string): string | undefined {
    const rel = this.insideRel(abs)
    if (rel !== undefined && rel !== '' && this.planned.has(rel)) {
      const entry = this.planned.get(rel)
      return entry && 'symlink' in entry ? entry.symlink : undefined
    }
    let st
    try {
      st = lstatSync(abs, { throwIfNoEntry: false })
    } catch {
      return undefined // ENOTDIR, EACCES: the write itself will fail and say so
    }
    return st?.isSymbolicLink() ? readlinkSync(abs) : undefined
  }
}

function joinAbs(dir: string, name: string): string {
  return dir.endsWith(sep) ? `${dir}${name}` : `${dir}${sep}${name}`
}

function parentOf(abs: string): string {
  const i = abs.lastIndexOf(sep)
  return i <= 0 ? abs.slice(0, i + 1) || sep : abs.slice(0, i)
}

/** `planned`: raised at the end of a planning pass, before any write of the operation (else only this path was not written). */
export function unsafePathError(refusals: readonly Refusal[], planned = false): TrellisError {
  const line = (r: Refusal) => `'${r.path}'${r.source ? ` (${r.source})` : ''}: ${r.reason}`
  const message = refusals.length === 1
    ? `refusing to write ${line(refusals[0]!)}`
    : `refusing to write ${refusals.length} paths:\n${refusals.map((r) => `\t${line(r)}`).join('\n')}`
  return new TrellisError('UNSAFE_PATH', message, {
    hint: `${planned ? 'Nothing was written.' : `${refusals.length === 1 ? 'This path was' : 'These paths were'} not written.`} Trellis never writes outside the work tree or into .git, whatever a tree, dvc.yaml, dvc.lock or -S names: remove the symlink or fix the path (see "Security" in the README).`,
  })
}
