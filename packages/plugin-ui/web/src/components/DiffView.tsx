/**
 * `exp diff A B` of two selected rows, from `/api/diff` (the `--json` result), drawn with
 * core's `diffTable` exactly as the CLI's table: metrics with 5 significant digits, params as
 * they are, a Change column (`diff not supported` for non-numbers).
 */
import { useEffect, useState } from 'preact/hooks'
import { getJson } from '../api.js'
import { diffTable, DIFF_NOT_SUPPORTED, type DiffResult } from '../core.js'
import { parseWire } from '../wire.js'
import { shownError, type ShownError } from '../errors.js'
import type { TableRow } from '../table-model.js'
import { ErrorBox } from './ErrorBox.js'

interface ExpDiff {
  metrics?: DiffResult
  params?: DiffResult
}

export function DiffView(props: { a: TableRow; b: TableRow; aLabel: string; bLabel: string }) {
  const { a, b, aLabel, bLabel } = props
  const [diff, setDiff] = useState<ExpDiff | null>(null)
  const [error, setError] = useState<ShownError | null>(null)
  useEffect(() => {
    setDiff(null)
    setError(null)
    getJson<ExpDiff>(`/api/diff?a=${encodeURIComponent(aLabel)}&b=${encodeURIComponent(bLabel)}`, parseWire)
      .then(setDiff)
      .catch((e: unknown) => setError(shownError(e)))
  }, [aLabel, bLabel])
  const common = { oldLabel: aLabel, newLabel: bLabel, numberFormat: 'significant' as const, showChange: true, onEmptyDiff: DIFF_NOT_SUPPORTED }
  return (
    <section class="diff" data-a={a.sha} data-b={b.sha}>
      <h3>
        exp diff {aLabel} {bLabel}
      </h3>
      <ErrorBox error={error} />
      {diff === null && !error ? <p class="muted">Loading…</p> : null}
      {diff ? (
        <>
          <DiffTable title="Metrics" table={diffTable(diff.metrics ?? {}, { ...common, kind: 'Metric' })} />
          <DiffTable title="Params" table={diffTable(diff.params ?? {}, { ...common, kind: 'Param', precision: null })} />
        </>
      ) : null}
    </section>
  )
}

function DiffTable(props: { title: string; table: { headers: string[]; rows: Array<Array<string | null | undefined>> } }) {
  const { headers, rows } = props.table
  if (rows.length === 0) return <p class="muted">{props.title}: no change.</p>
  return (
    <table class={`diff-table ${props.title.toLowerCase()}`}>
      <thead>
        <tr>
          {headers.map((h, i) => (
            <th key={i}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, r) => (
          <tr key={r}>
            {row.map((cell, i) => (
              <td key={i}>{cell ?? ''}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
