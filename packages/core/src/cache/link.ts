/**
 * How workspace files are made from cache objects: DVC's `cache.type`
 * (a comma list, tried in order; default `reflink,copy`).
 *
 * | type       | how                                         | workspace file                          |
 * |------------|---------------------------------------------|-----------------------------------------|
 * | `reflink`  | `copyFile` with `COPYFILE_FICLONE_FORCE`     | independent, writable (copy-on-write)   |
 * | `hardlink` | `link()`                                    | **the cache inode: read-only (0444)**   |
 * | `symlink`  | `symlink()` to the absolute object path      | **points into the cache: read-only**    |
 * | `copy`     | `copyFile` (tries a reflink first)          | independent, writable                   |
 *
 * Hardlink and symlink outputs are *protected*, as in DVC: they share the
 * read-only cache object, so editing one in place would corrupt the cache. To
 * change such an output, replace it (a stage's outs are removed before it runs),
 * or `unprotect` it (`ObjectCache.unprotect`: a writable copy replaces the link).
 *
 * The first type that works is remembered for the process (per list and cache
 * directory): a type that fails because the filesystem cannot do it (reflink on
 * ext4, hardlink across devices, symlink without permission) is not tried again.
 * A failure that concerns one file only (EMLINK: too many links) moves that file
 * to the next type without forgetting the working one.
 */
import { chmodSync, constants, copyFileSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TrellisError } from '../errors.js'

export type LinkType = 'reflink' | 'hardlink' | 'symlink' | 'copy'

export const LINK_TYPES: readonly LinkType[] = ['reflink', 'hardlink', 'symlink', 'copy']
export const DEFAULT_LINK_TYPES: readonly LinkType[] = ['reflink', 'copy']

/** Parse `cache.type` (`"hardlink,symlink"`, or a list). Empty/undefined → the default. */
export function parseLinkTypes(value?: string | readonly string[]): LinkType[] {
  if (value === undefined) return [...DEFAULT_LINK_TYPES]
  const items = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) return [...DEFAULT_LINK_TYPES]
  const out: LinkType[] = []
  for (const item of items) {
    if (!(LINK_TYPES as readonly string[]).includes(item)) {
      throw new TrellisError('CONFIG_INVALID', `unsupported cache type '${item}'`, {
        hint: `'cache.type' is a comma-separated list of ${LINK_TYPES.join(', ')}`,
      })
    }
    if (!out.includes(item as LinkType)) out.push(item as LinkType)
  }
  return out
}

/** Hardlink and symlink outputs share the read-only cache object. */
export function isProtectedLinkType(type: LinkType): boolean {
  return type === 'hardlink' || type === 'symlink'
}

/**
 * Make `dest` (which must not exist) from `src` with one link type; throws the fs
 * error on failure. Copies and reflinks are made writable (0644: cache objects are 0444).
 */
export function linkOnce(type: LinkType, src: string, dest: string): void {
  switch (type) {
    case 'reflink':
      copyFileSync(src, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE)
      chmodSync(dest, 0o644)
      return
    case 'copy':
      copyFileSync(src, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE)
      chmodSync(dest, 0o644)
      return
    case 'hardlink':
      linkSync(src, dest)
      return
    case 'symlink':
      symlinkSync(src, dest)
      return
  }
}

const UNSUPPORTED: Record<LinkType, ReadonlySet<string>> = {
  reflink: new Set(['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'EPERM', 'ENOTTY', 'EBADF', 'ERR_FS_CP_EINVAL']),
  hardlink: new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']),
  symlink: new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']),
  copy: new Set(),
}
const PER_FILE = new Set(['EMLINK'])

/** Whether `error` means "this filesystem cannot do `type`" (as opposed to a problem with one file). */
export function isUnsupportedLinkError(type: LinkType, error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code
  return code !== undefined && UNSUPPORTED[type].has(code)
}

let probeCounter = 0

/** First working type index per (types, scope), for the whole process. */
const resolvedIndex = new Map<string, number>()

/** Forget what was learnt about link types (tests). */
export function resetLinkTypeMemory(): void {
  resolvedIndex.clear()
}

export class Linker {
  readonly types: readonly LinkType[]
  private readonly memoKey: string

  /** `scope` separates memories, e.g. the cache directory (links depend on the filesystem). */
  constructor(types: readonly LinkType[] = DEFAULT_LINK_TYPES, scope = '') {
    if (types.length === 0) throw new TrellisError('CONFIG_INVALID', 'no cache link type given')
    this.types = [...types]
    this.memoKey = `${this.types.join(',')}\0${scope}`
  }

  /** The type that worked last for this list and scope, if known. */
  get resolved(): LinkType | undefined {
    const i = resolvedIndex.get(this.memoKey)
    return i === undefined ? undefined : this.types[i]
  }

  /**
   * The type that works between `srcDir` and `destDir`, found once per process with a
   * tiny probe file (so the first real file is not copied only to learn that a
   * reflink was possible, or the reverse). Falls back to the list's last type.
   */
  probe(srcDir: string, destDir: string): LinkType {
    const known = this.resolved
    if (known !== undefined) return known
    const tag = `${process.pid}-${Date.now().toString(36)}-${probeCounter++}`
    const src = join(srcDir, `.trellis-link-probe-${tag}`)
    const dest = join(destDir, `.trellis-link-probe-${tag}.dest`)
    try {
      mkdirSync(srcDir, { recursive: true })
      mkdirSync(destDir, { recursive: true })
      writeFileSync(src, 'probe')
      chmodSync(src, 0o444)
      return this.link(src, dest)
    } catch {
      return this.types[this.types.length - 1]
    } finally {
      rmSync(dest, { force: true })
      rmSync(src, { force: true })
    }
  }

  /** Link `src` to `dest` (must not exist) with the first type that works; returns the type used. */
  link(src: string, dest: string): LinkType {
    const start = resolvedIndex.get(this.memoKey) ?? 0
    let lastError: unknown
    let skippedForThisFile = false
    for (let i = start; i < this.types.length; i++) {
      const type = this.types[i]
      try {
        linkOnce(type, src, dest)
        // remember the type, unless an earlier one failed only because of this file
        if (!skippedForThisFile) resolvedIndex.set(this.memoKey, i)
        return type
      } catch (error) {
        lastError = error
        if (isUnsupportedLinkError(type, error)) {
          if (!skippedForThisFile) resolvedIndex.set(this.memoKey, i + 1)
          continue
        }
        if (PER_FILE.has((error as { code?: string }).code ?? '')) {
          skippedForThisFile = true
          continue
        }
        throw error
      }
    }
    const reason = lastError === undefined ? 'none is supported here' : lastError instanceof Error ? lastError.message : String(lastError)
    throw new TrellisError('LINK_FAILED', `no cache link type worked for '${dest}' (tried ${this.types.join(', ')}): ${reason}`, {
      cause: lastError,
      hint: "check 'cache.type' in .dvc/config (add 'copy' as a last resort)",
    })
  }
}
