/**
 * `dvc checkout` for a fresh work tree: every cached output recorded in the
 * dvc.lock files and `.dvc` files is made from the cache with the project's
 * link types (`cache.type`), and its hash is recorded in the state db, so the
 * first repro there does not read the data again to hash it.
 *
 * Outputs whose objects are not in the cache are skipped (listed in
 * `missing`): the stage that makes them will run. A file made by copy gets
 * the cache object's mtime, so that it is not "racy" for the state db.
 */
import { statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import type { Project } from '../project.js'
import { lockPathFor, readLockfile } from '../dvcfile/lockfile.js'
import { PipelineIndex } from './pipeline-index.js'
import type { ObjectCache } from '../cache/object-cache.js'
import type { Hasher } from '../hash/hasher.js'
import { hashNameOf, type LockEntry, type LockPathEntry } from './types.js'
import { Workspace } from './workspace.js'

export interface CheckoutResult {
  /** Outputs materialised (files and directories). */
  outputs: number
  /** Files made from the cache. */
  files: number
  /** Outputs recorded in a lock or .dvc file whose objects are not in the cache. */
  missing: string[]
}

export async function checkoutWorkspace(project: Pick<Project, 'root' | 'dvcConfig'> & { settings?: Project['settings'] }): Promise<CheckoutResult> {
  const index = await PipelineIndex.load(project.root)
  const result: CheckoutResult = { outputs: 0, files: 0, missing: [] }
  // what the locks record, read before the state db is opened (often there is nothing to do)
  const recorded: Array<{ path: string; entry: LockPathEntry }> = []
  const locks = new Map<string, Promise<Map<string, LockEntry>>>()
  for (const stage of index.stages) {
    let outs: LockPathEntry[] | undefined
    if (stage.kind === 'single') outs = stage.outs.filter((o) => o.hash?.md5).map((o) => ({ path: o.pathAsWritten, ...o.hash }))
    else {
      const file = lockPathFor(stage.dvcfile)
      if (!locks.has(file)) locks.set(file, readLockfile(project.root, file).then((l) => l?.stages ?? new Map()))
      outs = (await locks.get(file)!).get(stage.name)?.outs
    }
    const byPath = new Map((outs ?? []).map((o) => [o.path, o]))
    for (const out of stage.outs) {
      const entry = byPath.get(out.pathAsWritten)
      if (out.cache && entry?.md5) recorded.push({ path: out.path, entry })
    }
  }
  if (recorded.length === 0) return result
  const ws = await Workspace.openFor(project)
  try {
    for (const { path, entry } of recorded) {
      const md5 = entry.md5!
      const name = hashNameOf(entry)
      if (!(await ws.hasObject(md5, name))) {
        result.missing.push(path)
        continue
      }
      await ws.checkoutFromCache(path, md5, 'link', entry.isexec, name)
      result.outputs++
      const cache = ws.cache.forHash(name)
      const hasher = await ws.hasherFor(name)
      if (md5.endsWith('.dir')) {
        for (const file of await cache.readManifest(md5)) {
          record(ws.root, cache, hasher, `${path}/${file.relpath}`, file.md5)
          result.files++
        }
      } else {
        record(ws.root, cache, hasher, path, md5)
        result.files++
      }
    }
  } finally {
    await ws.close()
  }
  return result
}

function record(root: string, cache: ObjectCache, hasher: Hasher, path: string, md5: string): void {
  const abs = join(root, path)
  const object = statSync(cache.objectPath(md5), { throwIfNoEntry: false })
  const file = statSync(abs, { throwIfNoEntry: false })
  if (!object || !file) return
  // a copy (or reflink) is a new inode written just now: give it the object's times
  if (file.ino !== object.ino || file.dev !== object.dev) utimesSync(abs, object.atime, object.mtime)
  hasher.recordFile(path, md5)
}
