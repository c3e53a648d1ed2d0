import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../errors.js'
import type { LockEntry } from '../pipeline/types.js'
import { PyFloat } from '../util/python-json.js'
import {
  lockEntryToYamlObject,
  lockPathFor,
  parseLockfile,
  readLockfile,
  serializeLockEntry,
  serializeLockfile,
  writeLockEntries,
} from './lockfile.js'

// shared/ lies beside the repository (also in CI)
const fixtureDir = fileURLToPath(new URL('../../../../test/fixtures/example-get-started/', import.meta.url))

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trellis-lock-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

// reference/dvc-pipelines.md §b.8, "own worked example"
const B8_ENTRY: LockEntry = {
  cmd: 'python src/train.py',
  outs: [{ path: 'model', md5: '82580fa6eac587cf759c7be5cee655a0.dir', size: 19, nfiles: 2 }],
  params: { 'params.yaml': { 'train.lr': 0.001, 'train.epochs': 10 } },
  deps: [
    { path: 'src/train.py', md5: '7b7407fdf45908376dc9b05dd0145854', size: 15 },
    { path: 'data/raw.csv', md5: 'e5ebd4c02cefbe7955977c67ada242b7', size: 10 },
  ],
}
const B8_TEXT = `schema: '2.0'
stages:
  train:
    cmd: python src/train.py
    deps:
    - path: data/raw.csv
      md5: e5ebd4c02cefbe7955977c67ada242b7
      size: 10
    - path: src/train.py
      md5: 7b7407fdf45908376dc9b05dd0145854
      size: 15
    params:
      params.yaml:
        train.epochs: 10
        train.lr: 0.001
    outs:
    - path: model
      md5: 82580fa6eac587cf759c7be5cee655a0.dir
      size: 19
      nfiles: 2
`

describe('lockPathFor', () => {
  it('replaces the extension by .lock', () => {
    expect(lockPathFor('dvc.yaml')).toBe('dvc.lock')
    expect(lockPathFor('sub/dir/dvc.yaml')).toBe('sub/dir/dvc.lock')
  })
})

describe('readLockfile / serializeLockfile', () => {
  it('reads the example-get-started lock and writes it back byte for byte', async () => {
    const lock = await readLockfile(fixtureDir, 'dvc.lock')
    expect(lock).not.toBeNull()
    expect(lock!.schema).toBe(2)
    expect([...lock!.stages.keys()]).toEqual(['prepare', 'featurize', 'train', 'evaluate'])
    const prepare = lock!.stages.get('prepare')!
    expect(prepare.params!['params.yaml']['prepare.split']).toBe(0.2)
    expect(prepare.outs).toEqual([{ path: 'data/prepared', md5: '153aad06d376b6595932470e459ef42a.dir', size: 8437363, nfiles: 2 }])
    const text = await readFile(join(fixtureDir, 'dvc.lock'), 'utf8')
    expect(serializeLockfile(lock!.stages)).toBe(text)
  })

  it('returns null when the lock file does not exist', async () => {
    expect(await readLockfile(dir, 'dvc.lock')).toBeNull()
  })

  it('serialises the §b.8 entry exactly as DVC (sorted deps, params.yaml keys sorted)', () => {
    expect(serializeLockfile(new Map([['train', B8_ENTRY]]))).toBe(B8_TEXT)
    expect(Object.keys(lockEntryToYamlObject(B8_ENTRY))).toEqual(['cmd', 'deps', 'params', 'outs'])
    expect(serializeLockEntry(B8_ENTRY)).toBe(
      B8_TEXT.split('\n')
        .slice(3)
        .map((l) => l.slice(4))
        .join('\n'),
    )
  })

  it('keeps a float param 1.0 as 1.0 through read and write', () => {
    const text = `schema: '2.0'\nstages:\n  s:\n    cmd: echo\n    params:\n      params.yaml:\n        lr: 1.0\n        n: 1\n`
    const lock = parseLockfile(text, 'dvc.lock')
    expect(lock.stages.get('s')!.params!['params.yaml'].lr).toBeInstanceOf(PyFloat)
    expect(serializeLockfile(lock.stages)).toBe(text)
  })

  it('puts params.yaml first, then the other files sorted; omits empty sections', () => {
    const entry: LockEntry = {
      cmd: ['a', 'b'],
      params: { 'z.yaml': { b: 1, a: [1, { x: null }] }, 'params.yaml': {}, 'b.json': { k: 'v' } },
      deps: [],
    }
    expect(serializeLockEntry(entry)).toBe(
      'cmd:\n- a\n- b\nparams:\n  params.yaml: {}\n  b.json:\n    k: v\n  z.yaml:\n    a:\n    - 1\n    - x:\n    b: 1\n',
    )
    expect(serializeLockEntry({ cmd: 'echo hi' })).toBe('cmd: echo hi\n')
  })

  it('lower-cases md5 values, coerces integer md5 to their text and treats empty ones as absent', () => {
    const text = [
      "schema: '2.0'",
      'stages:',
      '  s:',
      '    cmd: x',
      '    deps:',
      '    - path: a',
      '      md5: ABCDEF0123456789ABCDEF0123456789',
      '    - path: b',
      '      md5: 12345678901234567890123456789012',
      '    - path: c',
      "      md5: ''",
      '',
    ].join('\n')
    const deps = parseLockfile(text, 'dvc.lock').stages.get('s')!.deps!
    expect(deps.map((d) => d.md5)).toEqual(['abcdef0123456789abcdef0123456789', '12345678901234567890123456789012', undefined])
    // written back quoted, so that it stays a string
    expect(serializeLockEntry({ cmd: 'x', deps: [deps[1]] })).toContain("md5: '12345678901234567890123456789012'")
  })

  it('reads a v1 lock (stages at the top level)', () => {
    const lock = parseLockfile('train:\n  cmd: python train.py\n  outs:\n  - path: model\n    md5: aaa\n', 'dvc.lock')
    expect(lock.schema).toBe(1)
    expect(lock.stages.get('train')).toEqual({ cmd: 'python train.py', outs: [{ path: 'model', md5: 'aaa' }] })
  })

  it("rejects schema '3.0' with DVC's message", () => {
    let error: unknown
    try {
      parseLockfile("schema: '3.0'\nstages: {}\n", 'dvc.lock')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TrellisError)
    expect((error as TrellisError).code).toBe('LOCKFILE_INVALID')
    expect((error as TrellisError).message).toBe(
      "'dvc.lock' validation failed: invalid schema version 3.0, expected one of ['2.0'] for dictionary value @ data['schema']",
    )
  })

  it('rejects unknown keys in a lock entry, naming the key path and line', () => {
    expect(() => parseLockfile("schema: '2.0'\nstages:\n  s:\n    cmd: x\n    outz: []\n", 'dvc.lock')).toThrow(
      "'dvc.lock' validation failed: extra keys not allowed, in stages -> s -> outz, line 5",
    )
  })

  it('treats an empty lock file as an empty v2 lock', () => {
    const lock = parseLockfile('', 'dvc.lock')
    expect(lock.schema).toBe(2)
    expect(lock.stages.size).toBe(0)
  })
})

