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
 * - `onProgress(done, total)` (an option) counts the files of directories being read and
 *   hashed over the Hasher's lifetime, told per batch (never per file): `total` grows as
 *   batches are queued, `done` as they finish; `done === total` ends a burst of hashing.
 *
 * A missing path rejects with the fs error (`code: 'ENOENT'`): callers check
 * existence themselves and decide what "missing" means.
 */
import { hash as oneShotHash } from 'node:crypto'
import { statSync, type BigIntStats } from 'node:fs'
import { isAbsolute, posix, relative, resolve, sep } from 'node:path'
import { hashKeyOf, type HashInfo, type HashName } from '../pipeline/types.js'
import { isRacy, nowNs, RACY_WINDOW_MAX_NS, StateDb, stateDbPath } from '../state/state-db.js'
import { buildDirManifest, walkFilesWith, type DirEntry } from './dir-hash.js'
import { DvcIgnore } from './dvcignore.js'
import { md5FileSync } from './file-hash.js'
import { BATCH_MAX_BYTES, BATCH_MAX_FILES, md5Files, sharedHashPool, shouldUsePool } from './hash-pool.js'

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
  /**
   * `md5-dos2unix` (default): DVC 2.x hashes, results without a `hash` key.
   * `md5`: DVC 3 plain md5, results carry `hash: 'md5'` (so entries built from them are 3.x);
   * its state db is a separate file (`trellis-state-md5.db`), as the values differ.
   */
  hashName?: HashName
  /** Progress of directory hashing, per batch: files hashed of files queued so far. */
  onProgress?: (done: number, total: number) => void
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
  private ignores: DvcIgnore | undefined
  /** Progress (`onProgress`): directory files queued for hashing and hashed, so far. */
  private readonly onProgress: ((done: number, total: number) => void) | undefined
  private queuedFiles = 0
  private hashedDone = 0

  readonly hashName: HashName
  private readonly plain: boolean
  private readonly hashKey: 'md5' | undefined

  private constructor(root: string, state: StateDb, poolMode: 'auto' | 'pool' | 'in-process', hashName: HashName, onProgress?: (done: number, total: number) => void) {
    this.root = root
    this.onProgress = onProgress
    this.state = state
    this.poolMode = poolMode
    this.hashName = hashName
    this.plain = hashName === 'md5'
    this.hashKey = hashKeyOf(hashName)
  }

  static async open(root: string, options: HasherOptions = {}): Promise<Hasher> {
    const absRoot = resolve(root)
    const hashName = options.hashName ?? 'md5-dos2unix'
    let dbPath = options.stateDbPath
    if (hashName === 'md5' && !options.stateless) dbPath = (dbPath ?? stateDbPath(absRoot)).replace(/(\.db)?$/, '-md5.db')
    const state = await StateDb.open(absRoot, { stateless: options.stateless, dbPath })
    return new Hasher(absRoot, state, options.pool ?? 'auto', hashName, options.onProgress)
  }

  /** `info` with this hasher's `hash` key (none for md5-dos2unix). */
  private tagged<T extends object>(info: T): T {
    return this.hashKey ? { ...info, hash: this.hashKey } : info
  }

  /** `files` more are queued for hashing (progress). */
  private queued(files: number): void {
    if (!this.onProgress) return
    this.queuedFiles += files
    this.onProgress(this.hashedDone, this.queuedFiles)
  }

  /** A batch of `files` is hashed (progress). */
  private readonly batchDone = (files: number): void => {
    if (!this.onProgress) return
    this.hashedDone += files
    this.onProgress(this.hashedDone, this.queuedFiles)
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
      md5 = md5FileSync(abs, size, this.plain)
      this.stats.hashedFiles++
      this.stats.hashedBytes += size
      this.state.save(key, st, md5, start)
    }
    return this.tagged(isexec ? { md5, size, isexec } : { md5, size })
  }

  /**
   * Hash a directory. Two ways, chosen by whether the state db has a result for it:
   *
   * - known directory: walk collecting only the fingerprint records; if the
   *   fingerprint matches, that is the answer (no per-file lookups, no manifest
   *   work); otherwise look files up, hash the misses, rebuild.
   * - unknown directory (first time, or a new one): look each file up while
   *   walking and send the misses to the worker pool as soon as a batch is full,
   *   so the workers hash while the main thread is still walking.
   */
  private async hashDirAt(abs: string, key: string, start: bigint): Promise<HashResult> {
    const state = this.state
    const generation = this.generation
    const keyPrefix = key === '' ? '' : `${key}/`
    const stored = state.lookupDir(key)
    // `.dvcignore` (and DVC's built-in .git/.hg/.dvc patterns) inside the project
    const skip = isAbsolute(key) ? undefined : (this.ignores ??= new DvcIgnore(this.root)).walkFilter(key)
    // Per file only two strings stay alive: the relpath and its fingerprint record
    // `<relpath>\0<ino> <mtimeNs> <size> <x|->` (the slow path recovers the stat
    // fields from it); no Stats objects are retained.
    const rels: string[] = []
    const records: string[] = []
    let racy = false
    const racyFloor = start - RACY_WINDOW_MAX_NS // older files cannot be racy: one comparison each

    if (stored !== undefined) {
      walkFilesWith(
        abs,
        (relpath, _abs, st) => {
          rels.push(relpath)
          records.push(`${relpath}\0${st.ino} ${st.mtimeNs} ${st.size} ${(st.mode & 0o111n) !== 0n ? 'x' : '-'}`)
          if (st.mtimeNs > racyFloor && !racy) racy = isRacy(st.mtimeNs, start)
        },
        skip,
      )
      const n = rels.length
      this.stats.dirsWalked++
      this.stats.files += n
      const fingerprint = oneShotHash('md5', records.join('\n'), 'hex')
      if (stored.fingerprint === fingerprint && stored.nfiles === n) {
        // Fast path: every file's stat is as when this directory was last hashed.
        this.stats.stateHits += n
        this.stats.dirStateHits++
        const result = this.tagged({ md5: stored.md5, size: stored.size, nfiles: n }) as HashResult
        // the manifest is built only if someone asks for it (from the file rows; sync)
        Object.defineProperty(result, 'manifest', {
          enumerable: true,
          configurable: true,
          get: () => {
            const entries = this.fileEntries(keyPrefix, rels, records)
            for (const e of entries) if (!e.md5) e.md5 = md5FileSync(`${abs}/${e.relpath}`, e.size, this.plain)
            const manifest = buildDirManifest(entries).entries
            Object.defineProperty(result, 'manifest', { value: manifest, enumerable: true, configurable: true, writable: false })
            return manifest
          },
        })
        if (!this.closed && generation === this.generation) this.dirMemo.set(key, result)
        return result
      }
      const entries = this.fileEntries(keyPrefix, rels, records)
      const miss: number[] = []
      for (let i = 0; i < n; i++) if (entries[i].md5 === '') miss.push(i)
      await this.hashMisses(
        entries,
        miss,
        miss.map((i) => `${abs}/${rels[i]}`),
      )
      return this.finishDir(key, keyPrefix, generation, entries, rels, records, miss, fingerprint, racy, start)
    }

    // Unknown directory: look up and dispatch while walking.
    const entries: DirEntry[] = []
    const miss: number[] = []
    const pool = this.poolMode === 'in-process' ? undefined : sharedHashPool()
    const jobs: Promise<void>[] = []
    let pooled = false
    let missBytes = 0
    let chunkStart = 0 // first index in `miss` not yet sent to the pool
    let chunkBytes = 0
    const missPaths: string[] = []
    const send = () => {
      const idx = miss.slice(chunkStart)
      const paths = missPaths.slice(chunkStart)
      chunkStart = miss.length
      chunkBytes = 0
      this.queued(idx.length)
      jobs.push(
        pool!.md5Many(
          paths,
          idx.map((i) => entries[i].size!),
          this.plain,
        ).then((md5s) => {
          for (let j = 0; j < idx.length; j++) entries[idx[j]].md5 = md5s[j]
          this.batchDone(idx.length)
        }),
      )
    }
    walkFilesWith(abs, (relpath, absPath, st) => {
      const statKey = `${st.ino} ${st.mtimeNs} ${st.size} `
      const x = (st.mode & 0o111n) !== 0n
      const size = Number(st.size)
      rels.push(relpath)
      records.push(`${relpath}\0${statKey}${x ? 'x' : '-'}`)
      if (st.mtimeNs > racyFloor && !racy) racy = isRacy(st.mtimeNs, start)
      const md5 = state.lookupByPrefix(keyPrefix + relpath, statKey)
      entries.push(x ? { md5: md5 ?? '', relpath, size, isexec: true } : { md5: md5 ?? '', relpath, size })
      if (md5 !== undefined) return
      miss.push(entries.length - 1)
      missPaths.push(absPath)
      missBytes += size
      chunkBytes += Math.max(size, 4096)
      if (pool === undefined) return
      if (!pooled && (this.poolMode === 'pool' ? miss.length > 1 : shouldUsePool(miss.length, missBytes))) {
        pooled = true
        pool.warm()
      }
      if (pooled && (miss.length - chunkStart >= BATCH_MAX_FILES || chunkBytes >= BATCH_MAX_BYTES)) send()
    }, skip)
    this.stats.dirsWalked++
    this.stats.files += entries.length
    if (pooled) {
      if (chunkStart < miss.length) send()
      await Promise.all(jobs)
      this.stats.hashedFiles += miss.length
      for (const i of miss) this.stats.hashedBytes += entries[i].size!
    } else {
      await this.hashMisses(entries, miss, missPaths)
    }
    const fingerprint = oneShotHash('md5', records.join('\n'), 'hex')
    return this.finishDir(key, keyPrefix, generation, entries, rels, records, miss, fingerprint, racy, start)
  }

  /** Hash `entries[miss[j]]` (at `paths[j]`) in place: in-process or in the pool, by size. */
  private async hashMisses(entries: DirEntry[], miss: number[], paths: string[]): Promise<void> {
    if (miss.length === 0) return
    const sizes = miss.map((i) => entries[i].size!)
    this.queued(miss.length)
    const md5s = await md5Files(paths, sizes, this.poolMode, this.plain, this.onProgress && this.batchDone)
    for (let j = 0; j < miss.length; j++) {
      entries[miss[j]].md5 = md5s[j]
      this.stats.hashedBytes += sizes[j]
    }
    this.stats.hashedFiles += miss.length
  }

  /** Store new file hashes and the directory's fingerprint; build, memoise and return the result. */
  private finishDir(
    key: string,
    keyPrefix: string,
    generation: number,
    entries: DirEntry[],
    rels: string[],
    records: string[],
    miss: number[],
    fingerprint: string,
    racy: boolean,
    start: bigint,
  ): HashResult {
    const state = this.state
    this.stats.stateHits += entries.length - miss.length
    for (const i of miss) {
      const body = records[i].slice(rels[i].length + 1) // "<ino> <mtimeNs> <size> <x|->"
      const sp1 = body.indexOf(' ')
      const mtimeNs = BigInt(body.slice(sp1 + 1, body.indexOf(' ', sp1 + 1)))
      state.saveByPrefix(keyPrefix + rels[i], body.slice(0, -1), mtimeNs, entries[i].isexec === true, entries[i].md5, start)
    }
    const { hashInfo } = buildDirManifest(entries)
    if (!racy) state.saveDir(key, { fingerprint, md5: hashInfo.md5, size: hashInfo.size, nfiles: entries.length })
    const result: HashResult = this.tagged({ ...hashInfo, manifest: entries })
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
