/**
 * The comparison behind `metrics diff`, `params diff` and `exp diff` (§d.4, §10) — DVC's
 * `dvc.utils.diff.diff` — and its table (`dvc.compare.diff_table`).
 *
 * Per file path in the union of both sides: both documents are flattened to dotted keys
 * (lists first turned into their Python repr strings unless `listsAsRepr: false`); for each
 * key `{old, new}` plus `diff = new - old` when both are numbers (a Python bool is a number);
 * unchanged keys are omitted unless `all`. A key or a whole file missing on one side — or a
 * file that failed to parse there — gives `null` on that side. When one side is a map and the
 * other a bare scalar, the scalar side reads `"unable to parse"`. Two bare scalars compare
 * under the key `''`. Single-element lists (only left when `listsAsRepr` is false) compare
 * as their element. Output paths and keys are sorted (DVC iterates a set there).
 */
import { renderJson } from '../render/json.js'
import { renderTable, type Cell } from '../render/table.js'
import { formatField, type NumberFormatMode } from '../util/py-format.js'
import { compareCodePoints, PyFloat, pyEquals } from '../util/python-json.js'
import { flatten, isMapping, listsToRepr } from './flatten.js'
import { parsePyJson } from '../params/json.js'

export interface Change {
  old: unknown
  new: unknown
  diff?: unknown
}

/** `{<path>: {<flattened key>: {old, new, diff?}}}` */
export type DiffResult = Record<string, Record<string, Change>>

/**
 * One side of a comparison: path → parsed document, or `{error: Error}` / an `Error` when the
 * file could not be read (treated like a missing file).
 */
export type DiffSide = Record<string, unknown>

export interface ComputeDiffOptions {
  /** Keep unchanged keys too (`--all`). */
  all?: boolean
  /** Add `diff` for numeric pairs (default true; DVC does it for metrics, params and exp diff). */
  withDiff?: boolean
  /** Turn lists into Python repr strings first (DVC's `format_dict`; default true). */
  listsAsRepr?: boolean
}

/** An entry that stands for a file that failed to load. */
export function isErrorEntry(value: unknown): boolean {
  if (value instanceof Error) return true
  if (!isMapping(value)) return false
  const keys = Object.keys(value)
  if (keys.length !== 1 || keys[0] !== 'error') return false
  const error = value.error
  return error instanceof Error || (isMapping(error) && typeof error.type === 'string' && typeof error.msg === 'string')
}

export function computeDiff(oldSide: DiffSide, newSide: DiffSide, options: ComputeDiffOptions = {}): DiffResult {
  const paths = [...new Set([...Object.keys(oldSide), ...Object.keys(newSide)])].sort(compareCodePoints)
  const result: DiffResult = {}
  for (const path of paths) {
    const prepare = (side: DiffSide): unknown => {
      const entry = Object.prototype.hasOwnProperty.call(side, path) ? side[path] : undefined
      const data = entry === undefined || isErrorEntry(entry) ? {} : entry
      return parseRaw(options.listsAsRepr === false ? data : listsToRepr(data))
    }
    const fileDiff = diffDocuments(prepare(oldSide), prepare(newSide), options)
    if (Object.keys(fileDiff).length > 0) result[path] = fileDiff
  }
  return result
}

/** DVC's `_parse`: a string document is tried as JSON. */
function parseRaw(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  try {
    return parsePyJson(raw)
  } catch {
    return raw
  }
}

function diffDocuments(oldDoc: unknown, newDoc: unknown, options: ComputeDiffOptions): Record<string, Change> {
  const out: Record<string, Change> = {}
  if (isMapping(oldDoc) || isMapping(newDoc)) {
    const oldFlat = flattenSide(oldDoc)
    const newFlat = flattenSide(newDoc)
    const keys = [...new Set([...Object.keys(oldFlat.values), ...Object.keys(newFlat.values)])].sort(compareCodePoints)
    for (const key of keys) {
      const change = diffValues(oldFlat.get(key), newFlat.get(key), options)
      if (change) out[key] = change
    }
    return out
  }
  const change = diffValues(oldDoc, newDoc, options)
  if (change) out[''] = change
  return out
}

/** DVC's `_flatten`: falsy → every key `null`; a map → flattened; a scalar → "unable to parse". */
function flattenSide(doc: unknown): { values: Record<string, unknown>; get(key: string): unknown } {
  const fallback = pyFalsy(doc) ? null : isMapping(doc) ? null : 'unable to parse'
  const values = !pyFalsy(doc) && isMapping(doc) ? flatten(doc) : {}
  return {
    values,
    get: (key) => (Object.prototype.hasOwnProperty.call(values, key) ? values[key] : fallback),
  }
}

