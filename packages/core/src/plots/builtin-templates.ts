/**
 * DVC's built-in plot templates (dvc-render's `vega_templates.py`, 0.x: the anchors DATA,
 * TITLE, X, Y, X_LABEL, Y_LABEL): Vega-Lite specs whose string values `<DVC_METRIC_X>` and
 * so on are filled per plot (fill-template.ts). Colours and facets use the `rev` field each
 * datapoint carries. Written for Vega-Lite 5/6: selections are `params`, not the removed
 * `selection` property. The line templates keep to two line layers (smoothed and raw) and
 * leave out dvc-render's per-point hover layers, which put one SVG mark per datapoint on the
 * page (200,000 for 20 revisions × 10 plots × 1,000 points) and made it take tens of seconds.
 */

const DATA = '<DVC_METRIC_DATA>'
const TITLE = '<DVC_METRIC_TITLE>'
const X = '<DVC_METRIC_X>'
const Y = '<DVC_METRIC_Y>'
const X_LABEL = '<DVC_METRIC_X_LABEL>'
const Y_LABEL = '<DVC_METRIC_Y_LABEL>'
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json'

type Spec = Record<string, unknown>

function lineLayer(extra: Spec): Spec {
  return {
    mark: 'line',
    encoding: {
      x: { field: X, type: 'quantitative', title: X_LABEL },
      y: { field: Y, type: 'quantitative', title: Y_LABEL, scale: { zero: false } },
      color: { field: 'rev', type: 'nominal' },
    },
    ...extra,
  }
}

function smooth(): Spec {
  return {
    $schema: SCHEMA,
    data: { values: DATA },
    title: TITLE,
    width: 300,
    height: 300,
    params: [{ name: 'smooth', value: 0.001, bind: { input: 'range', min: 0.001, max: 1, step: 0.001 } }],
    layer: [
      lineLayer({
        transform: [{ loess: Y, on: X, groupby: ['rev', 'filename', 'field'], bandwidth: { signal: 'smooth' } }],
      }),
      lineLayer({
        mark: { type: 'line', opacity: 0.2 },
        encoding: {
          x: { field: X, type: 'quantitative', title: X_LABEL },
          y: { field: Y, type: 'quantitative', title: Y_LABEL, scale: { zero: false } },
          color: { field: 'rev', type: 'nominal' },
          tooltip: [{ field: 'rev', type: 'nominal' }],
        },
      }),
    ],
  }
}

function confusion(normalized: boolean): Spec {
  const value = normalized ? 'percent_of_y' : 'xy_count'
  return {
    $schema: SCHEMA,
    data: { values: DATA },
    title: TITLE,
    facet: { field: 'rev', type: 'nominal' },
    spec: {
      transform: [
        { aggregate: [{ op: 'count', as: 'xy_count' }], groupby: ['rev', Y, X] },
        { impute: 'xy_count', groupby: ['rev', Y], key: X, value: 0 },
        { impute: 'xy_count', groupby: ['rev', X], key: Y, value: 0 },
        normalized
          ? { joinaggregate: [{ op: 'sum', field: 'xy_count', as: 'sum_y' }], groupby: ['rev', Y] }
          : { joinaggregate: [{ op: 'max', field: 'xy_count', as: 'max_count' }], groupby: [] },
        normalized
          ? { calculate: 'datum.xy_count / datum.sum_y', as: 'percent_of_y' }
          : { calculate: 'datum.xy_count / datum.max_count', as: 'percent_of_max' },
      ],
      encoding: {
        x: { field: X, type: 'nominal', sort: 'ascending', title: X_LABEL },
        y: { field: Y, type: 'nominal', sort: 'ascending', title: Y_LABEL },
      },
      layer: [
        {
          mark: 'rect',
          width: 300,
          height: 300,
          encoding: {
            color: { field: value, type: 'quantitative', title: '', scale: normalized ? { domain: [0, 1] } : { domainMin: 0, nice: true } },
            tooltip: [
              { field: X, type: 'nominal' },
              { field: Y, type: 'nominal' },
              normalized ? { field: value, type: 'quantitative', format: '.2f' } : { field: value, type: 'quantitative' },
            ],
          },
        },
        {
          mark: 'text',
          encoding: {
            text: normalized ? { field: value, type: 'quantitative', format: '.2f' } : { field: value, type: 'quantitative' },
            color: {
              condition: { test: `datum.${normalized ? 'percent_of_y' : 'percent_of_max'} > 0.5`, value: 'white' },
              value: 'black',
            },
          },
        },
      ],
    },
  }
}

function bar(sorted: boolean): Spec {
  return {
    $schema: SCHEMA,
    data: { values: DATA },
    title: TITLE,
    width: 300,
    height: 300,
    mark: { type: 'bar' },
    encoding: {
      x: { field: X, type: 'quantitative', title: X_LABEL, scale: { zero: false } },
      y: sorted ? { field: Y, type: 'nominal', title: Y_LABEL, sort: '-x' } : { field: Y, type: 'nominal', title: Y_LABEL },
      yOffset: { field: 'rev' },
      color: { field: 'rev', type: 'nominal' },
    },
  }
}

function scatter(jitter: boolean): Spec {
  const spec: Spec = {
    $schema: SCHEMA,
    data: { values: DATA },
    title: TITLE,
    width: 300,
    height: 300,
    mark: { type: 'point', tooltip: { content: 'data' } },
    encoding: {
      x: { field: X, type: 'quantitative', title: X_LABEL },
      y: { field: Y, type: 'quantitative', title: Y_LABEL },
      color: { field: 'rev', type: 'nominal' },
    },
  }
  if (!jitter) return spec
  const encoding = spec.encoding as Spec
  return {
    ...spec,
    transform: [
      { calculate: 'random()', as: 'randomX' },
      { calculate: 'random()', as: 'randomY' },
    ],
    encoding: {
      ...encoding,
      xOffset: { field: 'randomX', type: 'quantitative' },
      yOffset: { field: 'randomY', type: 'quantitative' },
    },
  }
}

function simple(): Spec {
  return {
    $schema: SCHEMA,
    data: { values: DATA },
    title: TITLE,
    width: 300,
    height: 300,
    mark: { type: 'line' },
    encoding: {
      x: { field: X, type: 'quantitative', title: X_LABEL },
      y: { field: Y, type: 'quantitative', title: Y_LABEL },
      color: { field: 'rev', type: 'nominal' },
    },
  }
}

/** Name → template, in DVC's order. `linear` and `smooth` are the same chart, as in dvc-render ≥ 0.1. */
export const BUILTIN_TEMPLATES: ReadonlyMap<string, Spec> = new Map<string, Spec>([
  ['simple', simple()],
  ['linear', smooth()],
  ['confusion', confusion(false)],
  ['confusion_normalized', confusion(true)],
  ['scatter', scatter(false)],
  ['scatter_jitter', scatter(true)],
  ['smooth', smooth()],
  ['bar_horizontal_sorted', bar(true)],
  ['bar_horizontal', bar(false)],
])

export const DEFAULT_TEMPLATE = 'linear'
