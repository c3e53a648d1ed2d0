/**
 * Outputs in the workspace: removing them before a run, making persistent ones
 * writable again, committing them into the cache, and checking them out.
 */
import { ensureIgnored } from './gitignore.js'
import type { WorkingSet } from './working-set.js'
import { hashNameOf, type LockPathEntry, type Out, type Stage } from './types.js'

/** Before a run: delete outs, except persist/checkpoint ones, which are only unprotected (made writable copies). */
export async function prepareOutputs(ws: WorkingSet, stage: Stage): Promise<void> {
  for (const out of stage.outs) {
    if (out.persist || out.checkpoint) {
      if (await ws.exists(out.path)) await ws.unprotect(out.path)
    } else await ws.removeOutput(out.path)
    ws.forget(out.path)
  }
}

/**
 * Put outputs into the cache (cached ones moved and linked back; uncached
 * metrics/plots copied when the run-cache needs them) and git-ignore cached ones.
 */
export async function commitOutputs(ws: WorkingSet, stage: Stage, outs: LockPathEntry[], copyUncached: boolean): Promise<void> {
  const byPath = new Map(outs.map((o) => [o.path, o]))
  for (const out of stage.outs) {
    const entry = byPath.get(out.pathAsWritten)
    if (!entry?.md5) continue
    if (out.cache) {
      await ws.commitToCache(out.path, entry.md5, 'link', hashNameOf(entry))
      await ensureIgnored(ws.guard, out.path)
    } else if (copyUncached) {
      await ws.commitToCache(out.path, entry.md5, 'copy', hashNameOf(entry))
    }
  }
}

/** True when every out of an entry is present in the cache (dirs: manifest and every file). */
export async function outputsInCache(ws: WorkingSet, stage: Stage, outs: LockPathEntry[]): Promise<boolean> {
  const declared = new Set(stage.outs.map((o) => o.pathAsWritten))
  if (outs.length !== declared.size || !outs.every((o) => declared.has(o.path))) return false
  for (const o of outs) if (!o.md5 || !(await ws.hasObject(o.md5, hashNameOf(o)))) return false
  return true
}

/** Materialise outs from the cache (uncached outs are copied, never linked). */
export async function checkoutOutputs(ws: WorkingSet, stage: Stage, outs: LockPathEntry[]): Promise<void> {
  const flags = new Map<string, Out>(stage.outs.map((o) => [o.pathAsWritten, o]))
  for (const entry of outs) {
    const out = flags.get(entry.path)!
    await ws.removeOutput(out.path)
    await ws.checkoutFromCache(out.path, entry.md5!, out.cache ? 'link' : 'copy', entry.isexec, hashNameOf(entry))
    if (out.cache) await ensureIgnored(ws.guard, out.path)
  }
}

/**
 * Put the cached outputs into the cache by copy (reflink when the filesystem can),
 * leaving the workspace files exactly as they are: a running command may go on
 * writing them (checkpoints). Missing outputs are skipped.
 */
export async function copyOutputsToCache(ws: WorkingSet, stage: Stage, outs: LockPathEntry[]): Promise<void> {
  const byPath = new Map(outs.map((o) => [o.path, o]))
  for (const out of stage.outs) {
    const entry = byPath.get(out.pathAsWritten)
    if (!entry?.md5 || !out.cache) continue
    if (!(await ws.hasObject(entry.md5, hashNameOf(entry)))) await ws.commitToCache(out.path, entry.md5, 'copy', hashNameOf(entry))
    await ensureIgnored(ws.guard, out.path)
  }
}
