/**
 * `--sort-by` of `exp show`: which column it names, and DVC's `_sort_exp` order
 * (baseline first; the others by that value, checkpoints by their tip, missing last).
 */
import { TrellisError } from '../../errors.js'
import { flatten, isMapping } from '../../metrics/flatten.js'
import { compareCodePoints, PyFloat } from '../../util/python-json.js'
import { rpartition, type Names } from './column-names.js'
import type { ExpEntry } from './show-data.js'

export interface SortSpec {
  path: string
  key: string
  type: 'metrics' | 'params'
}

export function sortColumn(sortBy: string, metricNames: Names, paramNames: Names): SortSpec {
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
export function sortExperiments(group: Record<string, ExpEntry>, sort: SortSpec, reverse: boolean): Array<[string, ExpEntry]> {
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

