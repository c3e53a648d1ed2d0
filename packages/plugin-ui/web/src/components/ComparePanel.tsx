/**
 * Compare the selected rows: `exp diff` of the first against each other one, the plots of
 * all of them, and the checkpoint experiments' metrics as curves over their checkpoints.
 */
import type { TableRow } from '../table-model.js'
import { CheckpointCurves } from './CheckpointCurves.js'
import { DiffView } from './DiffView.js'
import { PlotsView } from './PlotsView.js'

export function ComparePanel(props: { rows: TableRow[]; labels: ReadonlyMap<string, string> }) {
  const { rows, labels } = props
  const label = (row: TableRow) => labels.get(row.id) ?? row.sha
  const compared = rows.filter((row) => row.state === null)
  if (compared.length === 0) return null
  const [first, ...others] = compared
  const checkpointTips = compared.filter((row) => row.checkpointTip === row.rev)
  return (
    <div class="compare" data-count={compared.length}>
      <h2>Compare {compared.map(label).join(', ')}</h2>
      {others.map((other) => (
        <DiffView key={other.id} a={first} b={other} aLabel={label(first)} bLabel={label(other)} />
      ))}
      <PlotsView revs={compared.map(label)} />
      <CheckpointCurves exps={checkpointTips.map((row) => ({ label: label(row), ref: label(row) }))} />
    </div>
  )
}
