/**
 * `exp show` rendering (§9.3–9.5), a pure function of the `--json` data model
 * (show-data.ts); the columns come from column-names.ts, the row order from
 * row-sort.ts, the Created cells from created-time.ts.
 *
 * Internal columns (kept separately in CSV): Experiment, rev, typ, Created, parent, State,
 * Executor, then metrics then params (files and keys in first-seen order). State/Executor are
 * dropped when entirely empty; Created with `noTimestamp`. In table/md output rev, typ and
 * parent merge into the Experiment cell with the tree glyphs. A metric/param column is titled
 * with its bare key when that key is unique across all files and is not a built-in header
 * name, else `<file>:<key>`. Floats: `format(x, '.5g')` in table/md; in CSV full precision
 * unless `precision` is given (DVC honours `--precision` only with `--csv`). Fill values:
 * `-` (CSV: empty), `!` for values of a file (or a row) that failed to load.
 *
 * Table output is tabulate-style `plain` with metric columns right-aligned; md is a GitHub
 * table (all left-aligned, as DVC's tabulate call); CSV follows Python's csv module.
 */
import { renderTable, type ColumnAlign } from '../../render/table.js'
import { formatField } from '../../util/py-format.js'
import { flatten, isMapping } from '../../metrics/flatten.js'
import { collectNames, filterNames, parseFilterList, restrictToDeps } from './column-names.js'
import { formatTime } from './created-time.js'
import { sortColumn, sortExperiments } from './row-sort.js'
import type { ExpFileEntry, ExpShowData } from './show-data.js'

export type ExpShowFormat = 'table' | 'md' | 'csv'

export interface ExpShowOptions {
  /** Default `table`. */
  format?: ExpShowFormat
  /** `--sha`: ignore branch/tag/experiment names, show SHAs. */
  sha?: boolean
  /** `--no-timestamp`: drop the Created column. */
  noTimestamp?: boolean
  /** Repeatable option values; each a comma list of fnmatch globs, optionally `file:`-prefixed. */
  includeMetrics?: readonly string[]
  excludeMetrics?: readonly string[]
  includeParams?: readonly string[]
  excludeParams?: readonly string[]
  /** `--only-changed` (2.9+): drop metric/param columns with a single distinct value. */
  onlyChanged?: boolean
  /** `--sort-by [file:]key`. */
  sortBy?: string
  sortOrder?: 'asc' | 'desc'
  /** `--precision`: only used for CSV (DVC quirk); table/md always use 5 significant digits. */
  precision?: number
  /** The current time, to decide whether Created shows a time (today) or a date. */
  now?: Date
  /**
   * `--param-deps`: params file → keys that are stage dependencies (an empty list means the
   * whole file). Params columns outside these are hidden.
   */
  paramDeps?: Record<string, readonly string[]>
}

const BUILTIN_HEADERS = ['Experiment', 'rev', 'typ', 'Created', 'parent', 'State', 'Executor'] as const
const FILL_VALUE = '-'
const FILL_VALUE_ERRORED = '!'
const DEFAULT_PRECISION = 5

export type ExperimentType =
  | 'baseline'
  | 'branch_commit'
  | 'branch_base'
  | 'checkpoint_tip'
  | 'checkpoint_commit'
  | 'checkpoint_base'

export const TREE_GLYPHS: Record<ExperimentType, string> = {
  checkpoint_tip: '│ ╓',
  checkpoint_commit: '│ ╟',
  checkpoint_base: '├─╨',
  branch_commit: '├──',
  branch_base: '└──',
  baseline: '',
}

export interface ExpShowTable {
  headers: string[]
  rows: string[][]
  /** Alignment per column (metrics right). */
  align: ColumnAlign[]
  /** Row kind per row (for styling). */
  types: ExperimentType[]
}

/** The complete stdout text of `exp show` (non-JSON formats). */
export function renderExpShow(data: ExpShowData, options: ExpShowOptions = {}): string {
  const format = options.format ?? 'table'
  const table = expShowTable(data, options)
  if (format === 'csv') return renderTable(table.headers, table.rows, { format: 'csv' })
  if (format === 'md') return renderTable(table.headers, table.rows, { format: 'github' })
  return renderTable(table.headers, table.rows, { format: 'plain', align: table.align })
}

