/**
 * The state database: a stat-keyed store of file hashes, so that a file whose
 * inode, mtime (ns) and size have not changed is never read again
 * (reference `dvc-pipelines.md` b.6; the format is Trellis's own).
 *
 * - File: `<repo>/.dvc/tmp/trellis-state.db` (better-sqlite3, WAL mode), created
 *   on demand when `<repo>/.dvc` exists. Table `state`: key = repo-relative posix
 *   path; value = (inode, mtime in ns as a decimal string from a bigint stat, size,
 *   md5, isexec), packed in one TEXT column as `"<ino> <mtimeNs> <size> <md5> <0|1>"`:
 *   reading two columns per row instead of six halves the cost of loading 20,000
 *   rows, and a lookup is one `startsWith` on `"<ino> <mtimeNs> <size> "`.
 * - Table `dirs`: per directory, a fingerprint (md5 over every file's relpath,
 *   inode, mtime, size and exec bit, in walk order) with the directory's hash,
 *   size and nfiles. When a directory's fingerprint is unchanged its hash is known
 *   without looking up its files one by one (a no-op check of a big directory is
 *   then one readdir per directory + one stat per file).
 * - Speed: the file rows are loaded into a Map by one SELECT (a single
 *   `group_concat` string), on the first file lookup of the process; that Map is
 *   the process-local memo, shared by later opens. New entries are written in one
 *   transaction by `flush()`/`close()`.
 * - Never fails a command: a busy, locked, read-only or corrupt database (or no
 *   `.dvc` directory) degrades to the in-memory memo. A corrupt file is deleted and
 *   recreated once.
 * - Racy entries are not remembered: a file whose mtime is within the filesystem's
 *   timestamp granularity of the moment we started to read it could be rewritten
 *   with the same size and mtime right after; its hash is returned but not stored
 *   (git's "racily clean" rule). Such files are stored by the next run.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'

export const STATE_DB_NAME = 'trellis-state.db'
const SCHEMA_VERSION = 3
const BUSY_TIMEOUT_MS = 1000

export interface StateEntry {
  /** Inode number (decimal string). */
  ino: string
  /** mtime in nanoseconds since the epoch (decimal string of the bigint stat). */
  mtimeNs: string
  size: number
  md5: string
  isexec: boolean
}

/** The fields of a bigint `fs.Stats` that the state uses. */
export interface StatKey {
  ino: bigint
  mtimeNs: bigint
  size: bigint
  mode: bigint
}

export interface StateDbOptions {
  /** No database at all (and a private memo): every file is hashed once per StateDb. */
  stateless?: boolean
  /** Override the database file (default `<root>/.dvc/tmp/trellis-state.db`). */
  dbPath?: string
}

/** `<root>/.dvc/tmp/trellis-state.db` */
export function stateDbPath(root: string): string {
  return join(resolve(root), '.dvc', 'tmp', STATE_DB_NAME)
}

/** Loaded state per database file, shared by every StateDb of the process. */
const processMemo = new Map<string, Memo>()

/** Forget the process-local memo (tests; or after files were changed behind our back with stats kept). */
export function resetStateMemo(): void {
  processMemo.clear()
}

const NS_PER_SEC = 1_000_000_000n
/** Timestamp granularity assumed for filesystems with sub-second mtimes (jiffies, NFS skew). */
const RACY_WINDOW_FINE_NS = 100_000_000n
/** ... and for whole-second ones (FAT, HFS+, ext3). */
const RACY_WINDOW_COARSE_NS = 2n * NS_PER_SEC
/** A file older than this (relative to the read) is never racy. */
export const RACY_WINDOW_MAX_NS = RACY_WINDOW_COARSE_NS

/** Now, in ns since the epoch (ms precision: enough for the racy rule). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

/**
 * True when a file with this mtime could still be rewritten (same size) without its
 * mtime changing, relative to `readStartNs` (when we began to stat/read it).
 */
export function isRacy(mtimeNs: bigint, readStartNs: bigint): boolean {
  const window = mtimeNs % NS_PER_SEC === 0n ? RACY_WINDOW_COARSE_NS : RACY_WINDOW_FINE_NS
  return mtimeNs + window > readStartNs
}

type DatabaseCtor = typeof BetterSqlite3

let sqliteModule: Promise<DatabaseCtor | undefined> | undefined

function loadSqlite(): Promise<DatabaseCtor | undefined> {
  return (sqliteModule ??= import('better-sqlite3').then(
    (m) => ((m as { default?: DatabaseCtor }).default ?? (m as unknown as DatabaseCtor)),
    () => undefined,
  ))
}

/** A directory's stored result: valid while the fingerprint of its files' stats is unchanged. */
export interface DirStateEntry {
  /** md5 over every file's (relpath, inode, mtime ns, size, exec bit), in walk order. */
  fingerprint: string
  md5: string
  size: number
  nfiles: number
}

