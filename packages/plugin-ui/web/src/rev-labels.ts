/**
 * How the page names a row to the API (`exp diff A B`, `plots diff A B`, apply, branch,
 * remove, push): the experiment's name when no other row has it, the branch or tag of a
 * baseline, `workspace`, else the short sha (a queued entry: its id). The same label titles
 * the diff's columns, as the CLI titles them with the revisions as typed.
 */
import { shortRev, type TableRow } from './table-model.js'

export function revLabels(rows: readonly TableRow[]): Map<string, string> {
  const count = new Map<string, number>()
  for (const row of rows) if (row.name) count.set(row.name, (count.get(row.name) ?? 0) + 1)
  const labels = new Map<string, string>()
  for (const row of rows) {
    if (row.sha === 'workspace') labels.set(row.id, 'workspace')
    else if (row.name && count.get(row.name) === 1) labels.set(row.id, row.name)
    else labels.set(row.id, shortRev(row.sha))
  }
  return labels
}

/** A row that is an experiment commit (not a baseline, not a queue entry). */
export function isExperiment(row: TableRow): boolean {
  return row.typ !== 'baseline' && row.state === null
}