function diffValues(oldValue: unknown, newValue: unknown, options: ComputeDiffOptions): Change | undefined {
  if (Array.isArray(oldValue) && Array.isArray(newValue) && oldValue.length === 1 && newValue.length === 1) {
    return diffValues(oldValue[0], newValue[0], options)
  }
  const old = oldValue === undefined ? null : oldValue
  const neu = newValue === undefined ? null : newValue
  if (!options.all && pyEquals(old, neu)) return undefined
  const change: Change = { old, new: neu }
  if (options.withDiff !== false && isPyNumeric(old) && isPyNumeric(neu)) change.diff = pySubtract(neu, old)
  return change
}

/** Python int/float/bool. */
function isPyNumeric(value: unknown): value is number | boolean | PyFloat | bigint {
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value instanceof PyFloat
}

function isFloatValue(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === 'number' && !Number.isInteger(value))
}

function toNumber(value: number | boolean | PyFloat | bigint): number {
  if (value instanceof PyFloat) return value.value
  return Number(value)
}

/** Python `a - b`: float if either is a float (PyFloat when integral), else int. */
export function pySubtract(a: number | boolean | PyFloat | bigint, b: number | boolean | PyFloat | bigint): number | PyFloat | bigint {
  if (!isFloatValue(a) && !isFloatValue(b)) {
    if (typeof a === 'bigint' || typeof b === 'bigint') {
      const big = (v: number | boolean | PyFloat | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(toNumber(v)))
      return big(a) - big(b)
    }
    return toNumber(a) - toNumber(b)
  }
  const result = toNumber(a) - toNumber(b)
  return Number.isInteger(result) ? new PyFloat(result) : result
}

function pyFalsy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0 || value === 0n) return true
  if (value instanceof PyFloat) return value.value === 0
  if (Array.isArray(value)) return value.length === 0
  return isMapping(value) && Object.keys(value).length === 0
}

// ---------------------------------------------------------------------------------------
// Rendering

export type DiffFormat = 'table' | 'md' | 'json'

export interface RenderDiffOptions {
  /** Second column title. */
  kind: 'Metric' | 'Param'
  /** Old-value column title: the a_rev as given (default `HEAD`). */
  oldLabel?: string
  /** New-value column title: the b_rev as given (default `workspace`). */
  newLabel?: string
  /** Drop the `Path` column (`--no-path`). */
  noPath?: boolean
  /** Default `table`. */
  format?: DiffFormat
  /** Number precision; default 5 for metrics, none for params. 0/null disables formatting. */
  precision?: number | null
  /** `round` (metrics diff: decimals, default) or `significant` (exp diff: `.<p>g`). */
  numberFormat?: NumberFormatMode
  /** Show the `Change` column (default: metrics only; exp diff shows it for params too). */
  showChange?: boolean
  /** Change cell when there is no numeric diff (default `-`; exp diff: `diff not supported`). */
  onEmptyDiff?: string
  /** Show the old-value column (default true; false = DVC 2.8 `exp diff` without `--old`: one `Value` column). */
  showOld?: boolean
  /** JSON indent. */
  indent?: number
}

export const DIFF_NOT_SUPPORTED = 'diff not supported'

/** Headers and formatted rows of DVC's diff table. */
export function diffTable(result: DiffResult, options: RenderDiffOptions): { headers: string[]; rows: Cell[][] } {
  const precision = options.precision === undefined ? (options.kind === 'Metric' ? 5 : null) : options.precision
  const mode = options.numberFormat ?? 'round'
  const showChange = options.showChange ?? options.kind === 'Metric'
  const showOld = options.showOld ?? true
  const fmt = (value: unknown): string => formatField(value === null || value === undefined ? '-' : value, precision, mode)

  const headers = [
    ...(options.noPath ? [] : ['Path']),
    options.kind,
    ...(showOld ? [options.oldLabel || 'HEAD'] : []),
    showOld ? options.newLabel || 'workspace' : 'Value',
    ...(showChange ? ['Change'] : []),
  ]
  const rows: Cell[][] = []
  for (const [path, changes] of Object.entries(result)) {
    for (const key of Object.keys(changes).sort(compareCodePoints)) {
      const change = changes[key]
      const diff = 'diff' in change && change.diff !== undefined ? change.diff : options.onEmptyDiff
      rows.push([
        ...(options.noPath ? [] : [path]),
        key,
        ...(showOld ? [fmt(change.old)] : []),
        fmt(change.new),
        ...(showChange ? [fmt(diff)] : []),
      ])
    }
  }
  return { headers, rows }
}

/** The complete stdout text for one diff (`--json` prints the result as is). */
export function renderDiff(result: DiffResult, options: RenderDiffOptions): string {
  const format = options.format ?? 'table'
  if (format === 'json') return renderJson(result, { indent: options.indent })
  const { headers, rows } = diffTable(result, options)
  return renderTable(headers, rows, { format: format === 'md' ? 'github' : 'plain' })
}