interface Memo {
  /** file key → `<ino> <mtimeNs> <size> <md5> <0|1>` */
  files: Map<string, string>
  /** dir key → `<fingerprint> <md5> <size> <nfiles>`, or '' = known absent */
  dirs: Map<string, string>
  filesLoaded: boolean
}

/** `"<ino> <mtimeNs> <size> "`: the part of a stored file value that must match the current stat. */
export function statPrefix(st: StatKey): string {
  return `${st.ino} ${st.mtimeNs} ${st.size} `
}

export class StateDb {
  /** The database file, when one is in use. */
  readonly path: string | undefined
  private db: BetterSqlite3.Database | undefined
  private readonly memo: Memo
  private pendingFiles = new Map<string, string>()
  private pendingDirs = new Map<string, string>()
  private getDir: BetterSqlite3.Statement<[string], { value: string }> | undefined

  private constructor(path: string | undefined, db: BetterSqlite3.Database | undefined, memo: Memo) {
    this.path = path
    this.db = db
    this.memo = memo
  }

  /**
   * Open (never throws). `stateless` gives an in-memory store private to this instance.
   * File rows are loaded by one SELECT on the first file lookup (a directory whose
   * fingerprint matches never needs them).
   */
  static async open(root: string, options: StateDbOptions = {}): Promise<StateDb> {
    if (options.stateless) return new StateDb(undefined, undefined, { files: new Map(), dirs: new Map(), filesLoaded: true })
    const path = options.dbPath ? resolve(options.dbPath) : stateDbPath(root)
    let memo = processMemo.get(path)
    if (!memo) processMemo.set(path, (memo = { files: new Map(), dirs: new Map(), filesLoaded: false }))
    const db = await openDatabase(path, options.dbPath !== undefined)
    return new StateDb(db ? path : undefined, db, memo)
  }

  /** True while backed by a database file (false after a fallback to memory only). */
  get persistent(): boolean {
    return this.db !== undefined
  }

  /** Number of known file entries (loads them). */
  get size(): number {
    this.ensureFilesLoaded()
    return this.memo.files.size
  }

  /** The stored md5 for `key` if the stat part (`statPrefix(st)`) is unchanged: the hot path. */
  lookupByPrefix(key: string, prefix: string): string | undefined {
    if (!this.memo.filesLoaded) this.ensureFilesLoaded()
    const v = this.memo.files.get(key)
    return v !== undefined && v.startsWith(prefix) ? v.slice(prefix.length, v.length - 2) : undefined
  }

  /** The stored md5 for `key` if the file's inode, mtime and size are unchanged. */
  lookupMd5(key: string, st: StatKey): string | undefined {
    return this.lookupByPrefix(key, statPrefix(st))
  }

  /** The stored entry for `key` if the file's inode, mtime and size are unchanged. */
  lookup(key: string, st: StatKey): StateEntry | undefined {
    const md5 = this.lookupMd5(key, st)
    if (md5 === undefined) return undefined
    const [ino, mtimeNs, size, , isexec] = this.memo.files.get(key)!.split(' ')
    return { ino, mtimeNs, size: Number(size), md5, isexec: isexec === '1' }
  }

  /**
   * Remember `md5` for the file at `key` with stat `st`. `readStartNs` is when we
   * began to stat/read it (default: now); racy entries are not kept. Returns whether
   * the entry was kept.
   */
  save(key: string, st: StatKey, md5: string, readStartNs: bigint = nowNs()): boolean {
    return this.saveByPrefix(key, statPrefix(st), st.mtimeNs, (st.mode & 0o111n) !== 0n, md5, readStartNs)
  }

  /** `save` with the stat already reduced to `statPrefix(st)`, its mtime and exec bit. */
  saveByPrefix(key: string, prefix: string, mtimeNs: bigint, isexec: boolean, md5: string, readStartNs: bigint = nowNs()): boolean {
    if (isRacy(mtimeNs, readStartNs)) {
      this.memo.files.delete(key)
      this.pendingFiles.delete(key)
      return false
    }
    const value = `${prefix}${md5} ${isexec ? 1 : 0}`
    this.memo.files.set(key, value)
    if (this.db) this.pendingFiles.set(key, value)
    return true
  }

  /** The stored result of a directory (compare its fingerprint before trusting it). */
  lookupDir(key: string): DirStateEntry | undefined {
    let v = this.memo.dirs.get(key)
    if (v === undefined) {
      v = ''
      if (this.db) {
        try {
          this.getDir ??= this.db.prepare('SELECT value FROM dirs WHERE path = ?')
          v = this.getDir.get(key)?.value ?? ''
        } catch {
          // unreadable: unknown
        }
      }
      this.memo.dirs.set(key, v)
    }
    if (v === '') return undefined
    const [fingerprint, md5, size, nfiles] = v.split(' ')
    return { fingerprint, md5, size: Number(size), nfiles: Number(nfiles) }
  }

