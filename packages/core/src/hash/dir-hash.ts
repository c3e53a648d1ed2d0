/**
 * DVC 2.x directory hash, reference `dvc-pipelines.md` b.4:
 * entries `{md5, relpath}` (posix relpath), sorted by code point of relpath,
 * serialised as Python `json.dumps(list, sort_keys=True)`, md5 of those bytes + `.dir`;
 * `size` = sum of file sizes, `nfiles` = count. The same bytes are the `.dir`
 * object that the cache stores.
 *
 * Walking: regular files only, recursively; empty directories contribute
 * nothing; a symlink to a file counts as that file (its target is hashed, as
 * Python's `os.walk` + `open` do); a symlink to a directory is not followed;
 * FIFOs, sockets and devices are skipped (reading them could block forever).
 * `.dvcignore` is not applied yet.
 */
import { hash as oneShotHash } from 'node:crypto'
import { readdirSync, statSync, type BigIntStats } from 'node:fs'
import type { HashInfo } from '../pipeline/types.js'
import { compareCodePoints, pyJsonDumps } from '../util/python-json.js'
import { md5Files } from './hash-pool.js'

/** One file of a directory manifest. Only `md5` and `relpath` are part of DVC's `.dir` JSON. */
export interface DirEntry {
  md5: string
  /** Relative to the directory, `/`-separated. */
  relpath: string
  /** Raw size (not serialised; known when the entry was hashed here). */
  size?: number
  /** Any x bit (not serialised; DVC 2.x `.dir` objects do not record it). */
  isexec?: boolean
}

export interface DirManifest {
  /** Entries sorted by code point of `relpath`. */
  entries: DirEntry[]
  /** The exact bytes DVC hashes and stores as the `.dir` object. */
  json: string
  /** `{ md5: '<hex>.dir', size, nfiles }`. */
  hashInfo: HashInfo
}

const SURROGATE = /[\ud800-\udfff]/

/** Sort manifest entries in place by code point of relpath (fast path when no astral chars). */
export function sortDirEntries<T extends { relpath: string }>(entries: T[]): T[] {
  if (entries.some((e) => SURROGATE.test(e.relpath))) {
    return entries.sort((a, b) => compareCodePoints(a.relpath, b.relpath))
  }
  // Without surrogates, UTF-16 order is code-point order.
  return entries.sort((a, b) => (a.relpath < b.relpath ? -1 : a.relpath > b.relpath ? 1 : 0))
}

/** Printable ASCII without `"` and `\\`: serialised by Python's json.dumps as is. */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

/**
 * `json.dumps([{"md5": .., "relpath": ..}, ...], sort_keys=True)` for sorted entries.
 * Equal to `pyJsonDumps(entries.map(({md5, relpath}) => ({md5, relpath})))`, but
 * without the generic per-character walk for the (usual) plain-ASCII strings.
 */
export function dirManifestJson(entries: readonly DirEntry[]): string {
  let out = '['
  for (let i = 0; i < entries.length; i++) {
    const { md5, relpath } = entries[i]
    const m = PLAIN_JSON_STRING.test(md5) ? `"${md5}"` : pyJsonDumps(md5)
    const r = PLAIN_JSON_STRING.test(relpath) ? `"${relpath}"` : pyJsonDumps(relpath)
    out += `${i === 0 ? '' : ', '}{"md5": ${m}, "relpath": ${r}}`
  }
  return out + ']'
}

/**
 * Build the `.dir` manifest and its HashInfo from `(relpath, file hash)` entries
 * (any order; the array is sorted in place). Sizes default to 0 when unknown.
 */
export function buildDirManifest(entries: DirEntry[]): DirManifest {
  sortDirEntries(entries)
  let size = 0
  for (const e of entries) size += e.size ?? 0
  const json = dirManifestJson(entries)
  const md5 = oneShotHash('md5', json, 'hex') + '.dir'
  return { entries, json, hashInfo: { md5, size, nfiles: entries.length } }
}

