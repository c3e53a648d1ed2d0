/**
 * What an `experiment` event (a ref created or moved) adds to the table. The server reports
 * where a ref points now; a ref may have moved on by several commits at once (a checkpoint
 * run seen from another process writes them faster than the watcher reports). So the
 * experiment's chain is read (`/api/checkpoints`: its commits, oldest first) and every commit
 * the table lacks becomes a row, oldest first: on top of the chain the table shows when that
 * chain contains its tip, else replacing it (the ref was reset or the run forced). When the
 * server says the ref moved on by one commit from the tip the page shows (`checkpoint`), the
 * chain is not read; a new experiment is shown at once as one row, and its chain read after.
 */
import type { CheckpointsResponse, ExperimentEvent } from '../../src/api-types.js'
import { getJson } from './api.js'
import type { ExpRowData, ExpShowData } from './core.js'
import { keyOrder, rowData } from './row-data.js'
import { experimentTip, type NewCommit } from './table-patches.js'
import { parseWire } from './wire.js'

export interface ExperimentPatch {
  /** The rows to add now, oldest first. */
  commits: NewCommit[]
  /**
   * A new experiment is shown at once as one row (its tip); its chain is read beside: when
   * it has more commits (a checkpoint run seen late), the whole chain, oldest first, to put
   * in place of that row.
   */
  chain?: Promise<NewCommit[] | null>
}

async function chainOf(event: ExperimentEvent): Promise<string[]> {
  return (await getJson<CheckpointsResponse>(`/api/checkpoints?exp=${encodeURIComponent(event.ref)}`, parseWire)).checkpoints.map((c) => c.rev)
}

export async function experimentPatch(event: ExperimentEvent, data: ExpShowData): Promise<ExperimentPatch> {
  const group = data[event.baseline]
  if (!group || group[event.commit]) return { commits: [] }
  const previous = experimentTip(data, event.baseline, event.name)
  const order = keyOrder(data)
  const now = new Date()
  const row = (commit: string, data: ExpRowData, checkpoint: boolean): NewCommit => ({ baseline: event.baseline, commit, name: event.name, checkpoint, data })
  const tip = await rowData(event.baseline, event.commit, now, order)
  // moved on by one commit from the tip the page shows: one checkpoint more
  if (event.checkpoint && previous) return { commits: [row(event.commit, tip, true)] }
  if (!previous) {
    const chain = chainOf(event).then(async (revs) => {
      if (revs.length <= 1) return null
      const older = revs.slice(0, -1)
      const rows = await Promise.all(older.map((rev) => rowData(event.baseline, rev, now, order)))
      return [...older.map((rev, i) => row(rev, rows[i], i > 0)), row(event.commit, tip, true)]
    })
    return { commits: [row(event.commit, tip, false)], chain }
  }
  // the ref moved elsewhere: on top of the shown chain if the new one contains it, else instead of it
  const chain = await chainOf(event)
  const at = chain.indexOf(previous)
  const missing = chain.slice(at + 1).filter((rev) => !group[rev] && rev !== event.commit)
  const rows = await Promise.all(missing.map((rev) => rowData(event.baseline, rev, now, order)))
  return {
    commits: [...missing.map((rev, i) => row(rev, rows[i], i > 0 || at >= 0)), row(event.commit, tip, missing.length > 0 || at >= 0)],
  }
}
