import { describe, expect, it } from 'vitest'
import { PyFloat } from '../util/python-json.js'
import { parsePythonParams, PythonSyntaxError } from './python-params.js'

describe('parsePythonParams (DVC _py.py semantics)', () => {
  it('reads literal top-level assignments, annotated ones and containers of literals', () => {
    const text = [
      '"""module docstring"""',
      'import os',
      'LR = 0.001',
      'EPOCHS: int = 10',
      'ONE = 1.0',
      'BIG = 1_000_000',
      'HEX = 0x10',
      "NAME = 'model' \"-v2\"",
      'RAW = r"\\d+"',
      'FLAG = True',
      'NOTHING = None',
      'LAYERS = [64, 32,]',
      'SHAPE = (3, 224, 224)',
      'PAIR = 1, 2',
      'TAGS = {"a", "b", "a"}',
      'OPT = {"beta": 0.9, "eps": 1e-8}',
      'EMPTY = {}',
      'PAREN = (5)',
      'SEMI = 1; OTHER = 2',
      'MULTI = [',
      '    1,  # comment',
      '    2,',
      ']',
      'TEXT = """a',
      'b"""',
    ].join('\n')
    expect(parsePythonParams(text)).toEqual({
      LR: 0.001,
      EPOCHS: 10,
      ONE: new PyFloat(1),
      BIG: 1000000,
      HEX: 16,
      NAME: 'model-v2',
      RAW: '\\d+',
      FLAG: true,
      NOTHING: null,
      LAYERS: [64, 32],
      SHAPE: [3, 224, 224],
      PAIR: [1, 2],
      TAGS: ['a', 'b'],
      OPT: { beta: 0.9, eps: 1e-8 },
      EMPTY: {},
      PAREN: 5,
      SEMI: 1,
      OTHER: 2,
      MULTI: [1, 2],
      TEXT: 'a\nb',
    })
  })

  it('skips what DVC skips: negative numbers, expressions, nested containers, bytes, f-strings, chained targets', () => {
    const text = [
      'NEG = -1',
      'EXPR = 1 + 2',
      'CALL = dict(a=1)',
      'NESTED = [[1], 2]',
      'BYTES = b"x"',
      'FSTR = f"{NEG}"',
      'A = B = 3',
      'X, Y = 1, 2',
      'obj.attr = 4',
      'KEEP = 5',
      'if KEEP:',
      '    INSIDE_IF = 6',
      'def f(x=1):',
      '    LOCAL = 7',
    ].join('\n')
    expect(parsePythonParams(text)).toEqual({ KEEP: 5 })
  })

  it('reads class bodies as nested maps and self.x assignments of __init__', () => {
    const text = [
      '@dataclass',
      'class Train:',
      '    lr: float = 0.1',
      '    class Optim:',
      '        name = "adam"',
      '',
      '    def __init__(self, seed=1):',
      '        self.seed = 42',
      '        other = 3',
      '        self.hidden = [1, 2]',
      '',
      '    def method(self):',
      '        self.ignored = 1',
      'class Inline: x = 1; y = 2',
      'AFTER = "x"',
    ].join('\n')
    expect(parsePythonParams(text)).toEqual({
      Train: { lr: 0.1, Optim: { name: 'adam' }, seed: 42, hidden: [1, 2] },
      Inline: { x: 1, y: 2 },
      AFTER: 'x',
    })
  })

  it('reports broken structure with the line', () => {
    expect(() => parsePythonParams('A = 1\nB = [1,\n')).toThrow(PythonSyntaxError)
    expect(() => parsePythonParams('A = 1\nB = [1,\n')).toThrow("'[' was never closed")
    expect(() => parsePythonParams('  A = 1\n')).toThrow('unexpected indent')
    expect(() => parsePythonParams('A = (1]\n')).toThrow("unmatched ']'")
  })
})