describe('writeLockEntries', () => {
  it('creates the file, then updates in place keeping order and appending new stages', async () => {
    const first = await writeLockEntries(dir, 'dvc.lock', new Map([['train', B8_ENTRY]]))
    expect(first).toMatchObject({ created: true, migrated: false, updated: ['train'], written: true })
    expect(await readFile(join(dir, 'dvc.lock'), 'utf8')).toBe(B8_TEXT)

    await writeLockEntries(dir, 'dvc.lock', new Map([['prepare', { cmd: 'python prepare.py' }]]))
    const second = await writeLockEntries(dir, 'dvc.lock', new Map([['train', { ...B8_ENTRY, cmd: 'python src/train.py --fast' }]]))
    expect(second).toMatchObject({ created: false, updated: ['train'] })
    const text = await readFile(join(dir, 'dvc.lock'), 'utf8')
    expect(text.indexOf('  train:')).toBeLessThan(text.indexOf('  prepare:'))
    expect(text).toContain('cmd: python src/train.py --fast')
    expect(text.endsWith('  prepare:\n    cmd: python prepare.py\n')).toBe(true)
  })

  it('does not rewrite the file when nothing changed', async () => {
    await writeLockEntries(dir, 'dvc.lock', new Map([['train', B8_ENTRY]]))
    const before = await stat(join(dir, 'dvc.lock'))
    const result = await writeLockEntries(dir, 'dvc.lock', new Map([['train', B8_ENTRY]]))
    expect(result).toMatchObject({ written: false, updated: [] })
    expect((await stat(join(dir, 'dvc.lock'))).mtimeMs).toBe(before.mtimeMs)
  })

  it('migrates a v1 lock to v2, keeping the other entries as written', async () => {
    await writeFile(join(dir, 'dvc.lock'), 'old:\n  cmd: echo old\n  outs:\n  - path: o\n    md5: abc\n    etag: keep-me\n')
    const result = await writeLockEntries(dir, 'dvc.lock', new Map([['train', B8_ENTRY]]))
    expect(result).toMatchObject({ migrated: true, written: true })
    const text = await readFile(join(dir, 'dvc.lock'), 'utf8')
    expect(text.startsWith("schema: '2.0'\nstages:\n  old:\n    cmd: echo old\n")).toBe(true)
    expect(text).toContain('etag: keep-me')
    expect((await readLockfile(dir, 'dvc.lock'))!.schema).toBe(2)
  })

  it('refuses to overwrite an invalid lock file', async () => {
    await writeFile(join(dir, 'dvc.lock'), "schema: '3.0'\n")
    await expect(writeLockEntries(dir, 'dvc.lock', new Map([['train', B8_ENTRY]]))).rejects.toThrow('validation failed')
    expect(await readFile(join(dir, 'dvc.lock'), 'utf8')).toBe("schema: '3.0'\n")
  })
})
