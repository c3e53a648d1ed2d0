import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { pyJsonDumps } from '../util/python-json.js'
import { buildDirManifest, dirManifestJson, hashDirectory, parseDirManifest, sortDirEntries, walkFiles, type DirEntry } from './dir-hash.js'

const base = mkdtempSync(join(tmpdir(), 'trellis-dirhash-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
let n = 0
function tree(files: Record<string, string>): string {
  const root = join(base, `t${n++}`)
  mkdirSync(root, { recursive: true })
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true })
    writeFileSync(join(root, rel), content)
  }
  return root
}

describe('.dir manifest (b.4 vectors)', () => {
  it('foo + sub/bar → 4c18c474509251c27acbe2ae64d64a81.dir', async () => {
    const m = await hashDirectory(tree({ foo: 'foo', 'sub/bar': 'bar' }))
    expect(m.json).toBe(
      '[{"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}, {"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "sub/bar"}]',
    )
    expect(m.hashInfo).toEqual({ md5: '4c18c474509251c27acbe2ae64d64a81.dir', size: 6, nfiles: 2 })
  })

  it('empty dir (and empty subdirs) → d751713988987e9331980363e24189ce.dir', async () => {
    const root = tree({})
    mkdirSync(join(root, 'a/b'), { recursive: true })
    const m = await hashDirectory(root)
    expect(m.json).toBe('[]')
    expect(m.hashInfo).toEqual({ md5: 'd751713988987e9331980363e24189ce.dir', size: 0, nfiles: 0 })
  })

  it('buildDirManifest from entries gives the same hash', () => {
    const entries: DirEntry[] = [
      { relpath: 'sub/bar', md5: '37b51d194a7513e45b56f6524f2d51f2', size: 3 },
      { relpath: 'foo', md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3 },
    ]
    expect(buildDirManifest(entries).hashInfo.md5).toBe('4c18c474509251c27acbe2ae64d64a81.dir')
    expect(buildDirManifest([]).hashInfo).toEqual({ md5: 'd751713988987e9331980363e24189ce.dir', size: 0, nfiles: 0 })
  })

  it('sorts by code point of the full relpath: a.txt < a/b < a0', async () => {
    const m = await hashDirectory(tree({ a0: '1', 'a/b': '2', 'a.txt': '3' }))
    expect(m.entries.map((e) => e.relpath)).toEqual(['a.txt', 'a/b', 'a0'])
  })

  it('sorts astral characters after the rest of the BMP (code points, not UTF-16)', () => {
    const entries = [{ relpath: '\u{1F600}' }, { relpath: '\uFFFD' }, { relpath: 'z' }]
    expect(sortDirEntries(entries).map((e) => e.relpath)).toEqual(['z', '\uFFFD', '\u{1F600}'])
  })

  it('the fast JSON writer equals pyJsonDumps for awkward names', () => {
    const names = ['plain', 'quo"te', 'back\\slash', 'tab\there', 'żółć', '\u{1F600}.txt', 'del\x7f', 'sp ace/x']
    const entries = sortDirEntries(names.map((relpath, i) => ({ relpath, md5: i.toString(16).padStart(32, '0') })))
    expect(dirManifestJson(entries)).toBe(pyJsonDumps(entries.map(({ md5, relpath }) => ({ md5, relpath }))))
    expect(parseDirManifest(dirManifestJson(entries)).map((e) => e.relpath)).toEqual(entries.map((e) => e.relpath))
  })
})

describe('walking', () => {
  it('follows file symlinks, not directory symlinks; posix relpaths', async () => {
    const root = tree({ 'd/real': 'real', 'other/x': 'x' })
    symlinkSync(join(root, 'd/real'), join(root, 'd/link'))
    symlinkSync(join(root, 'other'), join(root, 'd/dirlink'))
    const walked = walkFiles(root)
      .map((f) => f.relpath)
      .sort()
    expect(walked).toEqual(['d/link', 'd/real', 'other/x'])
    const m = await hashDirectory(join(root, 'd'))
    expect(m.entries.map((e) => [e.relpath, e.md5])).toEqual([
      ['link', m.entries[1].md5],
      ['real', m.entries[1].md5],
    ])
    expect(m.hashInfo.size).toBe(8)
  })

  it('a dangling symlink is an error (as in DVC)', async () => {
    const root = tree({ a: 'a' })
    symlinkSync(join(root, 'nowhere'), join(root, 'broken'))
    await expect(hashDirectory(root)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
