import { describe, expect, it } from 'vitest'
import { parsePlotData } from './plot-data.js'
import { convertSeries, resolveFields } from './plot-series.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('parsePlotData', () => {
  it('reads JSON lists and mappings holding tables, merging several tables by index', () => {
    expect(parsePlotData(bytes('[{"a": 1.0, "b": 2}]'), 'p.json')).toEqual([{ a: 1, b: 2 }])
    expect(parsePlotData(bytes('{"train": [{"loss": 1}, {"loss": 0.5}], "val": {"x": [{"acc": 0.1}, {"acc": 0.2}]}}'), 'p.json')).toEqual([
      { loss: 1, acc: 0.1 },
      { loss: 0.5, acc: 0.2 },
    ])
    expect(parsePlotData(bytes('[{"a": NaN}]'), 'p.json')).toEqual([{ a: NaN }])
  })

  it('reads YAML, CSV (quotes, CRLF, BOM) and TSV, values of CSV staying strings', () => {
    expect(parsePlotData(bytes('rows:\n  - {x: 1, y: 2.0}\n'), 'p.yaml')).toEqual([{ x: 1, y: 2 }])
    expect(parsePlotData(bytes('\ufeffx,"na,me"\r\n1,"a ""b"""\r\n2,c\r\n'), 'p.csv')).toEqual([
      { x: '1', 'na,me': 'a "b"' },
      { x: '2', 'na,me': 'c' },
    ])
    expect(parsePlotData(bytes('x\ty\n1\t2\n'), 'p.tsv')).toEqual([{ x: '1', y: '2' }])
    expect(parsePlotData(bytes('1,2\n3,4\n'), 'p.csv', { header: false })).toEqual([
      { 0: '1', 1: '2' },
      { 0: '3', 1: '4' },
    ])
  })

  it('names the file in its errors', () => {
    expect(() => parsePlotData(bytes('{"a": ['), 'bad.json')).toThrow(/^unable to read: 'bad.json', JSON file structure is corrupted, line 1$/)
    expect(() => parsePlotData(bytes('{"a": 1}'), 'flat.json')).toThrow("'flat.json' holds no table of records")
    expect(() => parsePlotData(bytes('x'), 'p.txt')).toThrow("'p.txt' - file type error. Only JSON, YAML, CSV and TSV formats are supported.")
  })
})

describe('convertSeries', () => {
  it('adds step when there is no x, takes the last field of the first row as y, tags rev and filename', () => {
    const input = { rev: 'main', filename: 'l.csv', rows: [{ a: '1', loss: '0.5' }, { a: '2', loss: '0.4' }] }
    const fields = resolveFields(input)
    expect(fields).toEqual({ xField: 'step', yFields: ['loss'] })
    const out = convertSeries([{ ...input, ...fields }])
    expect(out).toMatchObject({ x: 'step', y: 'loss', xLabel: 'step', yLabel: 'loss' })
    expect(out.datapoints).toEqual([
      { a: '1', loss: '0.5', step: 0, rev: 'main', filename: 'l.csv', field: 'loss' },
      { a: '2', loss: '0.4', step: 1, rev: 'main', filename: 'l.csv', field: 'loss' },
    ])
  })

  it('infers one y field for several fields and names each series', () => {
    const a = { rev: 'a', filename: 'f.json', rows: [{ x: 1, p: 2, q: 3 }], x: 'x', y: ['p', 'q'] }
    const out = convertSeries([{ ...a, ...resolveFields(a) }])
    expect(out.y).toBe('dvc_inferred_y_value')
    expect(out.datapoints.map((d) => [d.rev, d.dvc_inferred_y_value])).toEqual([
      ['a::p', 2],
      ['a::q', 3],
    ])
  })

  it('a field the data lacks is an error naming the file and the fields it has', () => {
    expect(() => resolveFields({ rev: 'w', filename: 'f.csv', rows: [{ a: 1, b: 2 }], y: ['c'] })).toThrow("Could not find provided field ('c') in data fields ('a, b') of 'f.csv' (w).")
  })
})
