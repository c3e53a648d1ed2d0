import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { resetStateMemo, stateDbPath } from '../state/state-db.js'
import { Hasher } from './hasher.js'

const base = mkdtempSync(join(tmpdir(), 'trellis-hasher-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
beforeEach(() => resetStateMemo())

let n = 0
/** A repo with .dvc/, files written with an mtime safely in the past (not "racy"). */
function repo(files: Record<string, string>): string {
  const root = join(base, `r${n++}`)
  mkdirSync(join(root, '.dvc'), { recursive: true })
  for (const [rel, content] of Object.entries(files)) write(root, rel, content)
  return root
}
let tick = 1_600_000_000
function write(root: string, rel: string, content: string): void {
  const p = join(root, rel)
  mkdirSync(join(p, '..'), { recursive: true })
  writeFileSync(p, content)
  tick += 10
  utimesSync(p, tick + 0.5, tick + 0.5)
}

describe('Hasher', () => {
  it('hashes files and directories as DVC does', async () => {
    const root = repo({ foo: 'foo', 'data/foo': 'foo', 'data/sub/bar': 'bar', crlf: 'a\r\nb\r\n' })
    mkdirSync(join(root, 'empty'))
    const h = await Hasher.open(root)
    expect(await h.hashPath('foo')).toEqual({ md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3 })
    expect(await h.hashPath('crlf')).toEqual({ md5: 'dd8c6a395b5dd36c56d23275028f526c', size: 6 })
    const dir = await h.hashPath('data')
    expect(dir).toMatchObject({ md5: '4c18c474509251c27acbe2ae64d64a81.dir', size: 6, nfiles: 2 })
    expect(dir.manifest!.map((e) => e.relpath)).toEqual(['foo', 'sub/bar'])
    expect(await h.hashPath('empty')).toMatchObject({ md5: 'd751713988987e9331980363e24189ce.dir', size: 0, nfiles: 0 })
    expect(await h.hashPath('./data/')).toBe(dir) // same key, memoised
    expect(await h.hashPath(join(root, 'data'))).toBe(dir) // absolute inside the root
    await h.close()
  })

  it('reports directory hashing progress per batch, cumulative, ending at done === total', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 600; i++) files[`big/f${i}`] = `file ${i}`
    files['small/a'] = 'a'
    const root = repo(files)
    for (const pool of ['pool', 'in-process'] as const) {
      resetStateMemo()
      const calls: Array<[number, number]> = []
      const h = await Hasher.open(root, { pool, stateless: true, onProgress: (done, total) => calls.push([done, total]) })
      await h.hashPath('big')
      expect(calls.at(-1)).toEqual([600, 600])
      expect(calls.length).toBeLessThan(20) // per batch, not per file
      await h.hashPath('small')
      expect(calls.at(-1)).toEqual([601, 601])
      await h.hashPath('big') // memoised: nothing to hash, nothing told
      expect(calls.at(-1)).toEqual([601, 601])
      for (const [done, total] of calls) expect(done).toBeLessThanOrEqual(total)
      await h.close()
    }
  })

  it('reports isexec for executable files only', async () => {
    const root = repo({ run: '#!/bin/sh\n' })
    chmodSync(join(root, 'run'), 0o755)
    const h = await Hasher.open(root)
    expect(await h.hashPath('run')).toMatchObject({ isexec: true })
    await h.close()
  })

  it('rejects with ENOENT for a missing path', async () => {
    const h = await Hasher.open(repo({}))
    await expect(h.hashPath('nope')).rejects.toMatchObject({ code: 'ENOENT' })
    await h.close()
  })

  it('stores file hashes in the state db and does not read unchanged files again', async () => {
    const root = repo({ 'd/a': 'aaa', 'd/b': 'bbb', f: 'foo' })
    const h1 = await Hasher.open(root)
    expect(h1.persistent).toBe(true)
    const d1 = await h1.hashPath('d')
    await h1.hashPath('f')
    expect(h1.stats.hashedFiles).toBe(3)
    await h1.close()
    expect(statSync(stateDbPath(root)).isFile()).toBe(true)

    resetStateMemo() // as if in a new process: everything comes from the db file
    const h2 = await Hasher.open(root)
    expect(await h2.hashPath('d')).toEqual(d1)
    expect((await h2.hashPath('f')).md5).toBe('acbd18db4cc2f85cedef654fccc4a4d8')
    expect(h2.stats).toMatchObject({ hashedFiles: 0, stateHits: 3 })
    await h2.close()
  })

  it('re-hashes a file changed after it was stored (same size, new mtime)', async () => {
    const root = repo({ 'd/a': 'aaa', f: 'foo' })
    const h1 = await Hasher.open(root)
    expect((await h1.hashPath('f')).md5).toBe('acbd18db4cc2f85cedef654fccc4a4d8')
    await h1.hashPath('d')
    await h1.close()

    write(root, 'f', 'bar') // same size, later mtime
    write(root, 'd/a', 'xyz')
    resetStateMemo()
    const h2 = await Hasher.open(root)
    expect((await h2.hashPath('f')).md5).toBe('37b51d194a7513e45b56f6524f2d51f2')
    expect((await h2.hashPath('d')).manifest![0].md5).toBe('d16fb36f0911f878998c136191af705e')
    expect(h2.stats.hashedFiles).toBe(2)
    // and within one process, a file is re-validated by stat every time
    write(root, 'f', 'baz')
    expect((await h2.hashPath('f')).md5).toBe('73feffa4b7f6bb68e44cf984c85f6e88')
    await h2.close()
  })

  it('memoises directories until invalidated', async () => {
    const root = repo({ 'd/a': 'a', 'd/s/b': 'b' })
    const h = await Hasher.open(root)
    const first = await h.hashPath('d')
    const again = await Promise.all([h.hashPath('d'), h.hashPath('d')])
    expect(again).toEqual([first, first])
    expect(h.stats.dirsWalked).toBe(1)
    write(root, 'd/s/b', 'B')
    expect(await h.hashPath('d')).toBe(first) // memo: not revalidated
    h.invalidate('d/s/b')
    const second = await h.hashPath('d')
    expect(second.md5).not.toBe(first.md5)
    expect(h.stats.dirsWalked).toBe(2)
    h.invalidate()
    await h.hashPath('d')
    expect(h.stats.dirsWalked).toBe(3)
    await h.close()
  })

  it('concurrent calls for the same directory walk it once', async () => {
    const root = repo({ 'd/a': 'a' })
    const h = await Hasher.open(root)
    const [x, y] = await Promise.all([h.hashPath('d'), h.hashPath('d')])
    expect(x).toBe(y)
    expect(h.stats.dirsWalked).toBe(1)
    await h.close()
  })

  it('stateless: no db file, no reuse across Hashers', async () => {
    const root = repo({ f: 'foo' })
    const h1 = await Hasher.open(root, { stateless: true })
    await h1.hashPath('f')
    await h1.close()
    const h2 = await Hasher.open(root, { stateless: true })
    await h2.hashPath('f')
    expect(h2.stats.hashedFiles).toBe(1)
    expect(h2.persistent).toBe(false)
    await h2.close()
    expect(() => statSync(stateDbPath(root))).toThrow()
  })

  it('hashes big directories through the pool with the same result', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 150; i++) files[`big/${i % 7}/f${i}`] = `line ${i}\r\n`.repeat(i)
    const root = repo(files)
    const viaPool = await (await Hasher.open(root, { stateless: true, pool: 'pool' })).hashPath('big')
    const inProc = await (await Hasher.open(root, { stateless: true, pool: 'in-process' })).hashPath('big')
    expect(viaPool).toEqual(inProc)
    expect(viaPool.nfiles).toBe(150)
  })

  it('does not store racy entries (mtime too close to the read)', async () => {
    const root = repo({})
    writeFileSync(join(root, 'fresh'), 'foo') // mtime = now
    const h1 = await Hasher.open(root)
    await h1.hashPath('fresh')
    await h1.hashPath('fresh')
    expect(h1.stats.hashedFiles).toBe(2) // not remembered, not even in memory
    await h1.close()
  })
})

