import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dumpYaml } from '../dvcfile/yaml-emit.js'
import { TrellisError } from '../errors.js'
import { PyFloat } from '../util/python-json.js'
import { parsePyJson } from './json.js'
import { paramsFormatOf, parseParamsText, readParamsFile, readParamsFileIfExists } from './params-file.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trellis-params-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function read(name: string, content: string | Uint8Array): Promise<unknown> {
  await writeFile(join(dir, name), content)
  return readParamsFile(join(dir, name), name)
}

async function readError(name: string, content: string | Uint8Array): Promise<TrellisError> {
  const error = await read(name, content).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(TrellisError)
  expect((error as TrellisError).code).toBe('PARAMS_INVALID')
  return error as TrellisError
}

describe('paramsFormatOf', () => {
  it('chooses by lower-cased extension, YAML otherwise', () => {
    expect(paramsFormatOf('a.JSON')).toBe('json')
    expect(paramsFormatOf('a.toml')).toBe('toml')
    expect(paramsFormatOf('cfg/a.py')).toBe('py')
    expect(paramsFormatOf('params.yml')).toBe('yaml')
    expect(paramsFormatOf('params')).toBe('yaml')
  })
})

describe('readParamsFile', () => {
  it('YAML 1.2: floats stay floats, yes/no stay strings, 1e-3 is a float', async () => {
    const data = (await read('params.yaml', 'lr: 1.0\nsplit: 0.20\nflag: yes\nsmall: 1e-3\nn: 10\n')) as Record<string, unknown>
    expect(data.lr).toBeInstanceOf(PyFloat)
    expect(data).toMatchObject({ split: 0.2, flag: 'yes', small: 0.001, n: 10 })
    expect(dumpYaml(data)).toBe('lr: 1.0\nsplit: 0.2\nflag: yes\nsmall: 0.001\nn: 10\n')
  })

  it('JSON: 1.0 and 1e3 are floats, duplicate keys keep the last value, NaN/Infinity accepted', async () => {
    const data = (await read('p.json', '{"a": 1.0, "b": 1e3, "c": 2, "a": 1.5, "n": NaN, "i": -Infinity, "s": "\\u00e9\\n"}')) as Record<
      string,
      unknown
    >
    expect(Object.keys(data)).toEqual(['a', 'b', 'c', 'n', 'i', 's'])
    expect(data.a).toBe(1.5)
    expect(data.b).toEqual(new PyFloat(1000))
    expect(data.c).toBe(2)
    expect(data.n).toBeNaN()
    expect(data.i).toBe(-Infinity)
    expect(data.s).toBe('é\n')
  })

  it('JSON with tab indentation (not valid YAML) is read', async () => {
    expect(await read('t.json', '{\n\t"a": {\n\t\t"b": [1, 2.0]\n\t}\n}\n')).toEqual({ a: { b: [1, new PyFloat(2)] } })
  })

  it('TOML: integral floats are PyFloat, integers are numbers, dates are text', async () => {
    const data = (await read('p.toml', 'lr = 1.0\nepochs = 10\n[opt]\nbeta = 0.9\nwhen = 2021-01-01\n')) as Record<string, unknown>
    expect(data.lr).toEqual(new PyFloat(1))
    expect(data.epochs).toBe(10)
    expect(data.opt).toEqual({ beta: 0.9, when: '2021-01-01' })
  })

  it('Python: literal assignments and class bodies', async () => {
    expect(await read('params.py', 'LR = 0.1\nclass Train:\n    epochs = 10\n    layers = [1, 2]\n')).toEqual({
      LR: 0.1,
      Train: { epochs: 10, layers: [1, 2] },
    })
  })

  it('an empty YAML file is an empty map', async () => {
    expect(await read('params.yaml', '')).toEqual({})
  })

  it('errors name the file, the format and the line', async () => {
    let error = await readError('params.yaml', 'a: 1\nb: [unclosed\n')
    expect(error.message).toMatch(
      /^Unable to read parameters from 'params\.yaml': unable to read: 'params\.yaml', YAML file structure is corrupted: .*, line \d$/,
    )
    error = await readError('p.json', '{\n  "a": 1,\n  "b": \n}')
    expect(error.message).toBe(
      "Unable to read parameters from 'p.json': unable to read: 'p.json', JSON file structure is corrupted: Expecting value: line 4 column 1 (char 20)",
    )
    error = await readError('p.toml', 'a = 1\nb =\n')
    expect(error.message).toBe("Unable to read parameters from 'p.toml': unable to read: 'p.toml', TOML file structure is corrupted: invalid value, line 2")
    error = await readError('p.py', 'A = 1\nB = "open\n')
    expect(error.message).toBe("Unable to read parameters from 'p.py': unable to read: 'p.py', Python file structure is corrupted: unterminated string literal, line 2")
    error = await readError('bad.yaml', new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0xfe]))
    expect(error.message).toBe("Unable to read parameters from 'bad.yaml': unable to read: 'bad.yaml', is not valid utf-8")
    error = await readError('list.yaml', '- a\n- b\n')
    expect(error.message).toBe("Unable to read parameters from 'list.yaml': expected a dictionary, got 'list'")
  })

  it('a missing file or a directory', async () => {
    expect(await readParamsFileIfExists(join(dir, 'nope.yaml'), 'nope.yaml')).toBeUndefined()
    await expect(readParamsFile(join(dir, 'nope.yaml'), 'nope.yaml')).rejects.toThrow(
      "Unable to read parameters from 'nope.yaml': 'nope.yaml' does not exist",
    )
    await mkdir(join(dir, 'params'))
    await expect(readParamsFile(join(dir, 'params'), 'params')).rejects.toThrow("'params' is a directory, expected a parameters file")
  })
})

describe('parsePyJson', () => {
  it('parses like json.loads', () => {
    expect(parsePyJson('[1, -0, 0.5, 2e-1, true, null, "x"]')).toEqual([1, 0, 0.5, 0.2, true, null, 'x'])
    expect(() => parsePyJson('{"a": 1} x')).toThrow('Extra data: line 1 column 10 (char 9)')
    expect(() => parsePyJson("{'a': 1}")).toThrow('Expecting property name enclosed in double quotes')
  })

  it('is used by parseParamsText for .json', () => {
    expect(parseParamsText('{"x": 1.0}', 'json', 'x.json')).toEqual({ x: new PyFloat(1) })
  })
})
