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
import { PipelineIndex } from './pipeline-index.js'
import { Workspace } from './workspace.js'

export interface CheckoutResult {
  /** Outputs materialised (files and directories). */
  outputs: number
  /** Files made from the cache. */
  files: number
  /** Outputs recorded in a lock or .dvc file whose objects are not in the cache. */
  missing: string[]
}

export async function checkoutWorkspace(project: Pick<Project, 'root' | 'dvcConfig'>): Promise<CheckoutResult> {
  const index = await PipelineIndex.load(project.root)
  const ws = await Workspace.open(project.root, project.dvcConfig)
  const result: CheckoutResult = { outputs: 0, files: 0, missing: [] }
  try {
    for (const stage of index.stages) {
      const lock = await ws.lockEntry(stage)
      if (!lock?.outs) continue
      const byPath = new Map(lock.outs.map((o) => [o.path, o]))
      for (const out of stage.outs) {
        const entry = byPath.get(out.pathAsWritten)
        if (!out.cache || !entry?.md5) continue
        if (!(await ws.hasObject(entry.md5))) {
          result.missing.push(out.path)
          continue
        }
        await ws.checkoutFromCache(out.path, entry.md5, 'link', entry.isexec)
        result.outputs++
        if (entry.md5.endsWith('.dir')) {
          for (const file of await ws.cache.readManifest(entry.md5)) {
            record(ws, `${out.path}/${file.relpath}`, file.md5)
            result.files++
          }
        } else {
          record(ws, out.path, entry.md5)
          result.files++
        }
      }
    }
  } finally {
    await ws.close()
  }
  return result
}

function record(ws: Workspace, path: string, md5: string): void {
  const abs = join(ws.root, path)
  const object = statSync(ws.cache.objectPath(md5), { throwIfNoEntry: false })
  const file = statSync(abs, { throwIfNoEntry: false })
  if (!object || !file) return
  // a copy (or reflink) is a new inode written just now: give it the object's times
  if (file.ino !== object.ino || file.dev !== object.dev) utimesSync(abs, object.atime, object.mtime)
  ws.hasher.recordFile(path, md5)
}
