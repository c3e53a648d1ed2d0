/**
 * Moving cache objects between the local cache and a DVC remote, as `dvc
 * push` / `dvc fetch` do: only objects the other side lacks are copied, at
 * most `jobs` at a time, a directory's files before its `.dir` manifest (so
 * a remote that has the manifest has the whole directory). Fetched objects
 * are checked against their hash before they are renamed into the cache
 * (read-only), so a damaged remote object never becomes a trusted one.
 */
import { chmodSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ObjectCache } from '../cache/object-cache.js'
import { md5FileSync } from '../hash/file-hash.js'
import { mapLimit } from '../util/map-limit.js'
import type { DataRemote } from '../plugin-api/data-remote.js'
import { remoteForHash } from './data-remote.js'
import type { HashName } from '../pipeline/types.js'
import { stagingFile } from '../cache/cache-staging.js'

export const DEFAULT_JOBS = 4

export interface TransferOptions {
  /** Parallel transfers (`-j`), default 4. */
  jobs?: number
  /** Called after each object, with the count done and the total to check. */
  onProgress?: (done: number, total: number) => void
}

export interface TransferSummary {
  /** Objects copied. */
  transferred: number
  /** Objects the destination already had. */
  present: number
  /** Objects the source does not have (pushing: not in the cache; fetching: not on the remote). */
  missing: string[]
  /** Objects that could not be copied, with why. */
  failed: Array<{ md5: string; error: string }>
}

