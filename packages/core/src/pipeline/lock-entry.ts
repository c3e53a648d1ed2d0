/** Build a stage's dvc.lock entry from the workspace (after its command ran). */
import { TrellisError } from '../errors.js'
import { verifyMetricFile } from '../metrics/verify-metric.js'
import type { WorkingSet } from './working-set.js'
import type { HashInfo, LockEntry, LockPathEntry, Stage } from './types.js'

/** The lock entry of a hash (3.x when the hash was taken as DVC 3 md5: `hash: md5`). */
export function pathEntry(path: string, info: HashInfo): LockPathEntry {
  const entry: LockPathEntry = info.hash ? { path, hash: info.hash, md5: info.md5, size: info.size } : { path, md5: info.md5, size: info.size }
  if (info.nfiles !== undefined) entry.nfiles = info.nfiles
  if (info.isexec) entry.isexec = true
  return entry
}

const byPath = (a: LockPathEntry, b: LockPathEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)

/** cmd, deps and params: everything the run-cache key is made of. */
export async function buildInputs(ws: WorkingSet, stage: Stage): Promise<LockEntry> {
  const entry: LockEntry = { cmd: stage.cmd ?? '' }
  if (stage.deps.length) {
    const deps: LockPathEntry[] = []
    for (const dep of stage.deps) {
      if (!(await ws.exists(dep.path))) {
        throw new TrellisError('MISSING_DEPENDENCY', `dependency '${dep.pathAsWritten}' does not exist`, {
          hint: `Create ${dep.path}, or add the stage that produces it.`,
        })
      }
      deps.push(pathEntry(dep.pathAsWritten, await ws.hash(dep.path)))
    }
    entry.deps = deps.sort(byPath)
  }
  if (stage.params.length) {
    const params: Record<string, Record<string, unknown>> = {}
    for (const dep of stage.params) params[dep.fileAsWritten] = await ws.lockParams(dep)
    entry.params = params
  }
  return entry
}

/** Hash every out (they must exist) and complete the entry. */
export async function withOutputs(ws: WorkingSet, stage: Stage, inputs: LockEntry): Promise<LockEntry> {
  if (!stage.outs.length) return inputs
  const outs: LockPathEntry[] = []
  for (const out of stage.outs) {
    if (!(await ws.exists(out.path))) {
      throw new TrellisError('STAGE_FAILED', `output '${out.pathAsWritten}' does not exist`, {
        hint: `The command of '${stage.address}' must create ${out.path}.`,
      })
    }
    if (out.metric) verifyMetricFile(ws.abs(out.path), out.path)
    outs.push(pathEntry(out.pathAsWritten, await ws.hash(out.path)))
  }
  return { ...inputs, outs: outs.sort(byPath) }
}

/**
 * The entry as the outputs are *now*, while the command may still be running (a
 * checkpoint): missing outputs are recorded by path only, as DVC does.
 */
export async function currentOutputs(ws: WorkingSet, stage: Stage, inputs: LockEntry): Promise<LockEntry> {
  if (!stage.outs.length) return inputs
  const outs: LockPathEntry[] = []
  for (const out of stage.outs) {
    if (await ws.exists(out.path)) outs.push(pathEntry(out.pathAsWritten, await ws.hash(out.path)))
    else outs.push({ path: out.pathAsWritten })
  }
  return { ...inputs, outs: outs.sort(byPath) }
}
