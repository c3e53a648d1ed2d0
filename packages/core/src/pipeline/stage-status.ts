/**
 * Is a stage changed, and why? The checks and their order are DVC's (§c.4):
 * command, then deps (path and params), then outs; `trellis status` prints the
 * reasons, `repro` only needs the verdict.
 */
import { posix } from 'node:path'
import { pyEquals } from '../util/python-json.js'
import { hashNameOf, type HashInfo, type HashName, type LockEntry, type LockPathEntry, type ParamsDep, type Stage } from './types.js'

/** What change detection reads of the workspace (working-set.ts's `WorkingSet` provides it). */
export interface StatusSource {
  exists(path: string): Promise<boolean>
  hasObject(md5: string, hashName?: HashName): Promise<boolean>
  hash(path: string, hashName?: HashName): Promise<HashInfo>
  paramsStatus(dep: ParamsDep, locked: Record<string, unknown> | undefined): Promise<Record<string, PathStatus> | PathStatus | undefined>
}

export type PathStatus = 'deleted' | 'modified' | 'new' | 'not in cache'

export interface StageStatus {
  changedCommand: boolean
  alwaysChanged: boolean
  /** path → status, params file → key → status */
  changedDeps: Record<string, PathStatus | Record<string, PathStatus>>
  changedOuts: Record<string, PathStatus>
}

export function isChanged(status: StageStatus): boolean {
  return (
    status.changedCommand ||
    status.alwaysChanged ||
    Object.keys(status.changedDeps).length > 0 ||
    Object.keys(status.changedOuts).length > 0
  )
}

/** DVC's JSON shape for one stage: a list of reasons. */
export function statusToJson(status: StageStatus): unknown[] {
  const out: unknown[] = []
  if (Object.keys(status.changedDeps).length) out.push({ 'changed deps': status.changedDeps })
  if (Object.keys(status.changedOuts).length) out.push({ 'changed outs': status.changedOuts })
  if (status.alwaysChanged) out.push('always changed')
  if (status.changedCommand) out.push('changed command')
  return out
}

export function hasCheckpointOuts(stage: Stage): boolean {
  return stage.outs.some((o) => o.checkpoint)
}

/** A callback stage: a command with no deps and no outs; it always runs. */
export function isCallback(stage: Stage): boolean {
  return stage.cmd !== undefined && stage.deps.length === 0 && stage.params.length === 0 && stage.outs.length === 0
}

export function sameCmd(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

export interface StatusOptions {
  /** Stop at the first reason (repro); `status` wants them all. */
  firstOnly?: boolean
  allowMissing?: boolean
  /** Name paths relative to this directory (root-relative, '' = the root), as `dvc status` names them relative to the cwd; default: as written in the stage. */
  shownFrom?: string
}

export async function stageStatus(ws: StatusSource, stage: Stage, lock: LockEntry | undefined, options: StatusOptions = {}): Promise<StageStatus> {
  const status: StageStatus = { changedCommand: false, alwaysChanged: false, changedDeps: {}, changedOuts: {} }
  const done = () => options.firstOnly && isChanged(status)
  const { shownFrom } = options
  const shown = (path: string, asWritten: string) => (shownFrom === undefined ? asWritten : posix.relative(shownFrom, path) || '.')

  if (stage.kind === 'pipeline' && lock && !sameCmd(lock.cmd, stage.cmd)) status.changedCommand = true
  if (done()) return status

  if (!stage.frozen) {
    if (stage.alwaysChanged || isCallback(stage) || hasCheckpointOuts(stage)) status.alwaysChanged = true
    if (done()) return status
    const lockDeps = byPath(lock?.deps)
    for (const dep of stage.deps) {
      if (dep.repo) continue // imports are re-fetched by `dvc update`, not checked here
      const st = await pathStatus(ws, dep.path, lockDeps.get(dep.pathAsWritten), false)
      if (st && !(options.allowMissing && st === 'deleted')) status.changedDeps[shown(dep.path, dep.pathAsWritten)] = st
      if (done()) return status
    }
    for (const p of stage.params) {
      const st = await ws.paramsStatus(p, lock?.params?.[p.fileAsWritten])
      if (st) status.changedDeps[shown(p.file, p.fileAsWritten)] = st
      if (done()) return status
    }
  }

  const lockOuts = byPath(lock?.outs)
  for (const out of stage.outs) {
    if (out.checkpoint && !(await ws.exists(out.path))) continue // may be missing before the first run
    const st = await pathStatus(ws, out.path, lockOuts.get(out.pathAsWritten), out.cache)
    if (st && !(options.allowMissing && st === 'not in cache')) status.changedOuts[shown(out.path, out.pathAsWritten)] = st
    if (done()) return status
  }
  return status
}

function byPath(entries: LockPathEntry[] | undefined): Map<string, LockPathEntry> {
  return new Map((entries ?? []).map((e) => [e.path, e]))
}

/** A recorded entry is checked with the hash it names (DVC 3 `hash: md5` or legacy md5-dos2unix). */
async function pathStatus(ws: StatusSource, path: string, locked: LockPathEntry | undefined, cached: boolean): Promise<PathStatus | undefined> {
  const name = hashNameOf(locked)
  if (cached && locked?.md5 && !(await ws.hasObject(locked.md5, name))) return 'not in cache'
  if (!(await ws.exists(path))) return 'deleted'
  if (!locked?.md5) return 'modified'
  const info = await ws.hash(path, name)
  return info.md5 === locked.md5 ? undefined : 'modified'
}

/** Param-level status of one params dependency against its lock section. */
export function compareParams(
  current: Record<string, unknown> | undefined,
  locked: Record<string, unknown> | undefined,
  keys: string[] | null,
): Record<string, PathStatus> | PathStatus | undefined {
  if (current === undefined) return keys === null ? 'deleted' : undefined
  if (locked === undefined) return 'new'
  const result: Record<string, PathStatus> = {}
  const names = keys ?? [...new Set([...Object.keys(current), ...Object.keys(locked)])]
  for (const key of names) {
    const inCurrent = key in current
    const inLock = key in locked
    if (!inCurrent && inLock) result[key] = 'deleted'
    else if (inCurrent && !inLock) result[key] = 'new'
    else if (inCurrent && !pyEquals(current[key], locked[key])) result[key] = 'modified'
  }
  return Object.keys(result).length ? result : undefined
}
