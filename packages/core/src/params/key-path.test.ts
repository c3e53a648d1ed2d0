import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../errors.js'
import type { ParamsDep } from '../pipeline/types.js'
import { PyFloat } from '../util/python-json.js'
import { collectLockParams, getKeyPath, lookupKey, lookupParams, paramsDepStatus, readParamsDep } from './key-path.js'

const DATA = {
  train: { lr: 0.1, layers: [64, { units: 32 }] },
  lists: [10, 20],
  'a.b': 'unreachable',
  nothing: null,
}

const dep = (keys: string[] | null, file = 'params.yaml'): ParamsDep => ({ fileAsWritten: file, file, keys })

describe('getKeyPath', () => {
  it('descends maps by key and lists by index', () => {
    expect(getKeyPath(DATA, 'train.lr')).toEqual({ found: true, value: 0.1 })
    expect(getKeyPath(DATA, 'train')).toEqual({ found: true, value: DATA.train })
    expect(getKeyPath(DATA, 'lists.0')).toEqual({ found: true, value: 10 })
    expect(getKeyPath(DATA, 'train.layers.1.units')).toEqual({ found: true, value: 32 })
    expect(getKeyPath(DATA, 'nothing')).toEqual({ found: true, value: null })
    expect(lookupKey).toBe(getKeyPath)
  })

  it('reports absent paths', () => {
    expect(getKeyPath(DATA, 'train.momentum').found).toBe(false)
    expect(getKeyPath(DATA, 'lists.2').found).toBe(false)
    expect(getKeyPath(DATA, 'lists.x').found).toBe(false)
    expect(getKeyPath(DATA, 'train.lr.x').found).toBe(false)
    expect(getKeyPath(DATA, 'a.b').found).toBe(false) // keys with dots cannot be addressed
    expect(getKeyPath(new PyFloat(1), 'value').found).toBe(false)
  })
})

describe('collectLockParams', () => {
  it('collects the listed keys, or every top-level key for a whole file', () => {
    expect(collectLockParams(dep(['train.lr', 'lists.1']), DATA)).toEqual({ 'train.lr': 0.1, 'lists.1': 20 })
    expect(collectLockParams(dep(null), DATA)).toEqual(DATA)
    expect(collectLockParams(dep(null), {})).toEqual({})
  })

  it("names the missing keys: Parameters 'a, b' are missing from 'params.yaml'.", () => {
    let error: unknown
    try {
      collectLockParams(dep(['a', 'train.lr', 'b']), DATA)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TrellisError)
    expect((error as TrellisError).code).toBe('PARAMS_INVALID')
    expect((error as TrellisError).message).toBe("Parameters 'a, b' are missing from 'params.yaml'.")
  })

  it('lookupParams keeps only the present keys', () => {
    expect(lookupParams(dep(['a', 'train.lr']), DATA)).toEqual({ 'train.lr': 0.1 })
  })
})

describe('readParamsDep', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trellis-keypath-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads the file and collects the keys', async () => {
    await writeFile(join(dir, 'params.yaml'), 'prepare:\n  split: 0.20\n  seed: 20170428\n')
    expect(await readParamsDep(dir, dep(['prepare.split']))).toEqual({ 'prepare.split': 0.2 })
  })

  it('a missing file is a missing dependency; a missing key names the key', async () => {
    await expect(readParamsDep(dir, dep(['x']))).rejects.toMatchObject({
      code: 'MISSING_DEPENDENCY',
      message: "dependency 'params.yaml' does not exist",
    })
    await writeFile(join(dir, 'params.yaml'), 'a: 1\n')
    await expect(readParamsDep(dir, dep(['a', 'train.lr']))).rejects.toThrow(
      "Parameters 'train.lr' are missing from 'params.yaml'.",
    )
  })
})

describe('paramsDepStatus', () => {
  it('compares with Python equality and reports deleted/new/modified', () => {
    expect(paramsDepStatus(dep(['a']), undefined, {})).toBe('deleted')
    expect(paramsDepStatus(dep(['a']), { a: 1 }, undefined)).toBe('new')
    expect(paramsDepStatus(dep(['a', 'b', 'c']), { a: new PyFloat(1), c: 3 }, { a: 1, b: 2, c: 4 })).toEqual({
      b: 'deleted',
      c: 'modified',
    })
    expect(paramsDepStatus(dep(null), { a: 1, n: 2 }, { a: 1, o: 3 })).toEqual({ n: 'new', o: 'deleted' })
    expect(paramsDepStatus(dep(['t']), { t: [1, 2] }, { t: [1, 2] })).toEqual({})
  })
})
