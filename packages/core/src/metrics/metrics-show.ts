/**
 * `metrics show` output (§d.3): the `--json` document and the table / `--md` table.
 *
 * Input: per revision (`workspace`, branch, tag or short SHA), per metrics file (path as
 * displayed, relative to the cwd), either `{data}` (what readMetricsFile returned) or
 * `{error}` (what it threw).
 *
 * Table (DVC `metrics_table`): columns `Revision` (only with `showRevision`, i.e. -a/-T/-A),
 * `Path`, then every flattened key of every file **sorted**; a bare scalar file fills the
 * column named `''`; lists print as their Python repr; missing cells `-`; floats are rounded
 * with Python `round(x, precision)` (default 5) and printed with Python `str`. An errored file
 * still gets its row (all `-`).
 */
import { renderJson, encodeError } from '../render/json.js'
import { renderTable } from '../render/table.js'
import { formatField } from '../util/py-format.js'
import { compareCodePoints } from '../util/python-json.js'
import { flattenDocument, isMapping, listsToRepr } from './flatten.js'

export interface MetricsFileResult {
  data?: unknown
  error?: unknown
}

/**
 * `{<rev>: {<path>: {data} | {error}}}` in display order. The DVC `--json` shape
 * `{<rev>: {data: {<path>: {data} | {error}}}}` is accepted too (detected per revision).
 */
export type MetricsShowData = Record<string, Record<string, MetricsFileResult>> | DvcMetricsShowJson

/** DVC's `metrics show --json` document. */
export type DvcMetricsShowJson = Record<string, { data?: Record<string, MetricsFileResult>; error?: unknown }>

export type MetricsShowFormat = 'table' | 'md' | 'json'

export interface MetricsShowOptions {
  /** Default `table`. */
  format?: MetricsShowFormat
  /** Decimal places for Python `round` (default 5; 0 means the default, like DVC's `or`). */
  precision?: number
  /** Add the `Revision` column (DVC does with -a/-T/-A). */
  showRevision?: boolean
  /** JSON indent (DVC indents only when writing to a terminal). */
  indent?: number
}

export const DEFAULT_PRECISION = 5

/** The per-revision files of either input shape. */
export function normalizeMetricsShowData(data: MetricsShowData): Record<string, Record<string, MetricsFileResult>> {
  const out: Record<string, Record<string, MetricsFileResult>> = {}
  for (const [rev, value] of Object.entries(data as Record<string, unknown>)) {
    out[rev] = isDvcRevision(value) ? ((value as { data?: Record<string, MetricsFileResult> }).data ?? {}) : (value as Record<string, MetricsFileResult>)
  }
  return out
}

const isFileResult = (v: unknown): boolean =>
  isMapping(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k === 'data' || k === 'error')

/** `{data: {<path>: {data}|{error}}}` or `{error}` (rev-level failure) — not a map of paths. */
function isDvcRevision(value: unknown): boolean {
  if (!isMapping(value)) return false
  const keys = Object.keys(value)
  if (keys.length === 1 && keys[0] === 'error' && !isFileResult(value.error)) return true
  if (keys.length !== 1 || keys[0] !== 'data' || !isMapping(value.data)) return false
  const files = Object.values(value.data)
  return files.length === 0 || files.every(isFileResult)
}

/** The `--json` document: `{<rev>: {"data": {<path>: {"data": …} | {"error": {type, msg}}}}}`. */
export function metricsShowJson(data: MetricsShowData): Record<string, { data: Record<string, unknown> }> {
  const out: Record<string, { data: Record<string, unknown> }> = {}
  for (const [rev, files] of Object.entries(normalizeMetricsShowData(data))) {
    const entries: Record<string, unknown> = {}
    for (const [path, result] of Object.entries(files)) {
      entries[path] = result.error !== undefined ? { error: encodeError(result.error) } : { data: result.data }
    }
    out[rev] = { data: entries }
  }
  return out
}

/** Headers and rows of the `metrics show` table (cells already formatted). */
export function metricsShowTable(
  data: MetricsShowData,
  options: Pick<MetricsShowOptions, 'precision' | 'showRevision'> = {},
): { headers: string[]; rows: string[][] } {
  const precision = options.precision || DEFAULT_PRECISION
  const keys: string[] = []
  const seen = new Set<string>()
  const records: Array<{ rev: string; path: string; values: Map<string, string> }> = []
  for (const [rev, files] of Object.entries(normalizeMetricsShowData(data))) {
    for (const [path, result] of Object.entries(files)) {
      const content = result.error !== undefined || result.data === undefined ? {} : result.data
      const values = new Map<string, string>()
      for (const [key, value] of Object.entries(flattenDocument(listsToRepr(content)))) {
        if (!seen.has(key)) {
          seen.add(key)
          keys.push(key)
        }
        values.set(key, formatField(value, precision, 'round'))
      }
      records.push({ rev, path, values })
    }
  }
  keys.sort(compareCodePoints)
  const headers = [...(options.showRevision ? ['Revision'] : []), 'Path', ...keys]
  const rows = records.map(({ rev, path, values }) => [
    ...(options.showRevision ? [rev] : []),
    path,
    ...keys.map((key) => values.get(key) ?? '-'),
  ])
  return { headers, rows }
}

/** The complete stdout text of `metrics show` in the chosen format. */
export function renderMetricsShow(data: MetricsShowData, options: MetricsShowOptions = {}): string {
  const format = options.format ?? 'table'
  if (format === 'json') return renderJson(metricsShowJson(data), { indent: options.indent })
  const { headers, rows } = metricsShowTable(data, options)
  return renderTable(headers, rows, { format: format === 'md' ? 'github' : 'plain' })
}
