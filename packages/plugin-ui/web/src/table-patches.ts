/**
 * The live changes to the table's data (`exp show --json`'s model), applied in place of a
 * reload: each function returns a new `ExpShowData` with one experiment added, extended by a
 * checkpoint, removed, or one queue row changed, following the rules of core's
 * `collectExpShow`:
 *
 * - a baseline's experiments are newest first (a new one goes right after the baseline row);
 * - a checkpoint experiment of two commits or more lists its commits tip first, each with
 *   `checkpoint_tip` (the tip) and `checkpoint_parent` (the older commit, the baseline for
 *   the oldest); only the tip carries the name; one commit alone is a plain row;
 * - queued, running and failed entries are rows keyed by the entry id after the experiments.
 */
import type { ExpEntry, ExpRowData, ExpShowData } from './core.js'

export interface NewCommit {
  baseline: string
  commit: string
  name: string
  checkpoint: boolean
  /** Its row data (params, metrics, timestamp). */
  data: ExpRowData
}

/** The tip row of the experiment named `name` under `baseline`, if shown. */
export function experimentTip(data: ExpShowData, baseline: string, name: string): string | undefined {
  const group = data[baseline]
  if (!group) return undefined
  for (const [rev, entry] of Object.entries(group)) {
    if (rev === 'baseline' || entry.data?.queued || entry.data?.running) continue
    if (entry.data?.name === name && (!entry.data.checkpoint_tip || entry.data.checkpoint_tip === rev)) return rev
  }
  return undefined
}

/** A new experiment commit: a new row, a checkpoint on top of its chain, or a moved ref. */
export function addCommit(data: ExpShowData, change: NewCommit): ExpShowData {
  const group = data[change.baseline]
  if (!group || group[change.commit]) return data
  const previous = experimentTip(data, change.baseline, change.name)
  const entries = Object.entries(group)
  const row: ExpEntry = { data: { ...change.data, name: change.name } }
  let out: Array<[string, ExpEntry]>
  if (previous && change.checkpoint) {
    // the chain grows: the new tip goes first, every older commit points to it
    row.data!.checkpoint_tip = change.commit
    row.data!.checkpoint_parent = previous
    out = []
    for (const [rev, entry] of entries) {
      if (rev === previous) out.push([change.commit, row])
      const d = entry.data
      if (rev === previous || (d?.checkpoint_tip && d.checkpoint_tip === previous)) {
        const copy: ExpRowData = { ...d, checkpoint_tip: change.commit }
        if (rev === previous) {
          delete copy.name
          copy.checkpoint_parent ??= change.baseline
        }
        out.push([rev, { ...entry, data: copy }])
      } else out.push([rev, entry])
    }
  } else {
    // a new experiment (or its ref moved to a new commit: the old rows go)
    const gone = previous ? chainOf(group, previous) : new Set<string>()
    out = entries.filter(([rev]) => !gone.has(rev))
    const at = out.findIndex(([rev]) => rev !== 'baseline')
    out.splice(at < 0 ? out.length : at, 0, [change.commit, row])
  }
  return { ...data, [change.baseline]: Object.fromEntries(out) }
}

/** The tip and every commit of its chain. */
function chainOf(group: Record<string, ExpEntry>, tip: string): Set<string> {
  const revs = new Set([tip])
  for (const [rev, entry] of Object.entries(group)) if (entry.data?.checkpoint_tip === tip) revs.add(rev)
  return revs
}

/** `refs/exps/AA/BBBB…/name` → its baseline and name. */
export function parseExpRef(ref: string): { baseline: string; name: string } | undefined {
  const match = /^refs\/exps\/([0-9a-f]{2})\/([0-9a-f]{38})\/(.+)$/.exec(ref)
  return match ? { baseline: match[1] + match[2], name: match[3] } : undefined
}

/** An experiment ref was deleted: its rows go. */
export function removeRef(data: ExpShowData, ref: string): ExpShowData {
  const parsed = parseExpRef(ref)
  if (!parsed) return data
  const tip = experimentTip(data, parsed.baseline, parsed.name)
  if (!tip) return data
  const group = data[parsed.baseline]
  const gone = chainOf(group, tip)
  return { ...data, [parsed.baseline]: Object.fromEntries(Object.entries(group).filter(([rev]) => !gone.has(rev))) }
}

export type QueueRowState = 'queued' | 'running' | 'failed' | 'gone'

/** A queue entry's row: added (with its params) or its state changed, or removed. */
export function setQueueRow(data: ExpShowData, baseline: string, id: string, state: QueueRowState, added?: ExpRowData): ExpShowData {
  const group = data[baseline]
  if (!group) return data
  if (state === 'gone') {
    if (!group[id]) return data
    const { [id]: _removed, ...rest } = group
    return { ...data, [baseline]: rest }
  }
  const current = group[id]?.data ?? added
  if (!current) return data
  const row: ExpRowData = {
    ...current,
    metrics: {},
    queued: state === 'queued' || state === 'failed',
    running: state === 'running',
    failed: state === 'failed',
    executor: state === 'running' ? 'temp' : null,
  }
  return { ...data, [baseline]: { ...group, [id]: { data: row } } }
}

/** Rows dropped (e.g. a row shown before its experiment's chain was known). */
export function dropRows(data: ExpShowData, baseline: string, revs: readonly string[]): ExpShowData {
  const group = data[baseline]
  if (!group || !revs.some((rev) => rev in group)) return data
  return { ...data, [baseline]: Object.fromEntries(Object.entries(group).filter(([rev]) => !revs.includes(rev))) }
}
