/**
 * A revision's params and metrics as the commands print them: paths relative to the
 * current directory (as DVC prints them), and with `--param-deps` only the params keys
 * that stages depend on. Never modifies the {@link RevData} it is given (cached data is
 * shared between revisions).
 */
import { join, relative, sep } from 'node:path'
import { isMapping } from '../../metrics/flatten.js'
import { getKeyPath } from '../../params/key-path.js'
import type { FileEntry, RevData } from './rev-data.js'

export interface RevViewOptions {
  /** Absolute DVC root and the directory paths are shown relative to. */
  root: string
  cwd: string
  /** Only the params keys stages depend on (`--param-deps`). */
  paramDeps?: boolean
}

/** A DVC-root-relative path as shown from `cwd`. */
export function displayPath(path: string, options: Pick<RevViewOptions, 'root' | 'cwd'>): string {
  if (options.root === options.cwd) return path
  return relative(options.cwd, join(options.root, path)).split(sep).join('/')
}

export function viewMetrics(data: RevData, options: RevViewOptions): Record<string, FileEntry> {
  const out: Record<string, FileEntry> = {}
  for (const [path, entry] of Object.entries(data.metrics)) out[displayPath(path, options)] = entry
  return out
}

/**
 * Whole params files then the vars files they do not cover (DVC's `_collect_vars`: values
 * by dotted key); with `paramDeps`, the dependency files instead, reduced to the keys
 * depended on (a whole-file dependency keeps the whole file).
 */
export function viewParams(data: RevData, options: RevViewOptions): Record<string, FileEntry> {
  const byPath: Record<string, FileEntry> = {}
  if (options.paramDeps) {
    for (const [path, keys] of Object.entries(data.paramDeps)) {
      const entry = data.params[path]
      if (!entry) continue
      byPath[path] = keys === null || entry.error !== undefined ? entry : { data: selectKeys(entry.data, keys) }
    }
  } else {
    Object.assign(byPath, data.params)
  }
  for (const [path, values] of Object.entries(data.vars)) {
    if (!(path in byPath) && Object.keys(values).length > 0) byPath[path] = { data: values }
  }
  const out: Record<string, FileEntry> = {}
  for (const [path, entry] of Object.entries(byPath)) out[displayPath(path, options)] = entry
  return out
}

/** The nested map holding only `keys` (dotted, as in dvc.yaml) of `data`. */
export function selectKeys(data: unknown, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    const found = getKeyPath(data, key)
    if (!found.found) continue
    const parts = key.split('.')
    let node = out
    for (const part of parts.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined
      if (!isMapping(next)) Object.defineProperty(node, part, { value: {}, enumerable: true, writable: true, configurable: true })
      node = node[part] as Record<string, unknown>
    }
    Object.defineProperty(node, parts[parts.length - 1], { value: found.value, enumerable: true, writable: true, configurable: true })
  }
  return out
}
