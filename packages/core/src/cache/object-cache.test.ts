import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../errors.js'
import { hashDirectory } from '../hash/dir-hash.js'
import { hashFileSync } from '../hash/file-hash.js'
import { Linker, parseLinkTypes, resetLinkTypeMemory, type LinkType } from './link.js'
import { ObjectCache } from './object-cache.js'

const base = mkdtempSync(join(tmpdir(), 'trellis-cache-'))
afterAll(() => {
  // cache files are read-only; the directories are not, so rm works
  rmSync(base, { recursive: true, force: true })
})
beforeEach(() => resetLinkTypeMemory())

let n = 0
function repo(): { root: string; cache: (types?: string) => ObjectCache } {
  const root = join(base, `r${n++}`)
  mkdirSync(join(root, '.dvc'), { recursive: true })
  return { root, cache: (types) => ObjectCache.forRepo(root, { linkTypes: types }) }
}
function write(path: string, content: string, mode?: number): string {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
  if (mode !== undefined) chmodSync(path, mode)
  return path
}
const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8'
const BAR = '37b51d194a7513e45b56f6524f2d51f2'

describe('link types', () => {
  it('parses cache.type', () => {
    expect(parseLinkTypes(undefined)).toEqual(['reflink', 'copy'])
    expect(parseLinkTypes('hardlink, symlink')).toEqual(['hardlink', 'symlink'])
    expect(() => parseLinkTypes('teleport')).toThrow(TrellisError)
  })

  it('falls back from an unsupported type and remembers the one that works', () => {
    const dir = join(base, `l${n++}`)
    const src = write(join(dir, 'src'), 'foo', 0o444)
    const linker = new Linker(['reflink', 'copy'], dir)
    // reflink works on btrfs/xfs/APFS; on ext4/tmpfs it falls back to copy
    const used = linker.link(src, join(dir, 'a'))
    expect(['reflink', 'copy']).toContain(used)
    expect(linker.resolved).toBe(used)
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('foo')
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o644) // copies are writable
    expect(new Linker(['reflink', 'copy'], dir).probe(dir, dir)).toBe(used)
  })
})

