/**
 * `exp show` rendering (§9.3–9.5), a pure function of the `--json` data model (§9.1):
 *
 *   { workspace: { baseline: { data } },
 *     <baseline sha>: { baseline: { data }, <exp sha>: { data }, … }, … }
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
import { TrellisError } from '../../errors.js'
import { flatten, isMapping } from '../../metrics/flatten.js'
import { renderTable, type ColumnAlign } from '../../render/table.js'
import { formatField } from '../../util/py-format.js'
import { compareCodePoints, PyFloat } from '../../util/python-json.js'

export interface ExpFileEntry {
  data?: unknown
  error?: unknown
}

export interface ExpRowData {
  /** Commit time, local naive ISO (`YYYY-MM-DDTHH:MM:SS`); null for the workspace. */
  timestamp?: string | Date | null
  params?: Record<string, ExpFileEntry>
  metrics?: Record<string, ExpFileEntry>
  queued?: boolean
  running?: boolean
  /** Trellis: a queued entry whose run failed (it stays queued, with its log). */
  failed?: boolean
  executor?: string | null
  name?: string | null
  checkpoint_tip?: string | null
  checkpoint_parent?: string | null
}

export interface ExpEntry {
  data?: ExpRowData
  error?: unknown
}

/** `{<baseline rev | 'workspace'>: {baseline: …, <exp sha>: …}}` in display order. */
export type ExpShowData = Record<string, Record<string, ExpEntry>>

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

type Names = Map<string, string[]> // file → keys (ordered, unique)

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

// ---------------------------------------------------------------------------------------
// Names and filters

function collectNames(data: ExpShowData): { metricNames: Names; paramNames: Names } {
  const metricNames: Names = new Map()
  const paramNames: Names = new Map()
  const update = (names: Names, files: Record<string, ExpFileEntry> | undefined): void => {
    for (const [path, file] of Object.entries(files ?? {})) {
      const content = file?.error !== undefined || file?.data === undefined ? {} : file.data
      if (!isMapping(content)) continue
      const keys = names.get(path) ?? []
      names.set(path, keys)
      for (const key of Object.keys(flatten(content))) if (!keys.includes(key)) keys.push(key)
    }
  }
  for (const group of Object.values(data)) {
    for (const entry of Object.values(group)) {
      update(metricNames, entry.data?.metrics)
      update(paramNames, entry.data?.params)
    }
  }
  return { metricNames, paramNames }
}

function restrictToDeps(names: Names, deps: Record<string, readonly string[]>): Names {
  const out: Names = new Map()
  for (const [path, keys] of names) {
    const wanted = deps[path]
    if (!wanted) continue
    out.set(
      path,
      wanted.length === 0 ? keys : keys.filter((key) => wanted.some((dep) => key === dep || key.startsWith(`${dep}.`))),
    )
  }
  return out
}

/** `_parse_filter_list`: `file:a,b` → `file:a`, `file:b`; `a,b` → `a`, `b`. */
function parseFilterList(values: readonly string[] | undefined): string[] {
  const out: string[] = []
  for (const value of values ?? []) {
    const { head, tail } = rpartition(value, ':')
    if (head) out.push(...tail.split(',').map((item) => `${head}:${item}`))
    else out.push(...tail.split(','))
  }
  return out
}

function rpartition(text: string, sep: string): { head: string; tail: string } {
  const i = text.lastIndexOf(sep)
  return i < 0 ? { head: '', tail: text } : { head: text.slice(0, i), tail: text.slice(i + sep.length) }
}

function filterNames(names: Names, label: 'metrics' | 'params', include: string[], exclude: string[]): Names {
  if (include.length > 0 && exclude.length > 0) {
    const both = [...new Set(include)].filter((value) => exclude.includes(value))
    if (both.length > 0) {
      throw new TrellisError(
        'INVALID_ARGUMENT',
        `'${both.join(', ')}' specified in both --include-${label} and --exclude-${label}`,
      )
    }
  }
  let result: Names = names
  if (include.length > 0) result = matchFilters(names, label, include)
  if (exclude.length > 0) {
    const remove = matchFilters(names, label, exclude)
    const out: Names = new Map()
    for (const [path, keys] of result) {
      const gone = remove.get(path) ?? []
      out.set(path, keys.filter((key) => !gone.includes(key)))
    }
    result = out
  }
  return result
}

/** DVC's `_filter_name`: every pattern must match in every file it applies to. */
function matchFilters(names: Names, label: string, filters: string[]): Names {
  const byPath = new Map<string, string[]>()
  for (const filter of filters) {
    const { head, tail } = rpartition(filter, ':')
    byPath.set(head, [...(byPath.get(head) ?? []), tail])
  }
  const out: Names = new Map()
  for (const [path, patterns] of byPath) {
    const paths = path ? [path] : [...names.keys()]
    for (const matchPath of paths) {
      const keys = names.get(matchPath) ?? []
      for (const pattern of patterns) {
        const regex = fnmatchRegex(pattern)
        const matches = keys.filter((key) => regex.test(key))
        if (matches.length === 0) {
          throw new TrellisError('INVALID_ARGUMENT', `'${pattern}' does not match any known ${label}`, {
            hint: `Known ${label}${path ? ` in '${matchPath}'` : ''}: ${[...new Set(path ? keys : [...names.values()].flat())].join(', ') || '(none)'}`,
          })
        }
        const list = out.get(matchPath) ?? []
        out.set(matchPath, list)
        for (const match of matches) if (!list.includes(match)) list.push(match)
      }
    }
  }
  return out
}

