/**
 * What an `experiment` event (a ref created or moved) adds to the table. The server reports
 * where a ref points now; a ref may have moved on by several commits at once (a checkpoint
 * run seen from another process writes them faster than the watcher reports). So the
 * experiment's chain is read (`/api/checkpoints`: its commits, oldest first) and every commit
 * the table lacks becomes a row, oldest first: on top of the chain the table shows when that
 * chain contains its tip, else replacing it (the ref was reset or the run forced). When the
 * server says the ref moved on by one commit from the tip the page shows (`checkpoint`), the
 * chain is not read. The new tip's values are asked for at once, beside the chain.
 */
import type { CheckpointsResponse, ExperimentEvent } from '../../src/api-types.js'
import { getJson } from './api.js'
import type { ExpShowData } from './core.js'
import { keyOrder, rowData } from './row-data.js'
import { experimentTip, type NewCommit } from './table-patches.js'
import { parseWire } from './wire.js'

export async function experimentCommits(event: ExperimentEvent, data: ExpShowData): Promise<NewCommit[]> {
  const group = data[event.baseline]
  if (!group || group[event.commit]) return []
  const previous = experimentTip(data, event.baseline, event.name)
  const order = keyOrder(data)
  const now = new Date()
  const tipRow = rowData(event.baseline, event.commit, now, order)
  // moved on by one commit from the tip the page shows: one checkpoint more, nothing to read
  if (event.checkpoint && previous) return [{ baseline: event.baseline, commit: event.commit, name: event.name, checkpoint: true, data: await tipRow }]
  const chain = (await getJson<CheckpointsResponse>(`/api/checkpoints?exp=${encodeURIComponent(event.ref)}`, parseWire)).checkpoints.map((c) => c.rev)
  const at = previous ? chain.indexOf(previous) : -1
  const missing = chain.slice(at + 1).filter((rev) => !group[rev] && rev !== event.commit)
  missing.push(event.commit)
  const rows = await Promise.all(missing.map((rev) => (rev === event.commit ? tipRow : rowData(event.baseline, rev, now, order))))
  return missing.map((commit, i) => ({
    baseline: event.baseline,
    commit,
    name: event.name,
    // the first new commit extends the shown chain only if that chain is part of the new one
    checkpoint: i > 0 || at >= 0,
    data: rows[i],
  }))
}
