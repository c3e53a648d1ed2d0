/**
 * The params and metrics of one revision, for a row that arrives live (a new experiment
 * commit, a new queue entry): `/api/diff?a=<baseline>&b=<rev>&all=1` (`exp diff --all`)
 * holds every key of both sides, so its `new` side is the revision's values, file by file
 * (keys flattened, which `exp show`'s table flattens anyway). One small request per new row:
 * the table itself is never fetched again.
 */
import type { DiffResponse } from '../../src/api-types.js'
import { getJson } from './api.js'
import type { DiffResult, ExpFileEntry, ExpRowData } from './core.js'
import { parseWire } from './wire.js'

function newSide(result: DiffResult | undefined): Record<string, ExpFileEntry> {
  const files: Record<string, ExpFileEntry> = {}
  for (const [file, changes] of Object.entries(result ?? {})) {
    const data: Record<string, unknown> = {}
    for (const [key, change] of Object.entries(changes)) if (change.new !== null && change.new !== undefined) data[key] = change.new
    if (Object.keys(data).length > 0) files[file] = { data }
  }
  return files
}

/** Python's `datetime.fromtimestamp` text of a time: local, naive, to the second. */
export function localIsoTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

export async function rowData(baseline: string, rev: string, timestamp: Date): Promise<ExpRowData> {
  const diff = await getJson<DiffResponse>(`/api/diff?a=${encodeURIComponent(baseline)}&b=${encodeURIComponent(rev)}&all=1`, parseWire)
  const result = diff as { metrics?: DiffResult; params?: DiffResult }
  return {
    timestamp: localIsoTime(timestamp),
    params: newSide(result.params),
    metrics: newSide(result.metrics),
    queued: false,
    running: false,
    executor: null,
  }
}
