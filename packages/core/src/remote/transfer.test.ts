import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ObjectCache } from '../cache/object-cache.js'
import type { DvcConfig } from '../config/dvc-config.js'
import { hashDirectory } from '../hash/dir-hash.js'
import { md5FileSync } from '../hash/file-hash.js'
import { openDataRemote, type DataRemote } from './data-remote.js'
import { ServiceRegistry } from '../plugins/service-registry.js'
import { LocalDirRemote } from './local-remote.js'
import { fetchObjects, pushObjects } from './transfer.js'

const base = mkdtempSync(join(tmpdir(), 'trellis-remote-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => join(base, `${name}-${n++}`)

/** A cache holding a few files and a directory; returns it with the object hashes. */
async function filledCache(files = 3): Promise<{ cache: ObjectCache; files: string[]; dir: string; all: string[] }> {
  const root = fresh('ws')
  const cache = new ObjectCache(join(root, '.dvc', 'cache'), ['copy'])
  const md5s: string[] = []
  for (let i = 0; i < files; i++) {
    const path = join(root, `f${i}.txt`)
    mkdirSync(root, { recursive: true })
    writeFileSync(path, `file ${i}\n`)
    const md5 = md5FileSync(path)
    await cache.saveFile(path, md5)
    md5s.push(md5)
  }
  const dir = join(root, 'data')
  mkdirSync(join(dir, 'sub'), { recursive: true })
  writeFileSync(join(dir, 'a.csv'), 'a,b\n1,2\n')
  writeFileSync(join(dir, 'sub', 'b.csv'), 'c\n3\n')
  const manifest = await hashDirectory(dir, 'in-process')
  await cache.saveDir(dir, manifest.entries, manifest.hashInfo.md5)
  const all = [...md5s, manifest.hashInfo.md5, ...manifest.entries.map((e) => e.md5)]
  return { cache, files: md5s, dir: manifest.hashInfo.md5, all }
}

/** A local remote that records the order of uploads and how many ran at once. */
class Watched implements DataRemote {
  readonly inner: LocalDirRemote
  readonly name = 'watched'
  readonly displayUrl: string
  uploads: string[] = []
  running = 0
  maxRunning = 0
  constructor(dir: string) {
    this.inner = new LocalDirRemote('watched', dir)
    this.displayUrl = dir
  }
  exists(md5: string) {
    return this.inner.exists(md5)
  }
  async upload(source: string, md5: string) {
    this.running++
    this.maxRunning = Math.max(this.maxRunning, this.running)
    await new Promise((r) => setTimeout(r, 5))
    await this.inner.upload(source, md5)
    this.uploads.push(md5)
    this.running--
  }
  download(md5: string, dest: string) {
    return this.inner.download(md5, dest)
  }
}

describe('pushObjects / fetchObjects with a directory remote', () => {
  it('copies only what the remote lacks, a directory manifest after its files, atomically', async () => {
    const { cache, files, dir, all } = await filledCache()
    const remote = new Watched(fresh('remote'))
    const first = await pushObjects(cache, remote, [...files, dir], { jobs: 2 })
    expect(first).toEqual({ transferred: all.length, present: 0, missing: [], failed: [] })
    expect(remote.uploads.at(-1)).toBe(dir)
    for (const md5 of all) {
      const path = remote.inner.objectPath(md5)
      expect(statSync(path).mode & 0o777).toBe(0o444)
    }
    expect(readdirSync(remote.inner.dir).flatMap((d) => readdirSync(join(remote.inner.dir, d))).some((f) => f.endsWith('.tmp'))).toBe(false)
    remote.uploads = []
    const again = await pushObjects(cache, remote, [...files, dir])
    expect(again).toMatchObject({ transferred: 0, present: all.length })
    expect(remote.uploads).toEqual([])
  })

  it('bounds parallel transfers by jobs and reports objects missing from the cache', async () => {
    const { cache, files } = await filledCache(12)
    const remote = new Watched(fresh('remote'))
    const absent = 'ffffffffffffffffffffffffffffffff'
    const summary = await pushObjects(cache, remote, [...files, absent], { jobs: 3 })
    expect(summary.transferred).toBe(12)
    expect(summary.missing).toEqual([absent])
    expect(remote.maxRunning).toBeLessThanOrEqual(3)
    expect(remote.maxRunning).toBeGreaterThan(1)
  })

  it('fetches a directory (manifest, then files) and never trusts a corrupt remote object', async () => {
    const { cache, files, dir, all } = await filledCache()
    const remoteDir = fresh('remote')
    const remote = new LocalDirRemote('r', remoteDir)
    await pushObjects(cache, remote, [...files, dir])
    // damage one file object on the remote
    const bad = files[0]!
    const badPath = remote.objectPath(bad)
    chmodSync(badPath, 0o644)
    writeFileSync(badPath, 'not what was pushed\n')

    const target = new ObjectCache(join(fresh('other'), '.dvc', 'cache'), ['copy'])
    const absent = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'
    const summary = await fetchObjects(target, remote, [...files, dir, absent], { jobs: 4 })
    expect(summary.transferred).toBe(all.length - 1)
    expect(summary.missing).toEqual([absent])
    expect(summary.failed).toHaveLength(1)
    expect(summary.failed[0]).toMatchObject({ md5: bad })
    expect(summary.failed[0]!.error).toContain('corrupt')
    expect(target.hasSync(bad)).toBe(false)
    expect(target.hasTreeSync(dir)).toBe(true)
    expect(statSync(target.objectPath(dir)).mode & 0o222).toBe(0)
    expect(existsSync(target.objectPath(bad))).toBe(false)
  })
})

describe('openDataRemote', () => {
  const config = (extra: Partial<DvcConfig>): DvcConfig => ({ cacheDir: '/c', cacheTypes: ['copy'], remotes: {}, sections: {}, ...extra })

  it('opens core.remote, -r, file:// and plugin-registered schemes', async () => {
    const dir = fresh('store')
    const remotes = { storage: { url: dir }, viaUrl: { url: pathToFileURL(dir).href }, mem: { url: 'mem://bucket/x', region: 'eu' } }
    expect(await openDataRemote(config({ defaultRemote: 'storage', remotes }))).toMatchObject({ name: 'storage', dir })
    expect(await openDataRemote(config({ remotes }), 'viaUrl')).toMatchObject({ name: 'viaUrl', dir })
    const services = new ServiceRegistry()
    services.registerDataRemote('mem', (spec) => Object.assign(new LocalDirRemote(spec.name, dir), { name: `${spec.name}:${spec.options.region}` }))
    expect((await openDataRemote(config({ remotes }), 'mem', services)).name).toBe('mem:eu')
    // another project's registry does not see it
    await expect(openDataRemote(config({ remotes }), 'mem', new ServiceRegistry())).rejects.toMatchObject({ code: 'REMOTE_INVALID' })
  })

  it('says how to add a remote when there is none, and names the bad one otherwise', async () => {
    await expect(openDataRemote(config({}))).rejects.toMatchObject({ code: 'REMOTE_NOT_CONFIGURED', hint: expect.stringContaining('dvc remote add -d') })
    await expect(openDataRemote(config({ defaultRemote: 'gone' }))).rejects.toMatchObject({ code: 'REMOTE_INVALID', message: expect.stringContaining("core.remote names 'gone'") })
    const s3 = config({ remotes: { s3: { url: 's3://user:secret@bucket/path' } } })
    const error = await openDataRemote(s3, 's3').catch((e: Error) => e)
    expect(error).toMatchObject({ code: 'REMOTE_INVALID' })
    expect((error as Error).message).toContain('s3://user:***@bucket/path')
    expect((error as Error).message).not.toContain('secret')
  })
})
