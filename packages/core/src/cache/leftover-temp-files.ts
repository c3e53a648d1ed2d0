/**
 * Leftovers of interrupted cache writes made by Trellis before `cache-staging.ts`:
 * those versions wrote each object through a hidden temp file beside it, in its
 * shard directory (`<cache>/<h[0:2]>/.<h[2:]>.<pid>-<n>.tmp`, then renamed), so a
 * write killed mid-way (kill -9, power loss) left that file there for good. They
 * are never objects (`allObjects` skips them); `gc` removes them. A file whose
 * writer still runs is left alone (a cache may be shared by several projects).
 */
import { readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { isAlive } from './cache-staging.js'

/** `.<30 hex>[.dir].<pid>-<base36 counter>.tmp` */
const LEFTOVER_RE = /^\.[0-9a-f]{30}(?:\.dir)?\.(\d+)-[0-9a-z]+\.tmp$/

export interface LeftoverTempFile {
  /** Absolute path. */
  path: string
  size: number
}

/** The leftover temp files in the shard directories of `cacheDir` (one cache layout: the root or `files/md5`). */
export function leftoverTempFiles(cacheDir: string): LeftoverTempFile[] {
  let shards: string[]
  try {
    shards = readdirSync(cacheDir)
  } catch {
    return []
  }
  const found: LeftoverTempFile[] = []
  for (const shard of shards) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue
    let names: string[]
    try {
      names = readdirSync(join(cacheDir, shard))
    } catch {
      continue // not a directory
    }
    for (const name of names) {
      const pid = Number(LEFTOVER_RE.exec(name)?.[1])
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue
      const path = join(cacheDir, shard, name)
      const st = statSync(path, { throwIfNoEntry: false })
      if (st?.isFile()) found.push({ path, size: st.size })
    }
  }
  return found
}

/** Remove the given leftovers (already gone is fine). */
export function removeLeftoverTempFiles(files: readonly LeftoverTempFile[]): void {
  for (const f of files) rmSync(f.path, { force: true })
}
