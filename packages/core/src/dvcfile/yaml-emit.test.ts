/**
 * The expected texts below were produced by ruamel.yaml 0.17.21 (the version DVC 2.58 runs
 * with) using DVC's dumper settings: `YAML(); default_flow_style = False`.
 */
import { describe, expect, it } from 'vitest'
import { PyFloat } from '../util/python-json.js'
import { loadYaml } from '../util/yaml.js'
import { dumpYaml, resolvePlainTag } from './yaml-emit.js'

const STRINGS: string[] = ["yes", "no", "on", "true", "True", "FALSE", "null", "Null", "~", "", "123", "-7", "1_000", "0o17", "0x1F", "0b101", "1e5", "1.5", ".5", "1.", "2021-01-01", "2021-1-1 10:20:30", "a: b", "a #b", "#c", "- x", "-x", "-", "it's", "'q'", "\"dq\"", "x\ny", "tab\there", " lead", "trail ", "日本語", "=", "<<", "a,b", "[a]", "{a}", "@x", "%x", "`x", "C:\\path", "*", "&a", "!tag", "|", ">", "?", ":x", "x:", "a:b", "http://x.y/z", "---", "...x", "_", ".inf", ".NaN", "nan", "inf"]

const LONG = 'python src/train.py --learning-rate 0.001 --epochs 10 --batch-size 32 --output-dir models/experiment-one --seed 42'

describe('dumpYaml (ruamel round-trip dumper emulation)', () => {
  it('quotes exactly the strings the YAML 1.2 resolver or an indicator requires', () => {
    const doc = new Map(STRINGS.map((s, i) => [`s${String(i).padStart(2, '0')}`, s]))
    expect(dumpYaml(doc)).toBe("s00: yes\ns01: no\ns02: on\ns03: 'true'\ns04: 'True'\ns05: 'FALSE'\ns06: 'null'\ns07: 'Null'\ns08: '~'\ns09: ''\ns10: '123'\ns11: '-7'\ns12: '1_000'\ns13: '0o17'\ns14: '0x1F'\ns15: '0b101'\ns16: '1e5'\ns17: '1.5'\ns18: '.5'\ns19: '1.'\ns20: '2021-01-01'\ns21: '2021-1-1 10:20:30'\ns22: 'a: b'\ns23: 'a #b'\ns24: '#c'\ns25: '- x'\ns26: -x\ns27: '-'\ns28: it's\ns29: \"'q'\"\ns30: '\"dq\"'\ns31: \"x\\ny\"\ns32: \"tab\\there\"\ns33: ' lead'\ns34: 'trail '\ns35: 日本語\ns36: '='\ns37: '<<'\ns38: a,b\ns39: '[a]'\ns40: '{a}'\ns41: '@x'\ns42: '%x'\ns43: '`x'\ns44: C:\\path\ns45: '*'\ns46: '&a'\ns47: '!tag'\ns48: '|'\ns49: '>'\ns50: '?'\ns51: :x\ns52: 'x:'\ns53: a:b\ns54: http://x.y/z\ns55: '---'\ns56: '...x'\ns57: _\ns58: '.inf'\ns59: '.NaN'\ns60: nan\ns61: inf\n")
  })

  it('folds long plain and quoted scalars at column 80, 2 deeper than the key', () => {
    const doc = {
      cmd: LONG,
      list: [LONG, 'x'.repeat(100), 'short'],
      nested: { deeper: { cmd: LONG } },
      quoted: "it's " + LONG,
      single: '#' + LONG,
    }
    expect(dumpYaml(doc)).toBe("cmd: python src/train.py --learning-rate 0.001 --epochs 10 --batch-size 32 --output-dir\n  models/experiment-one --seed 42\nlist:\n- python src/train.py --learning-rate 0.001 --epochs 10 --batch-size 32 --output-dir\n  models/experiment-one --seed 42\n- xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n- short\nnested:\n  deeper:\n    cmd: python src/train.py --learning-rate 0.001 --epochs 10 --batch-size 32 --output-dir\n      models/experiment-one --seed 42\nquoted: it's python src/train.py --learning-rate 0.001 --epochs 10 --batch-size 32\n  --output-dir models/experiment-one --seed 42\nsingle: '#python src/train.py --learning-rate 0.001 --epochs 10 --batch-size 32 --output-dir\n  models/experiment-one --seed 42'\n")
  })

  it('writes numbers, booleans, nulls, empty and nested collections, long and multi-line keys like ruamel', () => {
    const doc = new Map<string, unknown>([
      ['ints', [0, 1, -5, 10 ** 15, 20170428]],
      [
        'floats',
        [new PyFloat(1), 0.2, 0.001, 1e-5, new PyFloat(1e16), new PyFloat(1.5e300), 123456789.125, new PyFloat(-0), Infinity, -Infinity, NaN],
      ],
      ['bools', [true, false]],
      ['null', null],
      ['nulls', [null, undefined]],
      ['empty_map', {}],
      ['empty_list', []],
      ['in_list', [{}, [], null, 'x']],
      ['lol', [[1, 2], [[3]], []]],
      ['lom', [{ a: 1, b: [1, 2], c: { d: null } }]],
      ['k'.repeat(130), 'long key'],
      ['multi\nline key', 1],
    ])
    expect(dumpYaml(doc)).toBe("ints:\n- 0\n- 1\n- -5\n- 1000000000000000\n- 20170428\nfloats:\n- 1.0\n- 0.2\n- 0.001\n- 1e-05\n- 1e+16\n- 1.5e+300\n- 123456789.125\n- -0.0\n- .inf\n- -.inf\n- .nan\nbools:\n- true\n- false\n'null':\nnulls:\n- \n- \nempty_map: {}\nempty_list: []\nin_list:\n- {}\n- []\n- \n- x\nlol:\n- - 1\n  - 2\n- - - 3\n- []\nlom:\n- a: 1\n  b:\n  - 1\n  - 2\n  c:\n    d:\n? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: long key\n? \"multi\\nline key\"\n: 1\n")
  })

  it('reads back what it writes (YAML 1.2), floats included', () => {
    const doc = { a: STRINGS, b: { lr: new PyFloat(1), small: 1e-5, n: 3, t: true, z: null }, c: LONG }
    const back = loadYaml(dumpYaml(doc), 'x.yaml').data as Record<string, unknown>
    expect(back.a).toEqual(STRINGS)
    expect(back.c).toBe(LONG)
    const b = back.b as Record<string, unknown>
    expect(b.lr).toBeInstanceOf(PyFloat)
    expect((b.lr as PyFloat).value).toBe(1)
    expect(b).toMatchObject({ small: 1e-5, n: 3, t: true, z: null })
  })

  it('writes a float param 1.0 as 1.0 and keeps Map key order', () => {
    expect(dumpYaml(new Map<string, unknown>([['b', new PyFloat(1)], ['a', 1]]))).toBe('b: 1.0\na: 1\n')
  })

  it('resolves plain scalars with the YAML 1.2 rules (yes/no/on stay strings)', () => {
    expect(resolvePlainTag('yes')).toBe('str')
    expect(resolvePlainTag('True')).toBe('bool')
    expect(resolvePlainTag('1_000')).toBe('int')
    expect(resolvePlainTag('_')).toBe('str')
    expect(resolvePlainTag('1e5')).toBe('float')
    expect(resolvePlainTag('')).toBe('null')
  })
})