describe('ObjectCache', () => {
  it('uses the DVC 2.x layout and makes objects read-only', async () => {
    const { root, cache } = repo()
    const c = cache()
    const f = write(join(root, 'foo'), 'foo')
    expect(c.objectPath(FOO)).toBe(join(root, '.dvc/cache/ac/bd18db4cc2f85cedef654fccc4a4d8'))
    expect(c.objectPath('4c18c474509251c27acbe2ae64d64a81.dir')).toBe(join(root, '.dvc/cache/4c/18c474509251c27acbe2ae64d64a81.dir'))
    expect(await c.has(FOO)).toBe(false)
    await c.saveFile(f, FOO)
    expect(await c.has(FOO)).toBe(true)
    expect(statSync(c.objectPath(FOO)).mode & 0o777).toBe(0o444)
    expect(readFileSync(c.objectPath(FOO), 'utf8')).toBe('foo')
    // default reflink,copy: the workspace file stays an independent, writable file
    expect(readFileSync(f, 'utf8')).toBe('foo')
    expect(statSync(f).mode & 0o200).toBe(0o200)
    expect(() => c.objectPath('../etc/passwd')).toThrow(TrellisError)
  })

  it('trusts read-only objects; rehashes writable ones and deletes them when corrupt', async () => {
    const { root, cache } = repo()
    const c = cache()
    await c.saveFile(write(join(root, 'foo'), 'foo'), FOO)
    chmodSync(c.objectPath(FOO), 0o644)
    expect(await c.has(FOO)).toBe(true) // valid: made read-only again
    expect(statSync(c.objectPath(FOO)).mode & 0o222).toBe(0)
    chmodSync(c.objectPath(FOO), 0o644)
    writeFileSync(c.objectPath(FOO), 'bad')
    expect(await c.has(FOO)).toBe(false)
    expect(existsSync(c.objectPath(FOO))).toBe(false)
  })

  it('saves a directory: every file and the .dir object (manifest JSON as DVC writes it)', async () => {
    const { root, cache } = repo()
    const c = cache()
    const d = join(root, 'data')
    write(join(d, 'foo'), 'foo')
    write(join(d, 'sub/bar'), 'bar')
    const m = await hashDirectory(d)
    expect(m.hashInfo.md5).toBe('4c18c474509251c27acbe2ae64d64a81.dir')
    await c.saveDir(d, m.entries, m.hashInfo.md5)
    expect(readFileSync(c.objectPath(m.hashInfo.md5), 'utf8')).toBe(m.json)
    expect(statSync(c.objectPath(m.hashInfo.md5)).mode & 0o777).toBe(0o444)
    expect(await c.hasTree(m.hashInfo.md5)).toBe(true)
    expect(await c.readManifest(m.hashInfo.md5)).toEqual([
      { md5: FOO, relpath: 'foo' },
      { md5: BAR, relpath: 'sub/bar' },
    ])
    // a missing file object makes the tree incomplete
    rmSync(c.objectPath(BAR), { force: true })
    expect(await c.has(m.hashInfo.md5)).toBe(true)
    expect(await c.hasTree(m.hashInfo.md5)).toBe(false)
    await expect(c.checkout(m.hashInfo.md5, join(root, 'out'), true)).rejects.toMatchObject({ code: 'CACHE_MISSING' })
    await expect(c.saveDir(d, m.entries, 'd751713988987e9331980363e24189ce.dir')).rejects.toMatchObject({ code: 'CACHE_CORRUPT' })
  })

  const types: LinkType[] = ['copy', 'hardlink', 'symlink']
  for (const type of types) {
    it(`checks out files and directories with ${type}`, async () => {
      const { root, cache } = repo()
      const c = cache(type)
      const d = join(root, 'data')
      write(join(d, 'foo'), 'foo')
      write(join(d, 'run.sh'), '#!/bin/sh\necho hi\n', 0o755)
      write(join(d, 'sub/bar'), 'bar')
      const m = await hashDirectory(d)
      await c.saveDir(d, m.entries, m.hashInfo.md5)
      // the workspace is still intact and hashes the same
      expect((await hashDirectory(d)).hashInfo.md5).toBe(m.hashInfo.md5)

      const out = join(root, 'restored')
      write(join(out, 'stale'), 'old file that must go')
      await c.checkout(m.hashInfo.md5, out, true, { manifest: m.entries })
      expect((await hashDirectory(out)).hashInfo).toEqual(m.hashInfo)
      expect(existsSync(join(out, 'stale'))).toBe(false)
      expect(statSync(join(out, 'run.sh')).mode & 0o111).not.toBe(0)
      const foo = join(out, 'foo')
      if (type === 'copy') {
        expect(lstatSync(foo).isFile()).toBe(true)
        expect(statSync(foo).mode & 0o777).toBe(0o644)
        expect(statSync(join(out, 'run.sh')).mode & 0o777).toBe(0o755)
      } else if (type === 'hardlink') {
        expect(statSync(foo).ino).toBe(statSync(c.objectPath(FOO)).ino)
        expect(statSync(foo).mode & 0o222).toBe(0) // protected
      } else {
        expect(readlinkSync(foo)).toBe(c.objectPath(FOO))
        expect(statSync(foo).mode & 0o222).toBe(0)
      }

      // single file, over an existing file
      const single = write(join(root, 'single'), 'something else')
      await c.checkout(BAR, single, false)
      expect(readFileSync(single, 'utf8')).toBe('bar')
      await c.checkout(BAR, join(root, 'exe'), false, { isexec: true })
      expect(hashFileSync(join(root, 'exe'))).toEqual({ md5: BAR, size: 3, isexec: true })

      // removing outputs never touches the cache
      await c.removeOutput(out)
      await c.removeOutput(single)
      expect(existsSync(out)).toBe(false)
      expect(existsSync(single)).toBe(false)
      expect(await c.hasTree(m.hashInfo.md5)).toBe(true)
      expect(readFileSync(c.objectPath(FOO), 'utf8')).toBe('foo')
    })
  }

  it('saveFile with hardlink protects the workspace file; unprotect makes it writable again', async () => {
    const { root, cache } = repo()
    const c = cache('hardlink,copy')
    const f = write(join(root, 'foo'), 'foo')
    await c.saveFile(f, FOO)
    expect(statSync(f).ino).toBe(statSync(c.objectPath(FOO)).ino)
    expect(statSync(f).mode & 0o222).toBe(0)
    // a second file with the same content is deduplicated onto the same object
    const g = write(join(root, 'g'), 'foo')
    await c.saveFile(g, FOO)
    expect(statSync(g).ino).toBe(statSync(c.objectPath(FOO)).ino)
    await c.unprotect(f)
    expect(statSync(f).ino).not.toBe(statSync(c.objectPath(FOO)).ino)
    writeFileSync(f, 'changed')
    expect(readFileSync(c.objectPath(FOO), 'utf8')).toBe('foo')
  })

  it('saveFile with symlink replaces the workspace file by a link into the cache', async () => {
    const { root, cache } = repo()
    const c = cache('symlink')
    const f = write(join(root, 'foo'), 'foo')
    await c.saveFile(f, FOO)
    expect(readlinkSync(f)).toBe(c.objectPath(FOO))
    await c.saveFile(f, FOO) // already saved: no-op
    expect(readlinkSync(f)).toBe(c.objectPath(FOO))
    await c.unprotect(f)
    expect(lstatSync(f).isSymbolicLink()).toBe(false)
    expect(readFileSync(f, 'utf8')).toBe('foo')
  })

  it('refuses to remove the cache or anything inside it', async () => {
    const { root, cache } = repo()
    const c = cache()
    await expect(c.removeOutput(root)).rejects.toThrow(TrellisError)
    await expect(c.removeOutput(join(root, '.dvc'))).rejects.toThrow(TrellisError)
    await expect(c.removeOutput(c.objectPath(FOO))).rejects.toThrow(TrellisError)
    await c.removeOutput(join(root, 'does-not-exist'))
  })

  it('checkout of a missing object is CACHE_MISSING', async () => {
    const { root, cache } = repo()
    await expect(cache().checkout(FOO, join(root, 'x'), false)).rejects.toMatchObject({ code: 'CACHE_MISSING' })
  })

  it('a manifest naming .git inside the output is saved (it is only hashed) but never checked out', async () => {
    const { root, cache } = repo()
    const c = cache()
    const d = join(root, 'data')
    write(join(d, 'ok'), 'foo')
    write(join(d, 'sub/.GIT/hooks/post-checkout'), 'bar')
    const m = await hashDirectory(d)
    await c.saveDir(d, m.entries, m.hashInfo.md5)
    const error = await c.checkout(m.hashInfo.md5, join(root, 'out'), true).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 'UNSAFE_PATH' })
    expect((error as Error).message).toBe(`refusing to write 'out/sub/.GIT/hooks/post-checkout' (in directory manifest ${m.hashInfo.md5}): it has a '.GIT' component, which is git's own directory (git refuses such paths too)`)
    expect(existsSync(join(root, 'out'))).toBe(false)
  })
})
