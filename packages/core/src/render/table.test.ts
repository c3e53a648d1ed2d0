import { describe, expect, it } from 'vitest'
import { renderTable, textWidth } from './table.js'
import { dumpsJson, renderJson } from './json.js'
import { PyFloat } from '../util/python-json.js'

describe('renderTable plain', () => {
  it('sizes columns as max(header + 2, widest cell), joins with two spaces, strips line ends', () => {
    const out = renderTable(['Path', 'Metric', 'HEAD~2', 'workspace', 'Change'], [['m.yaml', 'foo', '1.23457', '3.45679', '2.22222']])
    expect(out).toBe('Path    Metric    HEAD~2    workspace    Change\nm.yaml  foo       1.23457   3.45679      2.22222\n')
  })

  it('lets a wide cell win over the header', () => {
    expect(renderTable(['a', 'b'], [['xxxxxx', 'y']])).toBe('a       b\nxxxxxx  y\n')
  })

  it('prints missing cells as - and pads short rows', () => {
    expect(renderTable(['a', 'b', 'c'], [['1', null], ['2']])).toBe('a    b    c\n1    -    -\n2    -    -\n')
  })

  it('right-aligns requested columns, header included', () => {
    const out = renderTable(['Experiment', 'acc', 'lr'], [['workspace', '0.9', '0.1'], ['master', '0.95123', '0.01']], {
      align: ['left', 'right', 'left'],
    })
    expect(out).toBe('Experiment        acc  lr\nworkspace         0.9  0.1\nmaster        0.95123  0.01\n')
  })

  it('prints nothing for an empty table', () => {
    expect(renderTable(['Path', 'Metric'], [])).toBe('')
  })

  it('counts code points, so tree glyphs are one column each', () => {
    expect(textWidth('├── abc')).toBe(7)
    expect(renderTable(['Experiment'], [['│ ╓ 1234567']])).toBe('Experiment\n│ ╓ 1234567\n')
  })
})

describe('renderTable github', () => {
  it('pads cells, adds a dash separator of width + 2 and a trailing empty line', () => {
    expect(renderTable(['Path', 'x'], [['a.json', '1']], { format: 'github' })).toBe(
      '| Path   | x   |\n|--------|-----|\n| a.json | 1   |\n\n',
    )
  })

  it('prints the header of an empty table', () => {
    expect(renderTable(['Path'], [], { format: 'github' })).toBe('| Path   |\n|--------|\n\n')
  })
})

describe('renderTable csv', () => {
  it('quotes minimally with CRLF line ends, like Python csv', () => {
    const out = renderTable(['a', 'b,c', 'd'], [['x "y"', 'line\nbreak', null], ['', '1', '2']], { format: 'csv' })
    expect(out).toBe('a,"b,c",d\r\n"x ""y""","line\nbreak",\r\n,1,2\r\n')
  })

  it('quotes a lone empty field and honours a custom terminator', () => {
    expect(renderTable(['h'], [['']], { format: 'csv', lineTerminator: '\n' })).toBe('h\n""\n')
  })
})

describe('renderJson', () => {
  it('dumps like Python json.dumps (insertion order, float repr, ensure_ascii)', () => {
    const value = { b: 1, a: [new PyFloat(2), 1e-5, 0.5, true, null, 'é'], c: {}, d: [], e: NaN }
    expect(dumpsJson(value)).toBe('{"b": 1, "a": [2.0, 1e-05, 0.5, true, null, "\\u00e9"], "c": {}, "d": [], "e": NaN}')
    expect(renderJson({ a: { b: 1 }, c: [1] }, { indent: 2 })).toBe('{\n  "a": {\n    "b": 1\n  },\n  "c": [\n    1\n  ]\n}\n')
  })

  it('encodes errors as {type, msg}', () => {
    const error = new Error('boom')
    error.name = 'YAMLFileCorruptedError'
    expect(dumpsJson({ error })).toBe('{"error": {"type": "YAMLFileCorruptedError", "msg": "boom"}}')
  })
})
