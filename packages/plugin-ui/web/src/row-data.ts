/**
 * The params and metrics of one revision, for a row that arrives live (a new experiment
 * commit, a new queue entry): `/api/diff?a=<baseline>&b=<rev>&all=1` (`exp diff --all`)
 * holds every key of both sides, so its `new` side is the revision's values, file by file
 * (keys flattened, which `exp show`'s table flattens anyway). The diff sorts files and keys;
 * `exp show` orders its columns as the files hold them (first seen, row by row), so the new
 * row's files and keys are put in the order the table already has, new ones last. One small
 * request per new row: the table itself is never fetched again.
 */
import type { DiffResponse } from '../../src/api-types.js'
import { getJson } from './api.js'
import { flatten, isMapping, type DiffResult, type ExpFileEntry, type ExpRowData, type ExpShowData } from './core.js'
import { parseWire } from './wire.js'

/** Per kind (params, metrics): file → flattened keys, in the order `exp show` meets them. */
export type KeyOrder = Record<'params' | 'metrics', Map<string, string[]>>

export function keyOrder(data: ExpShowData): KeyOrder {
  const order: KeyOrder = { params: new Map(), metrics: new Map() }
  const seen = { params: new Map<string, Set<string>>(), metrics: new Map<string, Set<string>>() }
  for (const group of Object.values(data)) {
    for (const entry of Object.values(group)) {
      for (const kind of ['params', 'metrics'] as const) {
        for (const [file, content] of Object.entries(entry.data?.[kind] ?? {})) {
          if (!isMapping(content?.data)) continue
          let keys = order[kind].get(file)
          let known = seen[kind].get(file)
          if (!keys || !known) {
            order[kind].set(file, (keys = []))
            seen[kind].set(file, (known = new Set()))
          }
          for (const key of Object.keys(flatten(content.data))) {
            if (!known.has(key)) {
              known.add(key)
              keys.push(key)
            }
          }
        }
      }
    }
  }
  return order
}

function rank<T>(items: T[], known: readonly T[] | undefined): T[] {
  if (!known) return items
  const position = new Map(known.map((item, i) => [item, i]))
  const at = (item: T): number => position.get(item) ?? known.length
  return items.map((item, i) => ({ item, i })).sort((a, b) => at(a.item) - at(b.item) || a.i - b.i).map(({ item }) => item)
}

function newSide(result: DiffResult | undefined, order: Map<string, string[]>): Record<string, ExpFileEntry> {
  const files: Record<string, ExpFileEntry> = {}
  const changed = result ?? {}
  for (const file of rank(Object.keys(changed), [...order.keys()])) {
    const changes = changed[file]
    const data: Record<string, unknown> = {}
    for (const key of rank(Object.keys(changes), order.get(file))) {
      const value = changes[key].new
      if (value !== null && value !== undefined) data[key] = value
    }
    if (Object.keys(data).length > 0) files[file] = { data }
  }
  return files
}

/** Python's `datetime.fromtimestamp` text of a time: local, naive, to the second. */
export function localIsoTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

export async function rowData(baseline: string, rev: string, timestamp: Date, order: KeyOrder): Promise<ExpRowData> {
  const diff = await getJson<DiffResponse>(`/api/diff?a=${encodeURIComponent(baseline)}&b=${encodeURIComponent(rev)}&all=1`, parseWire)
  const result = diff as { metrics?: DiffResult; params?: DiffResult }
  return {
    timestamp: localIsoTime(timestamp),
    params: newSide(result.params, order.params),
    metrics: newSide(result.metrics, order.metrics),
    queued: false,
    running: false,
    executor: null,
  }
}
