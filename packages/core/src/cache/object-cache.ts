/**
 * The DVC object cache (reference `dvc-pipelines.md` b.5), by default
 * `<repo>/.dvc/cache`. That root holds the 2.x (`md5-dos2unix`, "legacy") objects;
 * DVC 3 `md5` objects live in `<cache>/files/md5/` with the same layout, reached
 * with `forHash('md5')` (the run-cache stays at `<cache>/runs` for both):
 *
 * - the object of hash `h` is `<cache>/<h[0:2]>/<h[2:]>`; a directory's object
 *   keeps its `.dir` suffix and holds the manifest JSON exactly as DVC writes it
 *   (the bytes its hash was computed over);
 * - objects are written atomically (a temp file in the staging directory, then rename:
 *   `cache-staging.ts`; a killed write leaves nothing in the shards)
 *   and made read-only (0444; 0555 for an executable linked by hardlink/symlink);
 * - a read-only object is trusted; a writable one is rehashed when checked and
 *   deleted when it does not match (then it is simply missing);
 * - workspace files are made from objects with the configured link types
 *   (`link.ts`; default `reflink,copy`). Hardlinked and symlinked outputs are
 *   read-only ("protected"), as in DVC.
 *
 * Saving (`saveFile`) never leaves the workspace without its file: the object is
 * made *from* the workspace file (a hardlink when links are the configured type,
 * otherwise a reflink-or-copy), then the workspace file is replaced by a link
 * only where the link type needs it (symlink; hardlink/reflink of an object that
 * already existed). With `copy` the workspace file is left as it is.
 */
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  type Dirent,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { unsafeName, unsafePathError, type Refusal } from '../fs/safe-path.js'
import { TrellisError } from '../errors.js'
import { dirManifestJson, parseDirManifest, sortDirEntries, type DirEntry } from '../hash/dir-hash.js'
import { md5Bytes, md5FileSync } from '../hash/file-hash.js'
import { stagingFile } from './cache-staging.js'
import type { HashName } from '../pipeline/types.js'
import { isProtectedLinkType, Linker, parseLinkTypes, type LinkType } from './link.js'

const MD5_RE = /^[0-9a-f]{32}(\.dir)?$/

export interface ObjectCacheOptions {
  /** `cache.type` from `.dvc/config` (comma list) or a parsed list. Default `reflink,copy`. */
  linkTypes?: string | readonly string[]
  /** The hash of the objects in `cacheDir` (for verifying writable objects). Default `md5-dos2unix`. */
  hashName?: HashName
}

/** Where the objects of a hash name are, under a cache (or remote) root: `files/md5` for DVC 3 md5. */
export function hashSubdir(name: HashName): string {
  return name === 'md5' ? join('files', 'md5') : ''
}

export interface CheckoutOptions {
  /** For a file: set the x bits on the workspace file (from the lock's `isexec`). */
  isexec?: boolean
  /**
   * For a directory: entries carrying `isexec` (as `Hasher` returns them); the
   * `.dir` object itself does not record exec bits.
   */
  manifest?: readonly DirEntry[]
  /**
   * For a directory: files linked of its total, told at the start, every
   * `CHECKOUT_BATCH` files and at the end; at each of those the event loop gets a
   * turn (so a progress spinner can draw). Without it the loop never yields.
   */
  onProgress?: (done: number, total: number) => void
}

/** Files linked between two progress reports of a directory checkout. */
const CHECKOUT_BATCH = 500