/** A file found by `walkFiles`. */
export interface WalkedFile {
  /** Relative to the walked directory, `/`-separated. */
  relpath: string
  absPath: string
  /** `stat` (symlinks followed), with bigint fields (ino, mtimeNs). */
  stat: BigIntStats
}

/**
 * Every regular file under `absDir` (recursively; symlinked directories are not
 * entered; symlinked files are stat'ed through the link). Order: readdir order.
 * One `readdir` per directory and one stat per file. Throws ENOTDIR/ENOENT like fs.
 */
export function walkFiles(absDir: string): WalkedFile[] {
  const out: WalkedFile[] = []
  walkFilesWith(absDir, (relpath, absPath, stat) => {
    out.push({ relpath, absPath, stat })
  })
  return out
}

/**
 * `walkFiles` with a callback per file instead of a list (nothing retained). `skip`
 * (e.g. a `.dvcignore` filter) is asked about each entry before it is visited or
 * entered, with its path relative to `absDir`.
 */
export function walkFilesWith(
  absDir: string,
  visit: (relpath: string, absPath: string, stat: BigIntStats) => void,
  skip?: (relpath: string, isDir: boolean) => boolean,
): void {
  walkInto(absDir.endsWith('/') && absDir.length > 1 ? absDir.slice(0, -1) : absDir, '', visit, skip)
}

const BIGINT = { bigint: true } as const

function walkInto(
  absDir: string,
  relPrefix: string,
  visit: (relpath: string, absPath: string, stat: BigIntStats) => void,
  skip: ((relpath: string, isDir: boolean) => boolean) | undefined,
): void {
  const dirents = readdirSync(absDir, { withFileTypes: true })
  for (const d of dirents) {
    const name = d.name
    const abs = `${absDir}/${name}`
    const rel = relPrefix === '' ? name : `${relPrefix}/${name}`
    if (d.isDirectory()) {
      if (!skip?.(rel, true)) walkInto(abs, rel, visit, skip)
    } else if (d.isFile()) {
      if (!skip?.(rel, false)) visit(rel, abs, statSync(abs, BIGINT) as BigIntStats)
    } else if (d.isSymbolicLink()) {
      if (skip?.(rel, false)) continue
      // A dangling link throws ENOENT: DVC fails on it too.
      const st = statSync(abs, BIGINT) as BigIntStats
      if (st.isFile()) visit(rel, abs, st)
      // a link to a directory is not followed (os.walk(followlinks=False))
    }
    // FIFOs, sockets, devices: skipped
  }
}

/**
 * Hash a directory from scratch (no state db, no memo): walk, hash every file
 * (in the worker pool when there are many), build the manifest. The engine uses
 * `Hasher`, which adds the stat cache; this is the plain building block.
 */
export async function hashDirectory(absDir: string, mode: 'auto' | 'pool' | 'in-process' = 'auto'): Promise<DirManifest> {
  const files = walkFiles(absDir)
  const sizes = files.map((f) => Number(f.stat.size))
  const md5s = await md5Files(
    files.map((f) => f.absPath),
    sizes,
    mode,
  )
  const entries: DirEntry[] = files.map((f, i) => ({
    md5: md5s[i],
    relpath: f.relpath,
    size: sizes[i],
    isexec: (Number(f.stat.mode) & 0o111) !== 0,
  }))
  return buildDirManifest(entries)
}

/** Parse a `.dir` object (DVC's JSON list) into entries; tolerant of extra keys. */
export function parseDirManifest(json: string): DirEntry[] {
  const data: unknown = JSON.parse(json)
  if (!Array.isArray(data)) throw new Error('not a .dir manifest: expected a JSON list')
  return data.map((item) => {
    const e = item as { md5?: unknown; relpath?: unknown }
    if (typeof e.md5 !== 'string' || typeof e.relpath !== 'string') throw new Error('not a .dir manifest: entry without md5/relpath')
    return { md5: e.md5, relpath: e.relpath }
  })
}
