/**
 * The experiments table, virtualised: only the rows in view (plus a margin) are in the DOM,
 * between two spacer rows, so 1,000 experiments scroll and sort smoothly. Column widths are
 * fixed from the longest text of each column, so rows do not jump while scrolling. A click on
 * a metric or param header sorts by it (asc, desc, off), with `exp show --sort-by` semantics.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { TableModel, TableRow } from '../table-model.js'

export const ROW_HEIGHT = 28
const OVERSCAN = 12
const CHAR = 7.3
const MAX_WIDTH = 320

export interface TableProps {
  model: TableModel
  rows: TableRow[]
  selected: readonly string[]
  onToggle(row: TableRow): void
  expanded: ReadonlySet<string>
  hidden: ReadonlyMap<string, number>
  onExpand(tip: string): void
  sortBy?: string
  sortOrder?: 'asc' | 'desc'
  onSort(column: string): void
  /** Rows that just arrived (highlighted for a moment). */
  fresh: ReadonlySet<string>
}

function columnWidths(model: TableModel): number[] {
  return model.headers.map((header, i) => {
    let longest = header.length + 2
    for (const row of model.rows) if (row.cells[i].length > longest) longest = row.cells[i].length
    return Math.min(MAX_WIDTH, Math.ceil(longest * CHAR) + 18)
  })
}

function experimentWidth(model: TableModel): number {
  let longest = 12
  for (const row of model.rows) {
    const length = row.glyph.length + row.label.length + (row.parent ? row.parent.length + 3 : 0) + 4
    if (length > longest) longest = length
  }
  return Math.min(460, Math.ceil(longest * CHAR) + 60)
}

export function ExperimentsTable(props: TableProps) {
  const { model, rows } = props
  const scroller = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(600)
  const widths = useMemo(() => columnWidths(model), [model])
  const firstWidth = useMemo(() => experimentWidth(model), [model])
  const selected = useMemo(() => new Set(props.selected), [props.selected])

  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    const measure = () => setViewport(el.clientHeight)
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  useEffect(() => {
    const el = scroller.current
    if (!el) return
    let frame = 0
    const onScroll = () => {
      if (frame) return
      frame = requestAnimationFrame(() => {
        frame = 0
        setScrollTop(el.scrollTop)
      })
    }
    el.addEventListener('scroll', onScroll, { passive: true })
    return () => el.removeEventListener('scroll', onScroll)
  }, [])

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN)
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN)
  const total = 34 + firstWidth + widths.reduce((a, b) => a + b, 0)

  return (
    <div class="table-scroll" ref={scroller} data-rows={rows.length}>
      <table class="experiments" style={{ width: `${total}px` }}>
        <colgroup>
          <col style={{ width: '34px' }} />
          <col style={{ width: `${firstWidth}px` }} />
          {widths.map((w, i) => (
            <col key={i} style={{ width: `${w}px` }} />
          ))}
        </colgroup>
        <thead>
          <tr>
            <th class="select" />
            <th class="experiment">Experiment</th>
            {model.headers.map((header, i) => {
              const kind = model.kinds[i]
              const sortable = kind !== 'builtin'
              const sorted = props.sortBy === header ? props.sortOrder ?? 'asc' : undefined
              return (
                <th
                  key={header}
                  class={`${kind}${sortable ? ' sortable' : ''}${sorted ? ` sorted-${sorted}` : ''}`}
                  data-column={header}
                  title={sortable ? `Sort by ${header} (exp show --sort-by ${header})` : undefined}
                  onClick={sortable ? () => props.onSort(header) : undefined}
                >
                  {header}
                  {sorted ? <span class="sort-mark">{sorted === 'asc' ? ' ▲' : ' ▼'}</span> : null}
                </th>
              )
            })}
          </tr>
        </thead>
        <tbody>
          <tr class="spacer" style={{ height: `${first * ROW_HEIGHT}px` }} />
          {rows.slice(first, last).map((row) => (
            <Row key={row.id} row={row} {...props} checked={selected.has(row.id)} />
          ))}
          <tr class="spacer" style={{ height: `${(rows.length - last) * ROW_HEIGHT}px` }} />
        </tbody>
      </table>
    </div>
  )
}

function Row(props: TableProps & { row: TableRow; checked: boolean }) {
  const { row, model } = props
  const hidden = row.checkpointTip === row.rev ? props.hidden.get(row.rev) ?? 0 : 0
  const open = props.expanded.has(row.rev)
  const classes = ['exp-row', row.typ, row.state ?? '', props.checked ? 'selected' : '', props.fresh.has(row.id) ? 'fresh' : '']
  return (
    <tr
      class={classes.filter(Boolean).join(' ')}
      data-row-id={row.id}
      data-rev={row.sha}
      data-name={row.name ?? ''}
      data-state={row.state ?? ''}
      style={{ height: `${ROW_HEIGHT}px` }}
    >
      <td class="select">
        <input type="checkbox" checked={props.checked} aria-label={`select ${row.label}`} onChange={() => props.onToggle(row)} />
      </td>
      <td class="experiment" title={row.sha}>
        {row.glyph ? <span class="glyph">{row.glyph} </span> : null}
        {hidden > 0 ? (
          <button class="expand" title={`${open ? 'Hide' : 'Show'} ${hidden} older checkpoint(s)`} onClick={() => props.onExpand(row.rev)}>
            {open ? '▾' : '▸'} {hidden}
          </button>
        ) : null}
        <span class="label">{row.label}</span>
        {row.parent ? <span class="parent"> ({row.parent})</span> : null}
      </td>
      {row.cells.map((cell, i) => (
        <td key={i} class={model.kinds[i]} data-column={model.headers[i]}>
          {model.headers[i] === 'State' && cell !== '-' ? <span class={`badge ${cell.toLowerCase()}`}>{cell}</span> : cell}
        </td>
      ))}
    </tr>
  )
}