let tmpCounter = 0
/** A temp name beside a workspace path (outputs are renamed into place from there). */
function tmpName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${(tmpCounter++).toString(36)}.tmp`)
}

function errnoCode(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code
}

export class ObjectCache {
  /** Absolute cache directory. */
  readonly dir: string
  readonly linker: Linker
  readonly hashName: HashName
  private readonly linkTypes: string | readonly string[] | undefined
  private readonly madeDirs = new Set<string>()
  private readonly manifests = new Map<string, DirEntry[]>()
  private readonly byHash = new Map<HashName, ObjectCache>()

  /** `options` may also be just the link types (`cache.type` string or list). */
  constructor(cacheDir: string, options: ObjectCacheOptions | string | readonly string[] = {}) {
    const plain = typeof options === 'string' || Array.isArray(options)
    const linkTypes = plain ? (options as string | readonly string[]) : (options as ObjectCacheOptions).linkTypes
    this.dir = resolve(cacheDir)
    this.linkTypes = linkTypes
    this.hashName = (plain ? undefined : (options as ObjectCacheOptions).hashName) ?? 'md5-dos2unix'
    this.linker = new Linker(parseLinkTypes(linkTypes), this.dir)
  }

  /**
   * The cache holding objects of hash `name`, for a cache made on the cache root:
   * itself for `md5-dos2unix` (DVC 2.x, and DVC 3's legacy objects), `<root>/files/md5`
   * for DVC 3 `md5`. Same link types.
   */
  forHash(name: HashName): ObjectCache {
    if (name === this.hashName) return this
    let cache = this.byHash.get(name)
    if (!cache) {
      const root = this.hashName === 'md5' ? resolve(this.dir, '..', '..') : this.dir
      cache = name === 'md5-dos2unix' ? new ObjectCache(root, { linkTypes: this.linkTypes }) : new ObjectCache(join(root, hashSubdir(name)), { linkTypes: this.linkTypes, hashName: name })
      this.byHash.set(name, cache)
    }
    return cache
  }

  /** The cache of a repo: `<root>/.dvc/cache` unless `cacheDir` says otherwise (relative to root). */
  static forRepo(root: string, options: ObjectCacheOptions & { cacheDir?: string } = {}): ObjectCache {
    const dir = options.cacheDir ? resolve(root, options.cacheDir) : join(resolve(root), '.dvc', 'cache')
    return new ObjectCache(dir, options)
  }

  /** `<cache>/<h[0:2]>/<h[2:]>` (the `.dir` suffix kept). */
  objectPath(md5: string): string {
    if (!MD5_RE.test(md5)) throw new TrellisError('INVALID_ARGUMENT', `not an md5 hash: '${md5}'`)
    return join(this.dir, md5.slice(0, 2), md5.slice(2))
  }

  /** The object is present and valid (read-only = trusted; writable = rehashed, deleted if corrupt). */
  async has(md5: string): Promise<boolean> {
    return this.hasSync(md5)
  }

  hasSync(md5: string): boolean {
    const path = this.objectPath(md5)
    const st = statSync(path, { throwIfNoEntry: false })
    if (!st || !st.isFile()) return false
    return this.trustOrVerify(path, md5, st)
  }

  /** The `.dir` object and every file object it lists are present. */
  async hasTree(dirMd5: string): Promise<boolean> {
    return this.hasTreeSync(dirMd5)
  }

  hasTreeSync(dirMd5: string): boolean {
    if (!dirMd5.endsWith('.dir') || !this.hasSync(dirMd5)) return false
    let entries: DirEntry[]
    try {
      entries = this.readManifestSync(dirMd5)
    } catch {
      return false
    }
    const seen = new Set<string>()
    for (const e of entries) {
      if (seen.has(e.md5)) continue
      seen.add(e.md5)
      if (!MD5_RE.test(e.md5) || e.md5.endsWith('.dir') || !this.hasSync(e.md5)) return false
    }
    return true
  }

  /** The entries of a `.dir` object. Throws CACHE_MISSING / CACHE_CORRUPT. */
  async readManifest(dirMd5: string): Promise<DirEntry[]> {
    return this.readManifestSync(dirMd5)
  }

  readManifestSync(dirMd5: string): DirEntry[] {
    // objects are content-addressed: a manifest read once is the same for the cache's lifetime
    const known = this.manifests.get(dirMd5)
    if (known) return known
    let json: string
    try {
      json = readFileSync(this.objectPath(dirMd5), 'utf8')
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missing(dirMd5)
      throw error
    }
    try {
      const entries = parseDirManifest(json)
      for (const e of entries) checkRelpath(e.relpath, dirMd5)
      for (const e of entries) checkEntryHash(e, dirMd5)
      this.manifests.set(dirMd5, entries)
      return entries
    } catch (error) {
      if (error instanceof TrellisError) throw error
      throw new TrellisError('CACHE_CORRUPT', `cache object '${dirMd5}' is not a valid directory manifest`, {
        cause: error,
        hint: `delete '${this.objectPath(dirMd5)}' and reproduce the stage that made it`,
      })
    }
  }

  /**
   * Put a workspace file into the cache under `md5` (its DVC hash, computed by the
   * caller) and leave the workspace file as the link type wants it.
   * `isexec` defaults to the file's current x bits.
   */
  async saveFile(absPath: string, md5: string, options: { isexec?: boolean } = {}): Promise<void> {
    const type = this.linker.probe(this.dir, dirname(absPath))
    this.saveFileSync(absPath, md5, type, options.isexec)
  }

  /**
   * Save every file of a directory (its manifest, as hashed by the caller) and the
   * `.dir` object. The manifest must hash to `dirMd5` (checked).
   */
  async saveDir(absDir: string, manifest: readonly DirEntry[], dirMd5: string): Promise<void> {
    const entries = sortDirEntries(manifest.map((e) => ({ ...e })))
    const json = dirManifestJson(entries)
    const actual = `${md5Bytes(json)}.dir`
    if (actual !== dirMd5) {
      throw new TrellisError('CACHE_CORRUPT', `manifest of '${absDir}' hashes to ${actual}, not ${dirMd5}`, {
        hint: 'hash the directory again before saving it',
      })
    }
    const type = this.linker.probe(this.dir, absDir)
    for (const e of entries) {
      checkRelpath(e.relpath, dirMd5)
      this.saveFileSync(join(absDir, ...e.relpath.split('/')), e.md5, type, e.isexec)
    }
    if (!this.hasSync(dirMd5)) this.writeObject(dirMd5, json)
  }

  /**
   * Materialise `md5` at `absDest` from the cache with the configured link types,
   * replacing whatever is there (atomically for a file; a directory is built
   * beside the destination and swapped in). Throws CACHE_MISSING when an object
   * is not in the cache.
   */
  async checkout(md5: string, absDest: string, isDir: boolean, options: CheckoutOptions = {}): Promise<void> {
    if (isDir !== md5.endsWith('.dir')) {
      throw new TrellisError('INVALID_ARGUMENT', `'${md5}' is ${md5.endsWith('.dir') ? '' : 'not '}a directory hash`)
    }
    mkdirSync(dirname(absDest), { recursive: true })
    if (!isDir) {
      if (!this.hasSync(md5)) throw missing(md5, absDest)
      const tmp = tmpName(absDest)
      try {
        const type = this.linker.link(this.objectPath(md5), tmp)
        this.applyExec(tmp, type, options.isexec === true)
        this.removeForReplace(absDest, false)
        renameSync(tmp, absDest)
      } catch (error) {
        rmSync(tmp, { force: true })
        throw error
      }
      return
    }
    const entries = this.readManifestSync(md5)
    checkManifestNames(entries, md5, absDest)
    const absent = entries.filter((e) => !this.hasSync(e.md5))
    if (absent.length > 0) {
      throw new TrellisError(
        'CACHE_MISSING',
        `${absent.length} of ${entries.length} files of '${md5}' are missing from the cache (e.g. '${absent[0].relpath}')`,
        { hint: 'reproduce the stage that makes this output (or pull the data)' },
      )
    }
    const exec = new Set<string>()
    for (const e of options.manifest ?? []) if (e.isexec) exec.add(e.relpath)
    const tmpDir = tmpName(absDest)
    const onProgress = options.onProgress
    onProgress?.(0, entries.length)
    let linked = 0
    try {
      mkdirSync(tmpDir)
      const made = new Set<string>([tmpDir])
      for (const e of entries) {
        if (onProgress && ++linked % CHECKOUT_BATCH === 0) {
          onProgress(linked, entries.length)
          await new Promise<void>((turn) => setImmediate(turn))
        }
        const dest = join(tmpDir, ...e.relpath.split('/'))
        const parent = dirname(dest)
        if (!made.has(parent)) {
          mkdirSync(parent, { recursive: true })
          made.add(parent)
        }
        const type = this.linker.link(this.objectPath(e.md5), dest)
        if (exec.has(e.relpath)) this.applyExec(dest, type, true)
      }
      this.removeForReplace(absDest, true)
      renameSync(tmpDir, absDest)
    } catch (error) {
      rmTree(tmpDir)
      throw error
    } finally {
      onProgress?.(entries.length, entries.length)
    }
  }

  /**
   * Remove an output from the workspace safely: a symlink is unlinked (never
   * followed into the cache), a hardlink unlinked (the cache keeps its own link),
   * a directory removed without following links (read-only entries included).
   * Refuses to touch the cache itself or a directory that contains it.
   */
  async removeOutput(absPath: string): Promise<void> {
    this.removeOutputSync(absPath)
  }

  removeOutputSync(absPath: string): void {
    const abs = resolve(absPath)
    const rel = relative(abs, this.dir)
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new TrellisError('INVALID_ARGUMENT', `refusing to remove '${abs}': it contains the cache '${this.dir}'`)
    }
    const inside = relative(this.dir, abs)
    if (!inside.startsWith('..') && !isAbsolute(inside)) {
      throw new TrellisError('INVALID_ARGUMENT', `refusing to remove '${abs}': it is inside the cache`)
    }
    const st = lstatSync(abs, { throwIfNoEntry: false })
    if (!st) return
    if (st.isDirectory()) rmTree(abs)
    else rmSync(abs, { force: true })
  }

  /**
   * Make an output writable and independent of the cache (DVC `unprotect`): a
   * hardlinked, symlinked or read-only file is replaced by a writable copy of its
   * content (a directory: every file in it).
   */
  async unprotect(absPath: string): Promise<void> {
    const st = lstatSync(absPath)
    if (st.isDirectory()) {
      for (const f of walkFilesNoFollow(absPath)) unprotectFile(f)
      return
    }
    unprotectFile(absPath)
  }

  /** Every object in the cache, with its size (for `gc`). Temporary files and other directories (`runs/`) are not objects. */
  *allObjects(): Generator<{ md5: string; size: number }> {
    let shards: Dirent[]
    try {
      shards = readdirSync(this.dir, { withFileTypes: true })
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return
      throw error
    }
    for (const shard of shards) {
      if (!shard.isDirectory() || !/^[0-9a-f]{2}$/.test(shard.name)) continue
      for (const name of readdirSync(join(this.dir, shard.name))) {
        const md5 = shard.name + name
        if (!MD5_RE.test(md5)) continue
        const st = statSync(join(this.dir, shard.name, name), { throwIfNoEntry: false })
        if (st?.isFile()) yield { md5, size: st.size }
      }
    }
  }

  /** Delete one object (a missing one is not an error). Workspace hardlinks to it keep their data. */
  removeObject(md5: string): void {
    rmSync(this.objectPath(md5), { force: true })
  }

  // -- internals ---------------------------------------------------------------

  private saveFileSync(absPath: string, md5: string, type: LinkType, isexecOpt: boolean | undefined): void {
    const obj = this.objectPath(md5)
    const lst = lstatSync(absPath)
    if (lst.isSymbolicLink()) {
      // already a link to this object: nothing to do
      if (resolve(dirname(absPath), readlinkSync(absPath)) === obj && this.hasSync(md5)) return
    }
    const st = lst.isSymbolicLink() ? statSync(absPath) : lst
    if (!st.isFile()) throw new TrellisError('INVALID_ARGUMENT', `cannot save '${absPath}': not a regular file`)
    const isexec = isexecOpt ?? (st.mode & 0o111) !== 0
    const existing = statSync(obj, { throwIfNoEntry: false })
    const present = existing !== undefined && existing.isFile() && this.trustOrVerify(obj, md5, existing)

    if (!present) {
      this.ensureShard(obj)
      const tmp = stagingFile(this.dir)
      let shared = false
      try {
        if (type === 'hardlink' && !lst.isSymbolicLink()) {
          try {
            linkSync(absPath, tmp)
            shared = true
          } catch {
            copyFileSync(absPath, tmp, constants.COPYFILE_FICLONE)
          }
        } else {
          copyFileSync(absPath, tmp, constants.COPYFILE_FICLONE)
        }
        chmodSync(tmp, shared && isexec ? 0o555 : 0o444)
        renameSync(tmp, obj)
      } catch (error) {
        rmSync(tmp, { force: true })
        throw error
      }
      // copy/reflink: the workspace file already equals (shares extents with) the object
      if (shared || type === 'copy' || type === 'reflink') return
    } else {
      if (type === 'copy') return
      if (type === 'hardlink' && !lst.isSymbolicLink() && existing!.ino === lst.ino && existing!.dev === lst.dev) return
    }
    // replace the workspace file by a link to the object
    const tmp = tmpName(absPath)
    try {
      const used = this.linker.link(obj, tmp)
      this.applyExec(tmp, used, isexec)
      renameSync(tmp, absPath)
    } catch (error) {
      rmSync(tmp, { force: true })
      throw error
    }
  }

  /** x bits on a fresh workspace file: a copy gets 0755; a link makes the object 0555. */
  private applyExec(path: string, type: LinkType, isexec: boolean): void {
    if (!isexec) return
    chmodSync(path, isProtectedLinkType(type) ? 0o555 : 0o755)
  }

  private trustOrVerify(path: string, md5: string, st: Stats): boolean {
    if ((st.mode & 0o222) === 0) return true
    let actual: string
    try {
      actual = md5FileSync(path, st.size, this.hashName === 'md5')
    } catch {
      return false
    }
    if (actual !== md5.replace(/\.dir$/, '')) {
      rmSync(path, { force: true })
      return false
    }
    try {
      chmodSync(path, st.mode & 0o111 ? 0o555 : 0o444)
    } catch {
      // not ours to chmod: still valid
    }
    return true
  }

  private ensureShard(obj: string): void {
    const shard = dirname(obj)
    if (this.madeDirs.has(shard)) return
    mkdirSync(shard, { recursive: true })
    this.madeDirs.add(shard)
  }

  /** Write an object from memory: temp file (fsync'ed), 0444, rename. */
  private writeObject(md5: string, data: string): void {
    const obj = this.objectPath(md5)
    this.ensureShard(obj)
    const tmp = stagingFile(this.dir)
    try {
      const fd = openSync(tmp, 'wx', 0o444)
      try {
        writeSync(fd, data)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(tmp, obj)
    } catch (error) {
      rmSync(tmp, { force: true })
      throw error
    }
  }

  /** Clear the way for a rename onto `dest`: a directory (or a file where a directory goes) is removed. */
  private removeForReplace(dest: string, isDir: boolean): void {
    const st = lstatSync(dest, { throwIfNoEntry: false })
    if (!st) return
    if (st.isDirectory()) this.removeOutputSync(dest)
    else if (isDir) rmSync(dest, { force: true })
    // a file/symlink is replaced atomically by rename
  }
}

function missing(md5: string, dest?: string): TrellisError {
  return new TrellisError('CACHE_MISSING', `'${md5}' is not in the cache${dest ? ` (needed for '${dest}')` : ''}`, {
    hint: 'reproduce the stage that makes this output (or pull the data)',
  })
}

function checkRelpath(relpath: string, dirMd5: string): void {
  if (relpath === '' || relpath.startsWith('/') || relpath.split('/').some((p) => p === '..' || p === '.' || p === '') || relpath.includes('\0')) {
    throw new TrellisError('CACHE_CORRUPT', `directory manifest '${dirMd5}' has an unsafe path '${relpath}'`)
  }
}

/**
 * A manifest's files are written below the output (already checked by the work tree's guard):
 * the same name rules as any work-tree path (fs/safe-path.ts), e.g. no `.git` component, checked
 * for every file before the first is written.
 */
function checkManifestNames(entries: readonly DirEntry[], dirMd5: string, absDest: string): void {
  const refusals: Refusal[] = []
  for (const e of entries) {
    const reason = unsafeName(e.relpath, { internal: true })
    if (reason) refusals.push({ path: `${basename(absDest)}/${e.relpath}`, reason, source: `in directory manifest ${dirMd5}` })
  }
  if (refusals.length > 0) throw unsafePathError(refusals)
}

/** A manifest lists files only: an entry naming another `.dir` (or no md5 at all) is refused. */
function checkEntryHash(entry: DirEntry, dirMd5: string): void {
  if (!/^[0-9a-f]{32}$/.test(entry.md5)) {
    throw new TrellisError('CACHE_CORRUPT', `directory manifest '${dirMd5}' lists '${entry.relpath}' with hash '${entry.md5}': a manifest may only list files`, {
      hint: 'The manifest was not written by DVC or Trellis (they never nest directories); reproduce the stage that makes this output.',
    })
  }
}

/** rm -r without following symlinks; read-only directories are made writable first. */
function rmTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true })
  } catch (error) {
    if (errnoCode(error) !== 'EACCES' && errnoCode(error) !== 'EPERM') throw error
    makeDirsWritable(path)
    rmSync(path, { recursive: true, force: true })
  }
}

function makeDirsWritable(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false })
  if (!st || !st.isDirectory()) return
  chmodSync(path, (st.mode & 0o777) | 0o700)
  for (const f of walkDirsNoFollow(path)) {
    const s = lstatSync(f)
    chmodSync(f, (s.mode & 0o777) | 0o700)
  }
}

function walkDirsNoFollow(root: string): string[] {
  const out: string[] = []
  const stack = [root]
  while (stack.length) {
    const dir = stack.pop()!
    let names: Dirent[]
    try {
      names = readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const d of names) {
      if (d.isDirectory()) {
        const p = join(dir, d.name)
        out.push(p)
        stack.push(p)
      }
    }
  }
  return out
}

function walkFilesNoFollow(root: string): string[] {
  const out: string[] = []
  const stack = [root]
  while (stack.length) {
    const dir = stack.pop()!
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name)
      if (d.isDirectory()) stack.push(p)
      else if (d.isFile() || d.isSymbolicLink()) out.push(p)
    }
  }
  return out
}

function unprotectFile(path: string): void {
  const lst = lstatSync(path)
  const st = lst.isSymbolicLink() ? statSync(path) : lst
  if (!st.isFile()) return
  const linked = lst.isSymbolicLink() || lst.nlink > 1
  const readOnly = (st.mode & 0o200) === 0
  if (!linked && !readOnly) return
  const tmp = tmpName(path)
  try {
    copyFileSync(path, tmp, constants.COPYFILE_FICLONE)
    chmodSync(tmp, st.mode & 0o111 ? 0o755 : 0o644)
    renameSync(tmp, path)
  } catch (error) {
    rmSync(tmp, { force: true })
    throw error
  }
}
