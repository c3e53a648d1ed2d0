/**
 * Dotted parameter keys (`train.lr`, `lists.0`) with DVC's `dpath` semantics, and the
 * `params` section of a lock entry for one params dependency.
 */
import { join } from 'node:path'
import { TrellisError } from '../errors.js'
import type { ParamsDep } from '../pipeline/types.js'
import { pyEquals } from '../util/python-json.js'
import { readParamsFileIfExists } from './params-file.js'

export interface KeyLookup {
  found: boolean
  value?: unknown
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Look up a dotted key: split on `.`, descend maps by key and lists by integer index.
 * A key containing a literal dot cannot be addressed (as in DVC).
 */
export function getKeyPath(data: unknown, key: string): KeyLookup {
  let current: unknown = data
  for (const segment of key.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return { found: false }
      const index = Number(segment)
      if (index >= current.length) return { found: false }
      current = current[index]
    } else if (isMapping(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return { found: false }
      current = current[segment]
    } else {
      return { found: false }
    }
  }
  return { found: true, value: current }
}

/** Alias of `getKeyPath`. */
export const lookupKey = getKeyPath

/** The top-level keys and values of a params file (whole-file tracking); `{}` if it is not a map. */
export function topLevelParams(data: unknown): Record<string, unknown> {
  return isMapping(data) ? { ...data } : {}
}

/**
 * The values of a params dependency that are present in `data` (DVC's `read_params`):
 * the listed keys that exist, or all top-level keys when the whole file is tracked.
 */
export function lookupParams(dep: ParamsDep, data: unknown): Record<string, unknown> {
  if (dep.keys === null) return topLevelParams(data)
  const result: Record<string, unknown> = {}
  for (const key of dep.keys) {
    const lookup = getKeyPath(data, key)
    if (lookup.found) {
      Object.defineProperty(result, key, { value: lookup.value, enumerable: true, writable: true, configurable: true })
    }
  }
  return result
}

/**
 * The values DVC records in dvc.lock for a params dependency: the listed keys (in the
 * order given), or every top-level key when the whole file is tracked. Keys missing from
 * the file → PARAMS_INVALID `Parameters 'a, b' are missing from 'params.yaml'.`
 */
export function collectLockParams(dep: ParamsDep, data: unknown, displayPath = dep.file): Record<string, unknown> {
  const result = lookupParams(dep, data)
  const missing = dep.keys === null ? [] : [...new Set(dep.keys.filter((key) => !Object.prototype.hasOwnProperty.call(result, key)))]
  if (missing.length) {
    throw new TrellisError('PARAMS_INVALID', `Parameters '${missing.join(', ')}' are missing from '${displayPath}'.`, {
      hint: `Add ${missing.length === 1 ? 'it' : 'them'} to '${displayPath}' or remove ${missing.length === 1 ? 'it' : 'them'} from the stage's params in dvc.yaml.`,
    })
  }
  return result
}

/**
 * Read a params dependency's file (relative to the repo `root`) and collect its lock values.
 * A missing file → MISSING_DEPENDENCY `dependency 'params.yaml' does not exist`.
 */
export async function readParamsDep(root: string, dep: ParamsDep): Promise<Record<string, unknown>> {
  const data = await readParamsFileIfExists(join(root, dep.file), dep.file)
  if (data === undefined) {
    throw new TrellisError('MISSING_DEPENDENCY', `dependency '${dep.file}' does not exist`, {
      hint: `Create '${dep.file}' or remove it from the stage's params in dvc.yaml.`,
    })
  }
  return collectLockParams(dep, data)
}

export type ParamStatus = 'deleted' | 'new' | 'modified'

/**
 * DVC's `ParamsDependency.workspace_status`: `'deleted'` when the file is missing
 * (`current === undefined`), `'new'` when the lock has no entry for the file
 * (`locked === undefined`), otherwise per-key statuses (empty = unchanged); `current` is
 * `lookupParams(dep, fileData)` (present keys only). Values are
 * compared with Python equality (`1 == 1.0`, a tuple read from `.py` equals a list).
 */
export function paramsDepStatus(
  dep: ParamsDep,
  current: Record<string, unknown> | undefined,
  locked: Record<string, unknown> | undefined,
): ParamStatus | Record<string, ParamStatus> {
  if (current === undefined) return 'deleted'
  if (locked === undefined) return 'new'
  const keys = dep.keys ?? [...new Set([...Object.keys(current), ...Object.keys(locked)])]
  const status: Record<string, ParamStatus> = {}
  for (const key of keys) {
    const has = (obj: Record<string, unknown>) => Object.prototype.hasOwnProperty.call(obj, key)
    if (!has(current)) status[key] = 'deleted'
    else if (!has(locked)) status[key] = 'new'
    else if (!pyEquals(current[key], locked[key])) status[key] = 'modified'
  }
  return status
}
