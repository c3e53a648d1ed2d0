/**
 * Bring the workspace back to an undo record's "before" state: cached
 * outputs first (from the cache, or removed when they did not exist), then
 * tracked files. Planned (and checked) before anything is written: paths the
 * user changed after the apply (neither the applied nor the previous state)
 * are a conflict unless `force`.
 */
import { join } from 'node:path'
import { TrellisError } from '../../errors.js'
import type { WorkingSet } from '../../pipeline/working-set.js'
import { currentOutput } from './outputs-plan.js'
import type { Conflict } from './tracked-plan.js'
import type { LoadedUndoRecord, UndoRecord } from './undo-record.js'
import type { WorkTreeGuard } from '../../fs/safe-path.js'
import { MODE_SYMLINK, applyStates, filesBelow, isObstruction, readDiskState, sameState, type FileState } from './workspace-files.js'

export interface RestorePlan {
  files: Array<{ path: string; state: FileState | null }>
  outputs: UndoRecord['outputs']
}

export interface RestoreOptions {
  force?: boolean
  /** How the error messages name the operation ("Cannot undo"). */
  what?: string
  /** The hint's way out when paths changed. */
  forceHint?: string
}

/** `guard`: the git work tree's; every path of the record is checked before anything is read or written. */
export async function planRestore(guard: WorkTreeGuard, ws: WorkingSet, loaded: LoadedUndoRecord, options: RestoreOptions = {}): Promise<RestorePlan> {
  const what = options.what ?? 'Cannot undo'
  const gitRoot = guard.root
  const dvcRoot = loaded.record.dvcRoot
  for (const change of loaded.files) {
    const before = change.before
    guard.plan(change.path, before === null ? null : before.mode === MODE_SYMLINK ? { symlink: Buffer.from(before.content).toString() } : { file: true })
  }
  for (const change of loaded.files) guard.check(change.path, { source: 'in the undo record', symlink: change.before?.mode === MODE_SYMLINK })
  for (const output of loaded.record.outputs) guard.check(dvcRoot ? `${dvcRoot}/${output.path}` : output.path, { source: 'an output in the undo record' })
  guard.assertSafe()
  const conflicts: Conflict[] = []
  const files: RestorePlan['files'] = []
  const removed = new Set(loaded.files.filter((f) => f.before === null).map((f) => f.path))
  for (const change of loaded.files) {
    let current = readDiskState(join(gitRoot, change.path))
    // A directory holding only files this restore removes (a file that became a directory) counts as absent.
    if (isObstruction(current) && current.obstruction === 'directory' && filesBelow(join(gitRoot, change.path), change.path).every((p) => removed.has(p))) {
      current = null
    }
    if (sameState(current, change.before)) continue
    if (!sameState(current, change.after)) conflicts.push({ path: change.path, reason: 'changed since it was applied' })
    files.push({ path: change.path, state: change.before })
  }
  const outputs: RestorePlan['outputs'] = []
  const missing: string[] = []
  for (const output of loaded.record.outputs) {
    const current = (await currentOutput(ws, output.path))?.md5 ?? null
    if (current === (output.before?.md5 ?? null)) continue
    if (current !== output.after.md5) conflicts.push({ path: output.path, reason: 'output changed since it was applied' })
    if (output.before && !(await ws.hasObject(output.before.md5, output.before.hashName))) missing.push(`${output.path} (${output.before.md5})`)
    outputs.push(output)
  }
  if (conflicts.length > 0 && !options.force) {
    throw new TrellisError('EXP_APPLY_CONFLICT', `${what}: these paths changed after the experiment was applied:\n${conflicts.map((c) => `\t${c.path} (${c.reason})`).join('\n')}`, {
      hint: options.forceHint ?? 'Nothing was changed. Commit or move those changes away first, or pass --force to overwrite them.',
    })
  }
  if (missing.length > 0) {
    throw new TrellisError('CACHE_MISSING', `${what}: the previous contents of these outputs are no longer in the cache:\n${missing.map((m) => `\t${m}`).join('\n')}`, {
      hint: 'They were removed from the cache since (e.g. by gc). Nothing was changed.',
    })
  }
  return { files, outputs }
}

export async function executeRestore(guard: WorkTreeGuard, ws: WorkingSet, plan: RestorePlan): Promise<void> {
  for (const output of plan.outputs) {
    if (output.before) await ws.checkoutFromCache(output.path, output.before.md5, 'link', output.before.isexec, output.before.hashName)
    else await ws.removeOutput(output.path)
  }
  await applyStates(guard, plan.files)
}
