/**
 * `Hasher`: the one entry point the engine uses to hash deps and outs.
 *
 * - `hashPath(rel)` stats the path (bigint, symlinks followed); a file is looked
 *   up in the state db by (inode, mtime ns, size) and read only when it changed;
 *   a directory is walked (one readdir per directory, one stat per file). If the
 *   fingerprint of all those stats equals the stored one, the stored directory
 *   hash is the answer (its `manifest` is then built lazily, on first access);
 *   otherwise its changed files are hashed (in the worker pool when there are
 *   many, see `hash-pool.ts`) and the `.dir` manifest rebuilt from the file hashes.
 * - Directory results are memoised for the Hasher's lifetime: the same directory
 *   asked for by 100 stages is walked once. **A directory's memo is not
 *   revalidated**: after anything writes under a path (a stage ran, a checkout),
 *   call `invalidate(path)` (or `invalidate()` for everything) before hashing it
 *   again. File results are always revalidated by a stat.
 * - New file hashes are written to the state db by `flush()` / `close()`.
 *
 * A missing path rejects with the fs error (`code: 'ENOENT'`): callers check
 * existence themselves and decide what "missing" means.
 */
import { hash as oneShotHash } from 'node:crypto'
import { statSync, type BigIntStats } from 'node:fs'
import { isAbsolute, posix, relative, resolve, sep } from 'node:path'
import type { HashInfo } from '../pipeline/types.js'
import { isRacy, nowNs, RACY_WINDOW_MAX_NS, StateDb } from '../state/state-db.js'
import { buildDirManifest, walkFilesWith, type DirEntry } from './dir-hash.js'
import { md5FileSync } from './file-hash.js'
import { md5Files, POOL_MIN_FILES, sharedHashPool } from './hash-pool.js'

export type HashResult = HashInfo & {
  /** For a directory: its entries, sorted as in the `.dir` object (with size/isexec). Read-only. */
  manifest?: DirEntry[]
}

export interface HasherOptions {
  /** Do not read or write the state db (every file is read once per Hasher). */
  stateless?: boolean
  /** Where many files are hashed: `auto` (pool for big jobs), always the pool, or never. */
  pool?: 'auto' | 'pool' | 'in-process'
  /** Override the state db file. */
  stateDbPath?: string
}

export interface HasherStats {
  /** Files stat'ed (inside directories or alone). */
  files: number
  /** Files answered by the state db / memo without reading. */
  stateHits: number
  /** Files read and hashed. */
  hashedFiles: number
  hashedBytes: number
  /** Directories walked. */
  dirsWalked: number
  /** `hashPath` calls answered by the directory memo. */
  dirMemoHits: number
  /** Directories whose stored result was still valid (no file looked up one by one). */
  dirStateHits: number
}

export class Hasher {
  readonly root: string
  readonly stats: HasherStats = { files: 0, stateHits: 0, hashedFiles: 0, hashedBytes: 0, dirsWalked: 0, dirMemoHits: 0, dirStateHits: 0 }
  private readonly state: StateDb
  private readonly poolMode: 'auto' | 'pool' | 'in-process'
  private readonly dirMemo = new Map<string, HashResult>()
  private readonly inflight = new Map<string, Promise<HashResult>>()
  private closed = false
  private generation = 0

  private constructor(root: string, state: StateDb, poolMode: 'auto' | 'pool' | 'in-process') {
    this.root = root
    this.state = state
    this.poolMode = poolMode
  }

  static async open(root: string, options: HasherOptions = {}): Promise<Hasher> {
    const absRoot = resolve(root)
    const state = await StateDb.open(absRoot, { stateless: options.stateless, dbPath: options.stateDbPath })
    return new Hasher(absRoot, state, options.pool ?? 'auto')
  }

  /** True when hashes persist across processes (the state db is open). */
  get persistent(): boolean {
    return this.state.persistent
  }

