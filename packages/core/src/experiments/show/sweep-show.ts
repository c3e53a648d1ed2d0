/**
 * The rows of one sweep in `exp show` (`--sweep <id>`) and the summary a sweep run ends
 * with. A sweep's members are the queue entries recorded with its id (queue.ts
 * `QueueEntry.sweep`): an entry still queued, running or failed is its own row; a finished
 * one is the experiment it made (with its checkpoints). The baseline row stays first, for
 * comparison. Entries removed from the queue records (`trellis queue remove`) are no longer
 * known as members.
 */
import { TrellisError } from '../../errors.js'
import { flatten, isMapping } from '../../metrics/flatten.js'
import type { Project } from '../../project.js'
import { collectExpShow } from './exp-show.js'
import { listQueue, queueShowRows } from '../queue/queue.js'
import type { QueueEntry } from '../../plugin-api/queue-backend.js'
import type { ExpShowData } from './show-data.js'
import { renderExpShow, type ExpShowOptions } from './show-table.js'

/** The entries of the sweep `id` (a unique prefix is enough). */
export async function sweepEntries(project: Project, id: string): Promise<QueueEntry[]> {
  const entries = (await listQueue(project)).filter((e) => e.sweep !== undefined && e.sweep.startsWith(id))
  const ids = new Set(entries.map((e) => e.sweep))
  if (entries.length === 0 || id === '') {
    throw new TrellisError('EXP_NOT_FOUND', `No sweep '${id}' in the queue records`, {
      hint: '`trellis queue status --json` lists each entry with its "sweep"; a sweep run prints its id.',
    })
  }
  if (ids.size > 1) {
    throw new TrellisError('EXP_AMBIGUOUS', `'${id}' matches several sweeps: ${[...ids].join(', ')}`, { hint: 'Give more characters of the sweep id.' })
  }
  return entries
}

/**
 * Keep, under each baseline, the baseline row and the rows of these entries (queued rows by
 * entry id, finished ones by their experiment's commits); `workspace: false` drops the
 * workspace row too. Baselines without a member row are dropped.
 */
export function selectSweepRows(data: ExpShowData, entries: QueueEntry[], options: { workspace?: boolean } = {}): ExpShowData {
  const revs = new Set<string>()
  for (const e of entries) {
    revs.add(e.id)
    if (e.result) revs.add(e.result.commit)
  }
  const out: ExpShowData = {}
  for (const [baseline, group] of Object.entries(data)) {
    if (baseline === 'workspace') {
      if (options.workspace !== false) out.workspace = group
      continue
    }
    const rows = Object.entries(group).filter(([rev, entry]) => rev === 'baseline' || revs.has(rev) || revs.has(entry.data?.checkpoint_tip ?? ''))
    if (rows.length > 1) out[baseline] = Object.fromEntries(rows)
  }
  return out
}

/**
 * Keep only the params on the swept keys' paths (dotted: `train.lr`, `layers.0.units`): a
 * flattened param is kept when it is a swept key, inside one (a swept mapping), or holds one
 * (the list a swept index is in), in whichever file.
 */
export function keepSweptParams(data: ExpShowData, keys: readonly string[]): ExpShowData {
  const wanted = (k: string) => keys.some((s) => s === k || s.startsWith(`${k}.`) || k.startsWith(`${s}.`))
  const out: ExpShowData = {}
  for (const [baseline, group] of Object.entries(data)) {
    out[baseline] = Object.fromEntries(
      Object.entries(group).map(([rev, entry]) => {
        const params = entry.data?.params
        if (!params) return [rev, entry]
        const kept = Object.fromEntries(
          Object.entries(params).map(([file, content]) => [
            file,
            isMapping(content.data) ? { ...content, data: Object.fromEntries(Object.entries(flatten(content.data)).filter(([k]) => wanted(k))) } : content,
          ]),
        )
        return [rev, { ...entry, data: { ...entry.data, params: kept } }]
      }),
    )
  }
  return out
}

export interface SweepSummaryOptions extends Pick<ExpShowOptions, 'sortBy' | 'sortOrder'> {
  /** The swept keys as dotted paths (`train.lr`): the only params shown. */
  keys: readonly string[]
}

/**
 * The table a sweep run ends with: the baseline and the sweep's experiments, swept
 * params and every metric. The experiments are made by then, so a `sortBy` that names
 * no column only costs the order: the table comes unsorted, with `onWarning` told why.
 */
export async function renderSweepSummary(project: Project, id: string, options: SweepSummaryOptions & { onWarning?: (message: string) => void }): Promise<string> {
  const entries = await sweepEntries(project, id)
  const data = keepSweptParams(selectSweepRows(await collectExpShow(project, { extraRows: await queueShowRows(project) }), entries, { workspace: false }), options.keys)
  const render = (sortBy: string | undefined) => renderExpShow(data, { sortBy, sortOrder: options.sortOrder, noTimestamp: true })
  try {
    return render(options.sortBy)
  } catch (error) {
    if (!(error instanceof TrellisError) || error.code !== 'INVALID_ARGUMENT' || options.sortBy === undefined) throw error
    options.onWarning?.(`${error.message}: the summary is not sorted`)
    return render(undefined)
  }
}
