import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { TrellisError } from '../errors.js'
import { PyFloat } from '../util/python-json.js'
import { flatten, flattenDocument, listsToRepr } from './flatten.js'
import { parsePyJson } from '../params/json.js'
import { isTextBlock, parseDataText, parseMetricsBuffer, readMetricsFile } from './read-metrics-file.js'

const dir = mkdtempSync(join(tmpdir(), 'trellis-metrics-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const write = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

describe('flatten', () => {
  it('joins nested maps with dots, keeps lists, drops empty maps', () => {
    expect(flatten({ a: { b: 1, c: [1, { d: 2 }] }, e: {}, f: { g: { h: 'x' } } })).toEqual({
      'a.b': 1,
      'a.c': [1, { d: 2 }],
      'f.g.h': 'x',
    })
  })
  it('gives a scalar document the key ""', () => {
    expect(flattenDocument(0.5)).toEqual({ '': 0.5 })
    expect(flattenDocument({ a: 1 })).toEqual({ a: 1 })
  })
  it('turns lists into their Python repr (format_dict)', () => {
    expect(listsToRepr({ foo: ['bar', 'baz'], n: { l: [1, 0.5, true] }, x: 1 })).toEqual({
      foo: "['bar', 'baz']",
      n: { l: '[1, 0.5, True]' },
      x: 1,
    })
  })
})

describe('parsePyJson', () => {
  it('keeps floats floats and accepts Python literals', () => {
    const data = parsePyJson('{"a": 1, "b": 2.0, "c": 1e3, "d": [NaN, Infinity, -Infinity], "e": "\\u00e9\\n", "a": 3}') as any
    expect(data.a).toBe(3)
    expect(Object.keys(data)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(data.b).toEqual(new PyFloat(2))
    expect(data.c).toEqual(new PyFloat(1000))
    expect(data.d[0]).toBeNaN()
    expect(data.d.slice(1)).toEqual([Infinity, -Infinity])
    expect(data.e).toBe('é\n')
  })
  it('reports the line of a syntax error', () => {
    expect(() => parsePyJson('{\n  "a": 1,\n}')).toThrow(/Expecting property name enclosed in double quotes: line 3 column 1/)
    expect(() => parsePyJson('{"a": 1} x')).toThrow(/Extra data/)
  })
})

describe('isTextBlock', () => {
  it('follows DVC istextblock', () => {
    expect(isTextBlock(new Uint8Array())).toBe(true)
    expect(isTextBlock(Buffer.from('a\x00b'))).toBe(false)
    expect(isTextBlock(Buffer.from('abcdef\x01\x02\x03'))).toBe(false) // 33% non-text
    expect(isTextBlock(Buffer.from('abcdefg\x01\x02\x03'))).toBe(true) // exactly 30%
    expect(isTextBlock(Buffer.from('tab\tnl\nff\fbs\b'))).toBe(true)
  })
})

describe('readMetricsFile', () => {
  it('reads JSON, YAML and TOML, keeping numbers, bools and strings only', async () => {
    const json = write('m.json', '{"acc": 0.9, "epochs": 10, "ok": true, "name": "x", "hist": [1, 2], "none": null, "nested": {"l": [1]}, "f": 2.0}')
    expect(await readMetricsFile(json, 'm.json')).toEqual({ acc: 0.9, epochs: 10, ok: true, name: 'x', f: new PyFloat(2) })
    const yaml = write('m.yaml', 'train:\n  loss: 1.0\n  acc: 0.5\nflag: yes\n')
    expect(await readMetricsFile(yaml, 'm.yaml')).toEqual({ train: { loss: new PyFloat(1), acc: 0.5 }, flag: 'yes' })
    const toml = write('m.toml', '[train]\nloss = 1.0\nsteps = 3\nwhen = 1979-05-27\n')
    expect(await readMetricsFile(toml, 'm.toml')).toEqual({ train: { loss: new PyFloat(1), steps: 3 } })
    const noext = write('metrics', '0.75\n')
    expect(await readMetricsFile(noext, 'metrics')).toBe(0.75)
    expect(await readMetricsFile(write('zero.json', '0'), 'zero.json')).toEqual({})
  })

  it('rejects binary files with the DVC message', async () => {
    const abs = write('m.bin', Buffer.from([0, 1, 2, 3]))
    const error = (await readMetricsFile(abs, 'm.bin').catch((e: unknown) => e)) as TrellisError
    expect(error).toBeInstanceOf(TrellisError)
    expect(error.code).toBe('METRICS_INVALID')
    expect(error.message).toBe(`binary file '${abs}' cannot be used as metrics.`)
    expect(error.hint).toBeTruthy()
  })

  it('names the file and line of a parse error', async () => {
    const bad = write('bad.json', '{\n  "a": 1,,\n}')
    await expect(readMetricsFile(bad, 'bad.json')).rejects.toThrow("unable to read: 'bad.json', JSON file structure is corrupted, line 2")
    const badYaml = write('bad.yaml', 'a: 1\nb: [\n')
    await expect(readMetricsFile(badYaml, 'bad.yaml')).rejects.toMatchObject({
      code: 'METRICS_INVALID',
      message: expect.stringMatching(/^unable to read: 'bad\.yaml', YAML file structure is corrupted, line \d+$/),
    })
    const badToml = write('bad.toml', 'a = 1\nb = \n')
    await expect(readMetricsFile(badToml, 'bad.toml')).rejects.toThrow(/TOML file structure is corrupted, line 2/)
  })

  it('rejects invalid UTF-8, missing files and directories', async () => {
    expect(() => parseMetricsBuffer(Buffer.from('{"a": "\xff"}', 'latin1'), 'l.json')).toThrow(
      "unable to read: 'l.json', is not valid utf-8",
    )
    await expect(readMetricsFile(join(dir, 'nope.json'), 'nope.json')).rejects.toThrow("metrics file 'nope.json' does not exist")
    mkdirSync(join(dir, 'sub'))
    await expect(readMetricsFile(join(dir, 'sub'), 'sub')).rejects.toThrow('is a directory')
  })

  it('parses params-style documents raw with a custom error code', () => {
    expect(parseDataText('a: [1, 2]\n', 'params.yaml')).toEqual({ a: [1, 2] })
    expect(() => parseDataText('{', 'p.json', { code: 'PARAMS_INVALID' })).toThrow(expect.objectContaining({ code: 'PARAMS_INVALID' }))
  })
})
