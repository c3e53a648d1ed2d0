/**
 * Speed for 1,000 experiments: `exp show`'s table formats every cell with core's
 * `formatField(value, 5, 'significant')` (exact Python `format(x, '.5g')`, costly) and
 * flattens every file per cell, on every sort or filter change. Each row's params and metrics
 * are therefore flattened and formatted once (kept per row object, so a live patch only
 * prepares the new rows), with the same core function; core's table function then meets
 * strings, which it prints as they are, and gives the same cells. Only the sort column keeps
 * its raw values (sorting compares numbers), and core formats those itself.
 */
import { flatten, formatField, isMapping, type ExpEntry, type ExpFileEntry } from './core.js'

type Files = Record<string, ExpFileEntry>

interface Prepared {
  raw: { params: Files; metrics: Files }
  formatted: { params: Files; metrics: Files }
}

const cache = new WeakMap<ExpEntry, Prepared>()

const EXP_SHOW_PRECISION = 5

function prepareFiles(files: Files | undefined, format: boolean): Files {
  const out: Files = {}
  for (const [path, file] of Object.entries(files ?? {})) {
    if (file?.error !== undefined || !isMapping(file?.data)) {
      out[path] = file
      continue
    }
    const flat = flatten(file.data)
    if (format) for (const key of Object.keys(flat)) flat[key] = flat[key] === null || flat[key] === undefined ? flat[key] : formatField(flat[key], EXP_SHOW_PRECISION, 'significant')
    out[path] = { ...file, data: flat }
  }
  return out
}

function prepared(entry: ExpEntry): Prepared {
  let p = cache.get(entry)
  if (!p) {
    const d = entry.data ?? {}
    p = {
      raw: { params: prepareFiles(d.params, false), metrics: prepareFiles(d.metrics, false) },
      formatted: { params: prepareFiles(d.params, true), metrics: prepareFiles(d.metrics, true) },
    }
    cache.set(entry, p)
  }
  return p
}

/** `[file:]key` as `exp show --sort-by` splits it. */
function sortTarget(sortBy: string | undefined): { path: string; key: string } | undefined {
  if (!sortBy) return undefined
  const i = sortBy.lastIndexOf(':')
  return i < 0 ? { path: '', key: sortBy } : { path: sortBy.slice(0, i), key: sortBy.slice(i + 1) }
}

function withRaw(formatted: Files, raw: Files, target: { path: string; key: string } | undefined): Files {
  if (!target) return formatted
  let out: Files | undefined
  for (const [path, file] of Object.entries(raw)) {
    if (target.path && path !== target.path) continue
    const data = file?.data
    if (!isMapping(data) || !(target.key in data)) continue
    out ??= { ...formatted }
    out[path] = { ...formatted[path], data: { ...(formatted[path]!.data as Record<string, unknown>), [target.key]: data[target.key] } }
  }
  return out ?? formatted
}

/** The entry with its params and metrics flattened and formatted, the sort column's values raw. */
export function preformatted(entry: ExpEntry, sortBy: string | undefined): ExpEntry {
  if (!entry.data) return entry
  const p = prepared(entry)
  const target = sortTarget(sortBy)
  return {
    ...entry,
    data: { ...entry.data, params: withRaw(p.formatted.params, p.raw.params, target), metrics: withRaw(p.formatted.metrics, p.raw.metrics, target) },
  }
}
