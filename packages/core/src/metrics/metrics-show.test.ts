import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PyFloat } from '../util/python-json.js'
import { parsePyJson } from '../params/json.js'
import { metricsShowJson, renderMetricsShow } from './metrics-show.js'

// example-get-started eval/live/metrics.json (shared/fixtures), inlined so the test is self-contained
const FIXTURE_TEXT =
  '{\n    "avg_prec": {\n        "train": 0.9743681430252835,\n        "test": 0.9249974999612706\n    },\n    "roc_auc": {\n        "train": 0.9866678562450621,\n        "test": 0.9460213440787918\n    }\n}'
// the same file, copied into test/fixtures (source noted there)
const FIXTURE_FILE = new URL('../../../../test/fixtures/example-get-started/eval/live/metrics.json', import.meta.url)

// the two blocks printed in dvc-pipelines.md §d.3
const PLAIN =
  'Path                    avg_prec.test    avg_prec.train    roc_auc.test    roc_auc.train\n' +
  'eval/live/metrics.json  0.925            0.97437           0.94602         0.98667\n'
const MD =
  '| Path                   | avg_prec.test   | avg_prec.train   | roc_auc.test   | roc_auc.train   |\n' +
  '|------------------------|-----------------|------------------|----------------|-----------------|\n' +
  '| eval/live/metrics.json | 0.925           | 0.97437          | 0.94602        | 0.98667         |\n' +
  '\n'

const fixture = () => ({ workspace: { 'eval/live/metrics.json': { data: parsePyJson(FIXTURE_TEXT) } } })

describe('renderMetricsShow', () => {
  it('reproduces the §d.3 plain table byte for byte', () => {
    expect(renderMetricsShow(fixture())).toBe(PLAIN)
  })

  it('reproduces the §d.3 --md table byte for byte', () => {
    expect(renderMetricsShow(fixture(), { format: 'md' })).toBe(MD)
  })

  it('matches the fixture file', () => {
    expect(readFileSync(FIXTURE_FILE, 'utf8')).toBe(FIXTURE_TEXT)
    const data = { workspace: { 'eval/live/metrics.json': { data: parsePyJson(readFileSync(FIXTURE_FILE, 'utf8')) } } }
    expect(renderMetricsShow(data)).toBe(PLAIN)
  })

  it('prints the --json shape', () => {
    expect(renderMetricsShow(fixture(), { format: 'json' })).toBe(
      '{"workspace": {"data": {"eval/live/metrics.json": {"data": {"avg_prec": {"train": 0.9743681430252835, "test": 0.9249974999612706}, "roc_auc": {"train": 0.9866678562450621, "test": 0.9460213440787918}}}}}}\n',
    )
    const error = Object.assign(new Error("unable to read: 'bad.json', JSON file structure is corrupted"), { name: 'TrellisError' })
    expect(metricsShowJson({ workspace: { 'bad.json': { error } } })).toEqual({
      workspace: { data: { 'bad.json': { error: { type: 'TrellisError', msg: error.message } } } },
    })
  })

  it('rounds with --precision, keeps floats floats and ints ints, fills missing with -', () => {
    const data = {
      main: {
        'a.json': { data: { acc: 0.98765, loss: new PyFloat(2), steps: 10, ok: true, tiny: 1e-9, name: 'x', l: [0.123456789] } },
        's.yaml': { data: 0.5 },
      },
      workspace: { 'a.json': { data: { acc: 0.5 } }, 'bad.json': { error: new Error('boom') } },
    }
    // columns sorted, the scalar file's column is titled '' (sorts first); lists print as their repr, unrounded
    expect(renderMetricsShow(data, { precision: 2, showRevision: true })).toBe(
      'Revision    Path           acc    l              loss    name    ok    steps    tiny\n' +
        'main        a.json    -    0.99   [0.123456789]  2.0     x       True  10       0.0\n' +
        'main        s.yaml    0.5  -      -              -       -       -     -        -\n' +
        'workspace   a.json    -    0.5    -              -       -       -     -        -\n' +
        'workspace   bad.json  -    -      -              -       -       -     -        -\n',
    )
    // precision defaults to 5; Revision hidden by default
    expect(renderMetricsShow({ workspace: { 'm.json': { data: { a: 0.123456789 } } } })).toBe('Path    a\nm.json  0.12346\n')
  })

  it("also accepts DVC's --json shape as input", () => {
    const dvcShape = { workspace: { data: { 'eval/live/metrics.json': { data: parsePyJson(FIXTURE_TEXT) } } } }
    expect(renderMetricsShow(dvcShape)).toBe(PLAIN)
    expect(metricsShowJson(dvcShape)).toEqual(metricsShowJson(fixture()))
    expect(renderMetricsShow({ workspace: { data: {} } })).toBe('')
  })

  it('prints nothing for no metrics, but the md header', () => {
    expect(renderMetricsShow({ workspace: {} })).toBe('')
    expect(renderMetricsShow({ workspace: {} }, { format: 'md' })).toBe('| Path   |\n|--------|\n\n')
  })
})
