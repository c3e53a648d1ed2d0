/**
 * Git refs, read and written the way git does it: loose files under refs/,
 * the packed-refs file, symbolic refs, `<ref>.lock` files created with
 * O_EXCL (so Trellis and native git exclude each other), and reflogs.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeSync, appendFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { GitCore } from './core.js'
import { gitError } from './objects.js'

export const ZERO_OID = '0000000000000000000000000000000000000000'
const SHA_RE = /^[0-9a-f]{40}$/

/** Refs that live in a linked worktree's own git dir rather than the common dir. */
const PER_WORKTREE = /^(refs\/(bisect|worktree|rewritten)\/|[A-Z_]+$)/

export interface PackedRef {
  sha: string
  peeled?: string
}

type Loose = { sha: string } | { symbolic: string } | null

/** Git's check-ref-format rules. */
export function isValidRefName(ref: string): boolean {
  if (ref === '@' || ref.endsWith('/') || ref.endsWith('.') || ref.includes('..') || ref.includes('@{') || ref.includes('//')) return false
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return false
  return ref.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'))
}

export class RefDb {
  constructor(
    readonly gitDir: string,
    readonly commonDir: string,
    private readonly core: GitCore,
    private readonly lockTimeoutMs = 1000,
  ) {}

  private fileOf(ref: string): string {
    return join(PER_WORKTREE.test(ref) ? this.gitDir : this.commonDir, ref)
  }

  private logOf(ref: string): string {
    return join(PER_WORKTREE.test(ref) ? this.gitDir : this.commonDir, 'logs', ref)
  }

  readLoose(ref: string): Loose {
    let text: string
    try {
      text = readFileSync(this.fileOf(ref), 'utf8')
    } catch {
      return null
    }
    const line = text.trim()
    if (line.startsWith('ref:')) return { symbolic: line.slice(4).trim() }
    return SHA_RE.test(line) ? { sha: line } : null
  }

  readPacked(): Map<string, PackedRef> {
    const refs = new Map<string, PackedRef>()
    let text: string
    try {
      text = readFileSync(join(this.commonDir, 'packed-refs'), 'utf8')
    } catch {
      return refs
    }
    let last: PackedRef | undefined
    for (const line of text.split('\n')) {
      if (line.startsWith('^')) {
        if (last) last.peeled = line.slice(1, 41)
      } else if (SHA_RE.test(line.slice(0, 40)) && line[40] === ' ') {
        last = { sha: line.slice(0, 40) }
        refs.set(line.slice(41).trim(), last)
      }
    }
    return refs
  }

  /** The sha a ref points at (following symbolic refs), or null. */
  resolve(ref: string, packed?: Map<string, PackedRef>): string | null {
    let name = ref
    for (let depth = 0; depth < 6; depth++) {
      if (!isValidRefName(name) || !(name.startsWith('refs/') || /^[A-Z_]+$/.test(name))) return null
      const loose = this.readLoose(name)
      if (loose && 'sha' in loose) return loose.sha
      if (loose && 'symbolic' in loose) {
        name = loose.symbolic
        continue
      }
      if (!name.startsWith('refs/')) return null
      return (packed ?? this.readPacked()).get(name)?.sha ?? null
    }
    return null
  }

  /** Where HEAD points symbolically (`refs/heads/main`), or null when detached. */
  headRef(): string | null {
    const loose = this.readLoose('HEAD')
    return loose && 'symbolic' in loose ? loose.symbolic : null
  }

