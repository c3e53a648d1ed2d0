/**
 * What an `experiment` event (a ref created or moved) adds to the table. The server reports
 * where a ref points now; a ref may have moved on by several commits at once (a checkpoint
 * run seen from another process writes them faster than the watcher reports). So the
 * experiment's chain is read (`/api/checkpoints`: its commits, oldest first) and every commit
 * the table lacks becomes a row, oldest first: on top of the chain the table shows when that
 * chain contains its tip, else replacing it (the ref was reset or the run forced).
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
  const chain = (await getJson<CheckpointsResponse>(`/api/checkpoints?exp=${encodeURIComponent(event.ref)}`, parseWire)).checkpoints.map((c) => c.rev)
  const previous = experimentTip(data, event.baseline, event.name)
  const at = previous ? chain.indexOf(previous) : -1
  const missing = chain.slice(at + 1).filter((rev) => !group[rev])
  const now = new Date()
  const order = keyOrder(data)
  const rows = await Promise.all(missing.map((rev) => rowData(event.baseline, rev, now, order)))
  return missing.map((commit, i) => ({
    baseline: event.baseline,
    commit,
    name: event.name,
    // the first new commit extends the shown chain only if that chain is part of the new one
    checkpoint: i > 0 || at >= 0,
    data: rows[i],
  }))
}