describe('Hasher directory fingerprint', () => {
  it('answers an unchanged directory from the stored fingerprint; the manifest is still right', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 30; i++) files[`d/s${i % 3}/f${i}`] = `file ${i}\r\n`
    const root = repo(files)
    chmodSync(join(root, 'd/s0/f0'), 0o755)
    const h1 = await Hasher.open(root)
    const first = await h1.hashPath('d')
    await h1.close()

    resetStateMemo()
    const h2 = await Hasher.open(root)
    const second = await h2.hashPath('d')
    expect(h2.stats).toMatchObject({ dirStateHits: 1, hashedFiles: 0, stateHits: 30 })
    expect({ md5: second.md5, size: second.size, nfiles: second.nfiles }).toEqual({ md5: first.md5, size: first.size, nfiles: first.nfiles })
    expect(second.manifest).toEqual(first.manifest) // built lazily from the file rows
    expect(second.manifest!.find((e) => e.relpath === 's0/f0')?.isexec).toBe(true)
    await h2.close()

    // one file changes (same size): the fingerprint differs, only that file is read
    write(root, 'd/s1/f1', 'FILE 1\r\n')
    resetStateMemo()
    const h3 = await Hasher.open(root)
    const third = await h3.hashPath('d')
    expect(h3.stats).toMatchObject({ dirStateHits: 0, hashedFiles: 1, stateHits: 29 })
    expect(third.md5).not.toBe(first.md5)
    await h3.close()

    // a chmod alone changes the fingerprint too (exec bits are in the manifest entries)
    chmodSync(join(root, 'd/s2/f2'), 0o755)
    resetStateMemo()
    const h4 = await Hasher.open(root)
    const fourth = await h4.hashPath('d')
    expect(h4.stats.dirStateHits).toBe(0)
    expect(fourth.md5).toBe(third.md5)
    expect(fourth.manifest!.find((e) => e.relpath === 's2/f2')?.isexec).toBe(true)
    await h4.close()
  })

  it('a lazily built manifest rehashes files whose rows are gone', async () => {
    const root = repo({ 'd/a': 'a', 'd/b': 'b' })
    const h1 = await Hasher.open(root)
    const first = await h1.hashPath('d')
    await h1.close()
    // drop the file rows, keep the dirs row
    const Database = (await import('better-sqlite3')).default
    const db = new Database(stateDbPath(root))
    db.exec('DELETE FROM state')
    db.close()
    resetStateMemo()
    const h2 = await Hasher.open(root)
    const second = await h2.hashPath('d')
    expect(h2.stats.dirStateHits).toBe(1)
    expect(second.manifest).toEqual(first.manifest)
    await h2.close()
  })
})
