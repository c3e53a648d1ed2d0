/**
 * Rows of plot files → Vega datapoints, as DVC's converter does (`render/converter/vega.py`):
 * - no `x`: a 0-based `step` index is added and is the x field;
 * - no `y`: the last field of the first row;
 * - several y fields (or files) in one chart share the field `dvc_inferred_y_value`, several
 *   x fields `dvc_inferred_x_value`;
 * - every datapoint carries `rev` (the revision), `filename` (its source file) and `field`
 *   (the y field). When a chart draws several files or fields per revision, `rev` names the
 *   series (`<rev>::<file>::<field>`, only the parts that differ), so each line has its own
 *   colour and legend entry, as DVC's page does.
 * A field that the data lacks is an error naming the file and the field. The input rows are
 * used as the datapoints (mutated, not copied): they must not be shared.
 */
import { TrellisError } from '../errors.js'
import type { Row } from './plot-data.js'

export const INFERRED_X = 'dvc_inferred_x_value'
export const INFERRED_Y = 'dvc_inferred_y_value'
export const STEP = 'step'

export interface SeriesInput {
  rev: string
  filename: string
  rows: Row[]
  x?: string
  y?: string[]
}

interface Resolved extends SeriesInput {
  xField: string
  yFields: string[]
}

export interface Converted {
  datapoints: Row[]
  x: string
  y: string
  xLabel: string
  yLabel: string
}

function fieldsOf(rows: Row[]): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key)
  return [...seen]
}

function missing(field: string, input: SeriesInput): TrellisError {
  return new TrellisError('PLOT_FIELD_MISSING', `Could not find provided field ('${field}') in data fields ('${fieldsOf(input.rows).join(', ')}') of '${input.filename}' (${input.rev}).`, {
    hint: `Name a field of '${input.filename}' in the plot's x/y (dvc.yaml, or -x/-y).`,
  })
}

/** The fields one input draws; throws PLOT_FIELD_MISSING. */
export function resolveFields(input: SeriesInput): { xField: string; yFields: string[] } {
  const first = input.rows[0] ?? {}
  const has = (field: string) => input.rows.some((row) => Object.hasOwn(row, field))
  if (input.x !== undefined && !has(input.x)) throw missing(input.x, input)
  const keys = Object.keys(first)
  const yFields = input.y && input.y.length > 0 ? input.y : keys.length > 0 ? [keys[keys.length - 1]] : []
  for (const y of yFields) if (!has(y)) throw missing(y, input)
  if (yFields.length === 0) throw new TrellisError('PLOT_DATA_INVALID', `'${input.filename}' (${input.rev}) has no data`, { hint: 'The plot file holds no rows.' })
  return { xField: input.x ?? STEP, yFields }
}

/** Datapoints of every input of one chart (inputs already validated with resolveFields). */
export function convertSeries(inputs: Array<SeriesInput & { xField: string; yFields: string[] }>): Converted {
  const resolved: Resolved[] = inputs
  const xNames = new Set(resolved.map((r) => r.xField))
  const yNames = new Set(resolved.flatMap((r) => r.yFields))
  const files = new Set(resolved.map((r) => r.filename))
  const x = xNames.size > 1 ? INFERRED_X : [...xNames][0] ?? STEP
  const y = yNames.size > 1 ? INFERRED_Y : [...yNames][0] ?? INFERRED_Y
  const perRevSeries = new Map<string, Set<string>>()
  for (const r of resolved) for (const f of r.yFields) perRevSeries.set(r.rev, (perRevSeries.get(r.rev) ?? new Set()).add(`${r.filename}\0${f}`))
  const several = [...perRevSeries.values()].some((s) => s.size > 1)
  const datapoints: Row[] = []
  for (const r of resolved) {
    for (const field of r.yFields) {
      const label = several ? [r.rev, ...(files.size > 1 ? [r.filename] : []), ...(yNames.size > 1 ? [field] : [])].join('::') : r.rev
      // the rows were parsed for this chart alone: they become the datapoints (copied only
      // when one row feeds several fields)
      const copy = r.yFields.length > 1
      const rows = r.rows
      const addStep = r.xField === STEP
      for (let index = 0; index < rows.length; index++) {
        const row = rows[index]
        const point: Row = copy ? Object.assign({}, row) : row
        if (addStep && !Object.hasOwn(row, STEP)) point[STEP] = index
        if (x === INFERRED_X) point[INFERRED_X] = point[r.xField]
        if (y === INFERRED_Y) point[INFERRED_Y] = row[field]
        point.rev = label
        point.filename = r.filename
        point.field = field
        datapoints.push(point)
      }
    }
  }
  return {
    datapoints,
    x,
    y,
    xLabel: x === INFERRED_X ? 'x' : x,
    yLabel: y === INFERRED_Y ? 'y' : y,
  }
}