function emptySummary(): TransferSummary {
  return { transferred: 0, present: 0, missing: [], failed: [] }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Upload to `remote` every object of `md5s` (directories: the manifest and every file) that it lacks. */
export async function pushObjects(cache: ObjectCache, remote: DataRemote, md5s: Iterable<string>, options: TransferOptions = {}): Promise<TransferSummary> {
  const summary = emptySummary()
  const wanted = new Set(md5s)
  const dirs = [...wanted].filter((m) => m.endsWith('.dir'))
  const files = new Set([...wanted].filter((m) => !m.endsWith('.dir')))
  const dirFiles = new Map<string, string[]>()
  for (const dir of dirs) {
    if (!cache.hasSync(dir)) continue
    try {
      const entries = [...new Set(cache.readManifestSync(dir).map((e) => e.md5))]
      dirFiles.set(dir, entries)
      for (const md5 of entries) files.add(md5)
    } catch (error) {
      summary.failed.push({ md5: dir, error: message(error) })
    }
  }
  const total = files.size + dirs.length
  let done = 0
  const ok = new Set<string>()
  // what the remote has, in one pass where it can tell (a directory remote: a readdir per shard)
  const known = remote.existsMany ? await remote.existsMany([...files, ...dirs]) : undefined
  const pushOne = async (md5: string): Promise<void> => {
    try {
      if (known?.has(md5)) {
        // on the remote already: nothing to read locally
        summary.present++
        ok.add(md5)
      } else if (!cache.hasSync(md5)) summary.missing.push(md5)
      else if (!known && (await remote.exists(md5))) {
        summary.present++
        ok.add(md5)
      } else {
        await remote.upload(cache.objectPath(md5), md5)
        summary.transferred++
        ok.add(md5)
      }
    } catch (error) {
      summary.failed.push({ md5, error: message(error) })
    }
    options.onProgress?.(++done, total)
  }
  const jobs = options.jobs ?? DEFAULT_JOBS
  await mapLimit([...files], jobs, pushOne)
  await mapLimit(dirs, jobs, async (dir) => {
    if (summary.failed.some((f) => f.md5 === dir)) return
    const entries = dirFiles.get(dir)
    const incomplete = entries?.filter((md5) => !ok.has(md5)) ?? []
    if (entries && incomplete.length > 0) {
      // the manifest goes up only once every file it lists is there
      if (!(await remote.exists(dir).catch(() => false))) {
        summary.failed.push({ md5: dir, error: `${incomplete.length} of its ${entries.length} files are not on the remote` })
        options.onProgress?.(++done, total)
        return
      }
    }
    await pushOne(dir)
  })
  return summary
}

/** Download from `remote` every object of `md5s` (directories: the manifest, then every file) missing from the cache. */
export async function fetchObjects(cache: ObjectCache, remote: DataRemote, md5s: Iterable<string>, options: TransferOptions = {}): Promise<TransferSummary> {
  const summary = emptySummary()
  const wanted = new Set(md5s)
  const dirs = [...wanted].filter((m) => m.endsWith('.dir'))
  const files = new Set([...wanted].filter((m) => !m.endsWith('.dir')))
  const jobs = options.jobs ?? DEFAULT_JOBS
  let done = 0
  let total = wanted.size
  const fetchOne = async (md5: string): Promise<void> => {
    try {
      if (cache.hasSync(md5)) summary.present++
      else if (await download(cache, remote, md5)) summary.transferred++
      else summary.missing.push(md5)
    } catch (error) {
      summary.failed.push({ md5, error: message(error) })
    }
    options.onProgress?.(++done, total)
  }
  // manifests first: they say which files a directory needs
  await mapLimit(dirs, jobs, fetchOne)
  for (const dir of dirs) {
    if (!cache.hasSync(dir)) continue
    try {
      for (const entry of cache.readManifestSync(dir)) {
        if (!files.has(entry.md5)) {
          files.add(entry.md5)
          total++
        }
      }
    } catch (error) {
      summary.failed.push({ md5: dir, error: message(error) })
    }
  }
  await mapLimit([...files], jobs, fetchOne)
  return summary
}

/** One object into the cache: temp file in the staging directory, hash checked, read-only, rename. */
async function download(cache: ObjectCache, remote: DataRemote, md5: string): Promise<boolean> {
  const target = cache.objectPath(md5)
  mkdirSync(dirname(target), { recursive: true })
  const tmp = stagingFile(cache.dir)
  try {
    if (!(await remote.download(md5, tmp))) return false
    // checked with the cache's own hash: plain md5 for DVC 3 objects (files/md5), md5-dos2unix otherwise
    const actual = md5FileSync(tmp, undefined, cache.hashName === 'md5')
    if (actual !== md5.replace(/\.dir$/, '')) {
      throw new Error(`the remote's copy is corrupt (its content hashes to ${actual})`)
    }
    chmodSync(tmp, 0o444)
    renameSync(tmp, target)
    return true
  } finally {
    rmSync(tmp, { force: true })
  }
}

/**
 * Push or fetch objects of both hash kinds: DVC 3 `md5` objects go between
 * `<cache>/files/md5` and `<remote>/files/md5`, 2.x and legacy ones between the
 * roots. One summary for all (progress counts every object).
 */
export async function transferByHash(
  direction: 'push' | 'fetch',
  cache: ObjectCache,
  remote: DataRemote,
  objects: Iterable<{ md5: string; hashName: HashName }>,
  options: TransferOptions = {},
): Promise<TransferSummary> {
  const groups = new Map<HashName, string[]>()
  for (const { md5, hashName } of objects) {
    const group = groups.get(hashName) ?? []
    if (group.length === 0) groups.set(hashName, group)
    group.push(md5)
  }
  // progress: a group's own total counts the files of its directories; later groups count as listed
  let later = [...groups.values()].reduce((n, g) => n + g.length, 0)
  let base = 0
  const summary = emptySummary()
  for (const [name, md5s] of groups) {
    later -= md5s.length
    let groupTotal = md5s.length
    const onProgress =
      options.onProgress &&
      ((done: number, total: number) => {
        groupTotal = total
        options.onProgress!(base + done, base + total + later)
      })
    const move = direction === 'push' ? pushObjects : fetchObjects
    const part = await move(cache.forHash(name), remoteForHash(remote, name), md5s, { ...options, onProgress })
    summary.transferred += part.transferred
    summary.present += part.present
    summary.missing.push(...part.missing)
    summary.failed.push(...part.failed)
    base += groupTotal
  }
  return summary
}