  /** Refs whose names start with `prefix`, sorted, symbolic ones resolved (dangling ones skipped). */
  list(prefix: string): Array<{ ref: string; sha: string }> {
    if (!prefix.startsWith('refs/') || prefix.split('/').some((part) => part === '..' || part === '.')) {
      throw new this.core.TrellisError('INVALID_ARGUMENT', `'${prefix}' is not a ref prefix`, { hint: 'Ref prefixes start with refs/, e.g. refs/exps/.' })
    }
    const packed = this.readPacked()
    const found = new Map<string, string>()
    for (const [ref, value] of packed) if (ref.startsWith(prefix)) found.set(ref, value.sha)
    const start = prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix)
    const roots = new Set([this.commonDir, this.gitDir])
    for (const base of roots) {
      const walk = (rel: string): void => {
        let names
        try {
          names = readdirSync(join(base, rel), { withFileTypes: true })
        } catch {
          return
        }
        for (const dirent of names) {
          const child = `${rel}/${dirent.name}`
          if (dirent.isDirectory()) walk(child)
          else if (!dirent.name.endsWith('.lock') && child.startsWith(prefix)) {
            const sha = this.resolve(child, packed)
            if (sha) found.set(child, sha)
          }
        }
      }
      if (start.startsWith('refs')) walk(start)
    }
    return [...found].map(([ref, sha]) => ({ ref, sha })).sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  }

  /**
   * Create or move a ref under its lock. With `expect` the update happens only
   * if the ref currently points there (null: only if it does not exist). A
   * reflog entry is appended when a message is given or the ref already has a
   * reflog (as git does); `who` gives the `Name <email> time tz` part.
   */
  async write(ref: string, sha: string, options: { expect?: string | null; message?: string; who: () => string }): Promise<void> {
    checkWritable(ref, this.core)
    if (!SHA_RE.test(sha)) throw new this.core.TrellisError('INVALID_ARGUMENT', `'${sha}' is not a full commit sha`)
    const lock = await this.lock(this.fileOf(ref), ref)
    try {
      const packed = this.readPacked()
      checkNoDirectoryConflict(ref, packed, this.core)
      const current = this.resolve(ref, packed)
      if (options.expect !== undefined && current !== options.expect) {
        throw new this.core.TrellisError(
          'GIT_REF_CONFLICT',
          `cannot update ref '${ref}': expected ${options.expect ?? 'it not to exist'}, found ${current ?? 'nothing'}`,
          { hint: 'Another process changed it in the meantime; re-read it and try again.' },
        )
      }
      const logFile = this.logOf(ref)
      if (current !== sha && (options.message !== undefined || existsSync(logFile))) {
        mkdirSync(dirname(logFile), { recursive: true })
        appendFileSync(logFile, `${current ?? ZERO_OID} ${sha} ${options.who()}\t${(options.message ?? '').replace(/\n/g, ' ')}\n`)
      }
      try {
        lock.commit(`${sha}\n`)
      } catch (error) {
        throw gitError(this.core, `cannot update ref '${ref}'`, error)
      }
    } finally {
      lock.release()
    }
  }

  /** A ref's reflog, oldest first; lines that do not parse are skipped. */
  readLog(ref: string): Array<{ old: string; sha: string; message: string }> {
    let text: string
    try {
      text = readFileSync(this.logOf(ref), 'utf8')
    } catch {
      return []
    }
    const entries: Array<{ old: string; sha: string; message: string }> = []
    for (const line of text.split('\n')) {
      const old = line.slice(0, 40)
      const sha = line.slice(41, 81)
      if (!SHA_RE.test(old) || !SHA_RE.test(sha) || line[40] !== ' ') continue
      const tab = line.indexOf('\t', 82)
      entries.push({ old, sha, message: tab < 0 ? '' : line.slice(tab + 1) })
    }
    return entries
  }

  /**
   * `git reflog delete --updateref --rewrite` for the entries that set one of
   * `shas`: the reflog is rewritten without them (each remaining entry's old
   * sha chained to the one before it), and the ref moved to the newest
   * remaining entry; with none left, the ref and its reflog are deleted.
   */
  async dropLogEntries(ref: string, shas: Iterable<string>): Promise<void> {
    checkWritable(ref, this.core)
    const drop = new Set(shas)
    const logFile = this.logOf(ref)
    const lock = await this.lock(this.fileOf(ref), ref)
    let empty = false
    try {
      let text: string
      try {
        text = readFileSync(logFile, 'utf8')
      } catch {
        return
      }
      const kept: string[] = []
      let previous: string | undefined
      let droppedBefore = false
      for (const line of text.split('\n')) {
        if (line === '') continue
        const sha = line.slice(41, 81)
        if (drop.has(sha)) {
          droppedBefore = true
          continue
        }
        const old = previous ?? (droppedBefore ? ZERO_OID : line.slice(0, 40))
        kept.push(`${old}${line.slice(40)}`)
        previous = sha
      }
      if (kept.length === text.split('\n').filter(Boolean).length) return
      empty = kept.length === 0
      if (!empty) {
        const tmp = `${logFile}.${process.pid}.tmp`
        try {
          appendFileSync(tmp, `${kept.join('\n')}\n`, { flag: 'w' })
          renameSync(tmp, logFile)
        } catch (error) {
          rmSync(tmp, { force: true })
          throw gitError(this.core, `cannot rewrite the reflog of '${ref}'`, error)
        }
        try {
          lock.commit(`${previous}\n`)
        } catch (error) {
          throw gitError(this.core, `cannot update ref '${ref}'`, error)
        }
      }
    } finally {
      lock.release()
    }
    if (empty) await this.delete(ref)
  }

  /**
   * Delete a ref, loose and packed, with its reflog. Deleting a missing ref
   * does nothing. With `expect`, only if it currently points there.
   */
  async delete(ref: string, options: { expect?: string } = {}): Promise<void> {
    checkWritable(ref, this.core)
    const lock = await this.lock(this.fileOf(ref), ref)
    try {
      const packedFile = join(this.commonDir, 'packed-refs')
      const packed = this.readPacked()
      if (options.expect !== undefined) {
        const current = this.resolve(ref, packed)
        if (current !== options.expect) {
          throw new this.core.TrellisError('GIT_REF_CONFLICT', `cannot delete ref '${ref}': expected ${options.expect}, found ${current ?? 'nothing'}`, {
            hint: 'Another process changed it in the meantime; re-read it and try again.',
          })
        }
      }
      if (packed.has(ref)) {
        const packedLock = await this.lock(packedFile, 'packed-refs')
        try {
          // Re-read under the lock, then drop the ref's line and its peeled line.
          const lines = readFileSync(packedFile, 'utf8').split('\n')
          const kept: string[] = []
          let dropping = false
          for (const line of lines) {
            if (line.startsWith('^')) {
              if (!dropping) kept.push(line)
              continue
            }
            dropping = line.length > 41 && line.slice(41).trim() === ref
            if (!dropping) kept.push(line)
          }
          packedLock.commit(kept.join('\n'))
        } finally {
          packedLock.release()
        }
      }
      rmSync(this.fileOf(ref), { force: true })
      rmSync(this.logOf(ref), { force: true })
    } finally {
      lock.release()
    }
    this.pruneEmptyParents(ref)
  }

  /** Remove the directories a deleted ref leaves empty, up to `refs/<category>/`. */
  private pruneEmptyParents(ref: string): void {
    const parts = ref.split('/')
    for (const base of [PER_WORKTREE.test(ref) ? this.gitDir : this.commonDir, join(PER_WORKTREE.test(ref) ? this.gitDir : this.commonDir, 'logs')]) {
      for (let k = parts.length - 1; k > 2; k--) {
        try {
          rmdirSync(join(base, ...parts.slice(0, k)))
        } catch {
          break
        }
      }
    }
  }

  /** Take `<file>.lock` (O_EXCL), retrying until the timeout. */
  private async lock(file: string, what: string): Promise<{ commit(content: string): void; release(): void }> {
    const lockFile = `${file}.lock`
    const deadline = Date.now() + this.lockTimeoutMs
    let delay = 5
    try {
      mkdirSync(dirname(file), { recursive: true })
    } catch (error) {
      throw gitError(this.core, `cannot lock ref '${what}': a ref is in the way of its path`, error)
    }
    for (;;) {
      try {
        const fd = openSync(lockFile, 'wx', 0o644)
        let open = true
        let held = true
        return {
          commit(content: string) {
            writeSync(fd, content)
            closeSync(fd)
            open = false
            renameSync(lockFile, file)
            held = false
          },
          release() {
            if (open) closeSync(fd)
            open = false
            if (held) rmSync(lockFile, { force: true })
            held = false
          },
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOTDIR' || code === 'EISDIR') {
          throw gitError(this.core, `cannot lock ref '${what}': a ref is in the way of its path`, error)
        }
        if (code !== 'EEXIST') throw gitError(this.core, `cannot lock ref '${what}'`, error)
        if (Date.now() >= deadline) {
          throw new this.core.TrellisError('LOCK_TIMEOUT', `cannot lock ref '${what}': '${lockFile}' exists`, {
            hint: 'Another git process seems to be running in this repository. If none is, remove the lock file and try again.',
          })
        }
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, 100)
      }
    }
  }
}

function checkWritable(ref: string, core: GitCore): void {
  if (!ref.startsWith('refs/') || !isValidRefName(ref)) {
    throw new core.TrellisError('INVALID_ARGUMENT', `'${ref}' is not a valid ref name to write`, {
      hint: 'Refs written by Trellis are full names under refs/, e.g. refs/exps/ab/cdef…/exp-1a2b3.',
    })
  }
}

/** `refs/a/b` cannot coexist with `refs/a` or `refs/a/b/c`. */
function checkNoDirectoryConflict(ref: string, packed: Map<string, PackedRef>, core: GitCore): void {
  for (const other of packed.keys()) {
    if (other.startsWith(`${ref}/`) || ref.startsWith(`${other}/`)) {
      throw gitError(core, `cannot create ref '${ref}': '${other}' exists`, undefined)
    }
  }
}

/** HEAD's commit in any git dir (used for submodules), or null. */
export function readHeadOf(gitDir: string, core: GitCore): string | null {
  let commonDir = gitDir
  try {
    const target = readFileSync(join(gitDir, 'commondir'), 'utf8').trim()
    commonDir = target.startsWith('/') ? target : join(gitDir, target)
  } catch {}
  return new RefDb(gitDir, commonDir, core).resolve('HEAD')
}