/** Headers, formatted rows and column alignment of the `exp show` table. */
export function expShowTable(data: ExpShowData, options: ExpShowOptions = {}): ExpShowTable {
  const csv = options.format === 'csv'
  const fill = csv ? '' : FILL_VALUE
  const precision = csv ? options.precision || null : DEFAULT_PRECISION

  let { metricNames, paramNames } = collectNames(data)
  if (options.paramDeps) paramNames = restrictToDeps(paramNames, options.paramDeps)
  metricNames = filterNames(
    metricNames,
    'metrics',
    parseFilterList(options.includeMetrics),
    parseFilterList(options.excludeMetrics),
  )
  paramNames = filterNames(paramNames, 'params', parseFilterList(options.includeParams), parseFilterList(options.excludeParams))

  const counter = new Map<string, number>()
  for (const names of [metricNames, paramNames]) {
    for (const keys of names.values()) for (const key of keys) counter.set(key, (counter.get(key) ?? 0) + 1)
  }
  for (const header of BUILTIN_HEADERS) counter.set(header, (counter.get(header) ?? 0) + 1)
  const headerOf = (path: string, key: string): string => (counter.get(key) === 1 ? key : `${path}:${key}`)
  const metricColumns = [...metricNames].flatMap(([path, keys]) => keys.map((key) => ({ path, key, title: headerOf(path, key) })))
  const paramColumns = [...paramNames].flatMap(([path, keys]) => keys.map((key) => ({ path, key, title: headerOf(path, key) })))

  const sort = options.sortBy ? sortColumn(options.sortBy, metricNames, paramNames) : undefined
  const now = options.now ?? new Date()

  // internal rows: Experiment, rev, typ, Created, parent, State, Executor, metrics…, params…
  const rows: string[][] = []
  const types: ExperimentType[] = []
  for (const [baseRev, group] of Object.entries(data)) {
    const entries = sort ? sortExperiments(group, sort, options.sortOrder === 'desc') : Object.entries(group)
    const byRev = new Map(entries)
    let newCheckpoint = true
    entries.forEach(([rev, entry], i) => {
      const exp = entry.data ?? {}
      const state = exp.running ? 'Running' : exp.failed ? 'Failed' : exp.queued ? 'Queued' : fill
      const executor = exp.executor ?? fill
      const isBaseline = rev === 'baseline'
      const nameRev = isBaseline ? (isSha(baseRev) ? baseRev.slice(0, 7) : baseRev) : rev.slice(0, 7)
      const expName = options.sha ? '' : (exp.name ?? '')
      const tip = exp.checkpoint_tip ?? undefined
      const parentRev = exp.checkpoint_parent ?? ''
      const parentTip = byRev.get(parentRev)?.data?.checkpoint_tip ?? undefined

      let parent = ''
      let typ: ExperimentType
      if (isBaseline) typ = 'baseline'
      else if (tip) {
        if (tip === parentTip) typ = newCheckpoint ? 'checkpoint_tip' : 'checkpoint_commit'
        else if (parentRev === baseRev) typ = 'checkpoint_base'
        else {
          typ = 'checkpoint_commit'
          parent = parentRev.slice(0, 7)
        }
      } else typ = i < entries.length - 1 ? 'branch_commit' : 'branch_base'
      if (!isBaseline) newCheckpoint = !(tip && tip === parentTip)

      const rowFill = entry.error !== undefined ? FILL_VALUE_ERRORED : fill
      const cell = (files: Record<string, ExpFileEntry> | undefined, path: string, key: string): string => {
        const file = files?.[path]
        const fileFill = file?.error !== undefined ? FILL_VALUE_ERRORED : rowFill
        const content = file?.data
        const value = isMapping(content) ? flatten(content)[key] : undefined
        if (value === undefined || value === null) return fileFill
        return formatField(value, precision, 'significant')
      }
      rows.push([
        expName,
        nameRev,
        typ,
        formatTime(exp.timestamp, fill, csv, now),
        parent,
        state,
        executor,
        ...metricColumns.map(({ path, key }) => cell(exp.metrics, path, key)),
        ...paramColumns.map(({ path, key }) => cell(exp.params, path, key)),
      ])
      types.push(typ)
    })
  }

  // column selection
  const builtin = [...BUILTIN_HEADERS] as string[]
  const headers = [...builtin, ...metricColumns.map((c) => c.title), ...paramColumns.map((c) => c.title)]
  const kinds: Array<'builtin' | 'metric' | 'param'> = [
    ...builtin.map(() => 'builtin' as const),
    ...metricColumns.map(() => 'metric' as const),
    ...paramColumns.map(() => 'param' as const),
  ]
  const column = (i: number): string[] => rows.map((row) => row[i])
  const drop = new Set<number>()
  if (options.noTimestamp) drop.add(builtin.indexOf('Created'))
  for (const name of ['State', 'Executor']) {
    const i = builtin.indexOf(name)
    if (column(i).every((value) => value === fill)) drop.add(i)
  }
  if (options.onlyChanged) {
    headers.forEach((_, i) => {
      if (kinds[i] === 'builtin') return
      const distinct = new Set(column(i).filter((value) => value !== fill))
      if (distinct.size === 1) drop.add(i)
    })
  }

  let outRows = rows
  if (!csv) {
    const [iName, iRev, iTyp, iParent] = ['Experiment', 'rev', 'typ', 'parent'].map((h) => builtin.indexOf(h))
    outRows = rows.map((row, r) => {
      const copy = [...row]
      copy[iName] = experimentCell(row[iName], row[iRev], types[r], row[iParent])
      return copy
    })
    for (const i of [iRev, iTyp, iParent]) drop.add(i)
  }
  const keep = headers.map((_, i) => i).filter((i) => !drop.has(i))
  return {
    headers: keep.map((i) => headers[i]),
    rows: outRows.map((row) => keep.map((i) => row[i])),
    align: keep.map((i) => (kinds[i] === 'metric' ? 'right' : 'left')),
    types,
  }
}

/** DVC's `prepare_exp_id`: `workspace`, `master`, `├── 1a2b3c4 [exp-name]`, `│ ╟ 1a2b3c4 (9f8e7d6)`. */
function experimentCell(name: string, rev: string, typ: ExperimentType, parent: string): string {
  let text = typ === 'baseline' || !name ? name || rev : `${rev} [${name}]`
  if (parent) text += ` (${parent})`
  const tree = TREE_GLYPHS[typ]
  return tree ? `${tree} ${text}` : text
}

function isSha(rev: string): boolean {
  return /^[0-9a-f]{40}$/.test(rev)
}