  /** Remember a directory's result (the caller does not store results that involved racy files). */
  saveDir(key: string, entry: DirStateEntry): void {
    const value = `${entry.fingerprint} ${entry.md5} ${entry.size} ${entry.nfiles}`
    this.memo.dirs.set(key, value)
    if (this.db) this.pendingDirs.set(key, value)
  }

  /** Forget a directory's stored result. */
  dropDir(key: string): void {
    if (this.memo.dirs.get(key) === '') return
    this.memo.dirs.set(key, '')
    if (this.db) this.pendingDirs.set(key, '')
  }

  /** Write pending entries in one transaction (on a busy/locked db: drop them, keep the memo). */
  flush(): void {
    const db = this.db
    const files = this.pendingFiles
    const dirs = this.pendingDirs
    this.pendingFiles = new Map()
    this.pendingDirs = new Map()
    if (!db || (files.size === 0 && dirs.size === 0)) return
    try {
      // multi-row INSERTs: one native call per 256 rows instead of per row
      const ROWS = 256
      const putFiles = db.prepare(`INSERT OR REPLACE INTO state (path, value) VALUES ${'(?, ?), '.repeat(ROWS - 1)}(?, ?)`)
      const putFile = db.prepare('INSERT OR REPLACE INTO state (path, value) VALUES (?, ?)')
      const putDir = db.prepare('INSERT OR REPLACE INTO dirs (path, value) VALUES (?, ?)')
      const delDir = db.prepare('DELETE FROM dirs WHERE path = ?')
      const write = db.transaction(() => {
        const params: string[] = []
        for (const [key, value] of files) {
          params.push(key, value)
          if (params.length === 2 * ROWS) {
            putFiles.run(params)
            params.length = 0
          }
        }
        for (let i = 0; i < params.length; i += 2) putFile.run(params[i], params[i + 1])
        for (const [key, value] of dirs) {
          if (value === '') delDir.run(key)
          else putDir.run(key, value)
        }
      })
      write.immediate()
    } catch {
      // busy / locked / disk full / read-only: the cache is an optimisation only
    }
  }

  /** Flush and close the database. The memo stays for later opens in this process. */
  close(): void {
    this.flush()
    try {
      this.db?.close()
    } catch {
      // ignore
    }
    this.db = undefined
    this.getDir = undefined
  }

  private ensureFilesLoaded(): void {
    if (this.memo.filesLoaded) return
    if (!this.db) return // not loaded yet; a later open with the db available will load
    loadAll(this.db, this.memo.files)
    this.memo.filesLoaded = true
  }
}

async function openDatabase(path: string, explicitPath: boolean): Promise<BetterSqlite3.Database | undefined> {
  const dir = join(path, '..')
  if (!explicitPath) {
    // <root>/.dvc/tmp: only inside an initialised repo (never create .dvc itself)
    const dvcDir = join(dir, '..')
    if (!existsSync(dvcDir)) return undefined
  }
  const Database = await loadSqlite()
  if (!Database) return undefined
  try {
    mkdirSync(dir, { recursive: true })
  } catch {
    return undefined
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    let db: BetterSqlite3.Database | undefined
    try {
      db = new Database(path, { timeout: BUSY_TIMEOUT_MS })
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      const version = db.pragma('user_version', { simple: true }) as number
      if (version !== SCHEMA_VERSION) {
        db.exec(
          'DROP TABLE IF EXISTS state;' +
            'DROP TABLE IF EXISTS dirs;' +
            'CREATE TABLE state (path TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;' +
            'CREATE TABLE dirs (path TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;' +
            `PRAGMA user_version = ${SCHEMA_VERSION};`,
        )
      }
      return db
    } catch (error) {
      try {
        db?.close()
      } catch {
        // ignore
      }
      const code = (error as { code?: string }).code ?? ''
      if (attempt === 0 && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))) {
        for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
        continue
      }
      return undefined // busy, locked, read-only, ...: no persistent cache this time
    }
  }
  return undefined
}

/**
 * Load every row. One `group_concat` string instead of 20,000 row objects is ~2x
 * faster through better-sqlite3; a path containing the record separator (\x1e) is
 * detected by the row count and the table is then read row by row.
 */
function loadAll(db: BetterSqlite3.Database, memo: Map<string, string>): void {
  try {
    const [count, joined] = db
      .prepare("SELECT count(*), group_concat(path || char(31) || value, char(30)) FROM state")
      .raw()
      .get() as [number, string | null]
    if (count === 0 || joined === null) return
    const records = joined.split('\x1e')
    if (records.length === count) {
      for (const r of records) {
        const i = r.lastIndexOf('\x1f') // the value never contains it; a path might
        const key = r.slice(0, i)
        if (!memo.has(key)) memo.set(key, r.slice(i + 1))
      }
      return
    }
    const rows = db.prepare('SELECT path, value FROM state').raw().all() as [string, string][]
    for (const r of rows) if (!memo.has(r[0])) memo.set(r[0], r[1])
  } catch {
    // unreadable: start empty
  }
}