  /**
   * Hash a file or directory, given relative to the root (posix or native
   * separators; an absolute path is accepted too). Rejects with ENOENT when missing.
   */
  hashPath(relPath: string): Promise<HashResult> {
    if (this.closed) return Promise.reject(new Error('Hasher is closed'))
    const { abs, key } = this.locate(relPath)
    const memo = this.dirMemo.get(key)
    if (memo) {
      this.stats.dirMemoHits++
      return Promise.resolve(memo)
    }
    const running = this.inflight.get(key)
    if (running) return running
    let promise: Promise<HashResult>
    try {
      const start = nowNs()
      const st = statSync(abs, { bigint: true })
      if (st.isFile()) return Promise.resolve(this.hashFileAt(abs, key, st, start))
      if (!st.isDirectory()) {
        throw Object.assign(new Error(`not a regular file or directory: '${abs}'`), { code: 'EINVAL', path: abs })
      }
      promise = this.hashDirAt(abs, key, start)
    } catch (error) {
      return Promise.reject(error)
    }
    this.inflight.set(key, promise)
    const done = () => {
      if (this.inflight.get(key) === promise) this.inflight.delete(key)
    }
    promise.then(done, done)
    return promise
  }

  /**
   * Forget memoised directory results for `relPath`, its ancestors and its
   * descendants (all of them without an argument). Call after writing under a path.
   */
  invalidate(relPath?: string): void {
    this.generation++ // results of walks still running are not memoised
    if (relPath === undefined) {
      this.dirMemo.clear()
      this.inflight.clear()
      return
    }
    const { key } = this.locate(relPath)
    const related = (k: string) => k === key || k === '' || key === '' || k.startsWith(`${key}/`) || key.startsWith(`${k}/`)
    for (const k of [...this.dirMemo.keys()]) if (related(k)) this.dirMemo.delete(k)
    for (const k of [...this.inflight.keys()]) if (related(k)) this.inflight.delete(k)
  }

  /**
   * Remember the md5 of a file whose content is known without reading it (it
   * was just made from the cache object of that hash). Returns false when the
   * file is missing or "racy" (modified too recently to be trusted by stat).
   */
  recordFile(relPath: string, md5: string): boolean {
    const { abs, key } = this.locate(relPath)
    let st: BigIntStats
    try {
      st = statSync(abs, { bigint: true })
    } catch {
      return false
    }
    if (!st.isFile()) return false
    return this.state.save(key, st, md5)
  }

  /** Write new file hashes to the state db now. */
  async flush(): Promise<void> {
    this.state.flush()
  }

