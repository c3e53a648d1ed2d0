/**
 * Checkpoint experiments' metrics over their checkpoints: one Vega-Lite line chart per
 * metric (`file:key`, nested keys joined with `.`), x the checkpoint index (0 = the first checkpoint), one line per
 * experiment. Built from `/api/checkpoints` (each checkpoint's metrics, oldest first);
 * non-numeric values are left out.
 */
import type { CheckpointsResponse } from '../../src/api-types.js'
import { flatten, isMapping, PyFloat } from './core.js'

export interface Curve {
  metric: string
  spec: Record<string, unknown>
}

function numeric(value: unknown): number | undefined {
  if (value instanceof PyFloat) return value.value
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'boolean') return Number(value)
  return undefined
}

export function checkpointCurves(experiments: Array<{ label: string; checkpoints: CheckpointsResponse['checkpoints'] }>): Curve[] {
  const points = new Map<string, Array<{ step: number; value: number; experiment: string }>>()
  for (const { label, checkpoints } of experiments) {
    checkpoints.forEach((checkpoint, step) => {
      for (const [file, content] of Object.entries(checkpoint.metrics)) {
        for (const [key, raw] of Object.entries(isMapping(content) ? flatten(content) : { '': content })) {
          const value = numeric(raw)
          if (value === undefined) continue
          const metric = `${file}:${key}`
          const list = points.get(metric) ?? []
          points.set(metric, list)
          list.push({ step, value, experiment: label })
        }
      }
    })
  }
  return [...points].map(([metric, values]) => ({
    metric,
    spec: {
      title: metric,
      width: 380,
      height: 220,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'checkpoint', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: metric.split(':').pop(), scale: { zero: false } },
        color: { field: 'experiment', type: 'nominal' },
        tooltip: [{ field: 'experiment' }, { field: 'step' }, { field: 'value' }],
      },
    },
  }))
}