/** Python `fnmatch.translate` (POSIX: case-sensitive). */
export function fnmatchRegex(pattern: string): RegExp {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '*') out += '.*'
    else if (ch === '?') out += '.'
    else if (ch === '[') {
      let j = i + 1
      if (pattern[j] === '!') j++
      if (pattern[j] === ']') j++
      while (j < pattern.length && pattern[j] !== ']') j++
      if (j >= pattern.length) out += '\\['
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\')
        if (body.startsWith('!')) body = `^${body.slice(1)}`
        else if (body.startsWith('^')) body = `\\${body}`
        out += `[${body}]`
        i = j
      }
    } else out += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
  }
  return new RegExp(`^(?:${out})$`, 's')
}

// ---------------------------------------------------------------------------------------
// Sorting

interface SortSpec {
  path: string
  key: string
  type: 'metrics' | 'params'
}

function sortColumn(sortBy: string, metricNames: Names, paramNames: Names): SortSpec {
  const { head: path, tail: key } = rpartition(sortBy, ':')
  const matches: SortSpec[] = []
  const consider = (names: Names, type: SortSpec['type']): void => {
    for (const [file, keys] of names) {
      if ((path === '' || file === path) && keys.includes(key)) matches.push({ path: file, key, type })
    }
  }
  consider(metricNames, 'metrics')
  consider(paramNames, 'params')
  if (matches.length === 1) return matches[0]
  if (matches.length > 1) {
    throw new TrellisError(
      'INVALID_ARGUMENT',
      `Ambiguous sort column '${sortBy}' matched '${matches.map((m) => `${m.path}:${m.key}`).join(', ')}'`,
      { hint: 'Prefix the column with its file, e.g. --sort-by params.yaml:foo' },
    )
  }
  throw new TrellisError('INVALID_ARGUMENT', `Unknown sort column '${sortBy}'`)
}

/** DVC's `_sort_exp`: baseline first; others by value (checkpoints by their tip), missing last. */
function sortExperiments(group: Record<string, ExpEntry>, sort: SortSpec, reverse: boolean): Array<[string, ExpEntry]> {
  const entries = Object.entries(group)
  const baseline = entries.filter(([rev]) => rev === 'baseline')
  const rest = entries.filter(([rev]) => rev !== 'baseline')
  const valueOf = (rev: string, entry: ExpEntry, depth = 0): unknown => {
    const tip = entry.data?.checkpoint_tip
    if (tip && tip !== rev && group[tip] && depth < 1) return valueOf(tip, group[tip], depth + 1)
    const content = entry.data?.[sort.type]?.[sort.path]?.data
    return isMapping(content) ? flatten(content)[sort.key] : undefined
  }
  const keyed = rest.map(([rev, entry]) => ({ rev, entry, value: valueOf(rev, entry) }))
  keyed.sort((a, b) => (reverse ? -1 : 1) * compareSortValues(a.value, b.value))
  return [...baseline, ...keyed.map(({ rev, entry }): [string, ExpEntry] => [rev, entry])]
}

function compareSortValues(a: unknown, b: unknown): number {
  const aNone = a === undefined || a === null
  const bNone = b === undefined || b === null
  if (aNone || bNone) return aNone === bNone ? 0 : aNone ? 1 : -1
  const num = (v: unknown): number | undefined =>
    v instanceof PyFloat ? v.value : typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : typeof v === 'bigint' ? Number(v) : undefined
  const na = num(a)
  const nb = num(b)
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0
  if (na !== undefined) return -1
  if (nb !== undefined) return 1
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b)
  return 0
}

// ---------------------------------------------------------------------------------------
// Created

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `HH:MM AM/PM` today, `Mon DD, YYYY` otherwise; ISO for CSV; fill when absent. */
export function formatTime(timestamp: string | Date | null | undefined, fill: string, iso: boolean, now: Date): string {
  if (timestamp === null || timestamp === undefined || timestamp === '') return fill
  const parts = timestampParts(timestamp)
  if (!parts) return String(timestamp)
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (iso) {
    return typeof timestamp === 'string'
      ? timestamp
      : `${parts.year}-${pad(parts.month)}-${pad(parts.day)}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}`
  }
  const today = parts.year === now.getFullYear() && parts.month === now.getMonth() + 1 && parts.day === now.getDate()
  if (today) {
    const hour12 = parts.hour % 12 === 0 ? 12 : parts.hour % 12
    return `${pad(hour12)}:${pad(parts.minute)} ${parts.hour < 12 ? 'AM' : 'PM'}`
  }
  return `${MONTHS[parts.month - 1]} ${pad(parts.day)}, ${parts.year}`
}

function timestampParts(
  timestamp: string | Date,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } | undefined {
  if (timestamp instanceof Date) {
    return {
      year: timestamp.getFullYear(),
      month: timestamp.getMonth() + 1,
      day: timestamp.getDate(),
      hour: timestamp.getHours(),
      minute: timestamp.getMinutes(),
      second: timestamp.getSeconds(),
    }
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(timestamp)
  if (!match) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match
  return { year: +y, month: +mo, day: +d, hour: +h, minute: +mi, second: +s }
}