  /** Flush and close the state db. The worker pool is shared and never blocks exit. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.state.close()
  }

  private locate(relPath: string): { abs: string; key: string } {
    const native = relPath.split('\\').join('/')
    if (isAbsolute(relPath)) {
      const abs = resolve(relPath)
      const rel = relative(this.root, abs)
      const inside = rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
      return { abs, key: inside ? rel.split(sep).join('/') : abs }
    }
    let key = posix.normalize(native)
    if (key === '.' || key === './') key = ''
    if (key.endsWith('/')) key = key.slice(0, -1)
    if (key.startsWith('./')) key = key.slice(2)
    const abs = key === '' ? this.root : `${this.root}/${key}`
    return { abs: key.startsWith('../') ? resolve(this.root, key) : abs, key }
  }

  private hashFileAt(abs: string, key: string, st: BigIntStats, start: bigint): HashResult {
    this.stats.files++
    const size = Number(st.size)
    const isexec = (st.mode & 0o111n) !== 0n
    let md5 = this.state.lookupMd5(key, st)
    if (md5 !== undefined) this.stats.stateHits++
    else {
      md5 = md5FileSync(abs, size)
      this.stats.hashedFiles++
      this.stats.hashedBytes += size
      this.state.save(key, st, md5, start)
    }
    return isexec ? { md5, size, isexec } : { md5, size }
  }

  private async hashDirAt(abs: string, key: string, start: bigint): Promise<HashResult> {
    const state = this.state
    const generation = this.generation
    const keyPrefix = key === '' ? '' : `${key}/`
    // One pass: readdir + stat. Per file only two strings stay alive: the relpath and
    // its fingerprint record `<relpath>\0<ino> <mtimeNs> <size> <x|->` (from which the
    // slow path recovers the stat fields); no Stats objects are retained.
    const rels: string[] = []
    const records: string[] = []
    let racy = false
    const racyFloor = start - RACY_WINDOW_MAX_NS // older files cannot be racy: one comparison each
    // Nothing stored for this directory: it will probably be hashed, so let the
    // workers boot while we walk.
    const warmAt = this.poolMode !== 'in-process' && state.lookupDir(key) === undefined ? POOL_MIN_FILES + 1 : -1
    walkFilesWith(abs, (relpath, _abs, st) => {
      if (rels.length === warmAt) sharedHashPool().warm()
      rels.push(relpath)
      records.push(`${relpath}\0${st.ino} ${st.mtimeNs} ${st.size} ${(st.mode & 0o111n) !== 0n ? 'x' : '-'}`)
      if (st.mtimeNs > racyFloor && !racy) racy = isRacy(st.mtimeNs, start)
    })
    const n = rels.length
    this.stats.dirsWalked++
    this.stats.files += n
    const fingerprint = oneShotHash('md5', records.join('\n'), 'hex')

    // Fast path: every file's stat is as when this directory was last hashed.
    const stored = state.lookupDir(key)
    if (stored && stored.fingerprint === fingerprint && stored.nfiles === n) {
      this.stats.stateHits += n
      this.stats.dirStateHits++
      const result = { md5: stored.md5, size: stored.size, nfiles: n } as HashResult
      // the manifest is built only if someone asks for it (from the file rows; sync)
      Object.defineProperty(result, 'manifest', {
        enumerable: true,
        configurable: true,
        get: () => {
          const entries = this.fileEntries(keyPrefix, rels, records)
          for (const e of entries) if (!e.md5) e.md5 = md5FileSync(`${abs}/${e.relpath}`, e.size)
          const manifest = buildDirManifest(entries).entries
          Object.defineProperty(result, 'manifest', { value: manifest, enumerable: true, configurable: true, writable: false })
          return manifest
        },
      })
      if (!this.closed && generation === this.generation) this.dirMemo.set(key, result)
      return result
    }

    const entries = this.fileEntries(keyPrefix, rels, records)
    const missIdx: number[] = []
    for (let i = 0; i < n; i++) if (entries[i].md5 === '') missIdx.push(i)
    this.stats.stateHits += n - missIdx.length
    if (missIdx.length > 0) {
      const missSizes = missIdx.map((i) => entries[i].size!)
      const md5s = await md5Files(
        missIdx.map((i) => `${abs}/${rels[i]}`),
        missSizes,
        this.poolMode,
      )
      for (let j = 0; j < missIdx.length; j++) {
        const i = missIdx[j]
        entries[i].md5 = md5s[j]
        this.stats.hashedBytes += missSizes[j]
        const body = records[i].slice(rels[i].length + 1) // "<ino> <mtimeNs> <size> <x|->"
        const mtimeNs = BigInt(body.slice(body.indexOf(' ') + 1, body.indexOf(' ', body.indexOf(' ') + 1)))
        state.saveByPrefix(keyPrefix + rels[i], body.slice(0, -1), mtimeNs, entries[i].isexec === true, md5s[j], start)
      }
      this.stats.hashedFiles += missIdx.length
    }
    const { hashInfo } = buildDirManifest(entries)
    if (!racy) state.saveDir(key, { fingerprint, md5: hashInfo.md5, size: hashInfo.size, nfiles: n })
    const result: HashResult = { ...hashInfo, manifest: entries }
    if (!this.closed && generation === this.generation) this.dirMemo.set(key, result)
    return result
  }

  /** Manifest entries in walk order, md5 from the state db ('' where unknown). */
  private fileEntries(keyPrefix: string, rels: string[], records: string[]): DirEntry[] {
    const entries = new Array<DirEntry>(rels.length)
    for (let i = 0; i < rels.length; i++) {
      const rel = rels[i]
      const body = records[i].slice(rel.length + 1) // "<ino> <mtimeNs> <size> <x|->"
      const statKey = body.slice(0, -1) // "<ino> <mtimeNs> <size> "
      const size = Number(statKey.slice(statKey.lastIndexOf(' ', statKey.length - 2) + 1, -1))
      const md5 = this.state.lookupByPrefix(keyPrefix + rel, statKey) ?? ''
      entries[i] = body.endsWith('x') ? { md5, relpath: rel, size, isexec: true } : { md5, relpath: rel, size }
    }
    return entries
  }
}
