/**
 * A DVC remote in a local (or mounted) directory, laid out like the cache:
 * object `h` is `<dir>/<h[0:2]>/<h[2:]>`. Objects are written to a temporary
 * file in their shard and renamed, so a crash or a concurrent reader never
 * sees half an object; they are made read-only, as in the cache.
 */
import { chmod, constants, copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { TrellisError } from '../errors.js'
import type { DataRemote } from '../plugin-api/data-remote.js'
import { hashSubdir } from '../cache/object-cache.js'
import type { HashName } from '../pipeline/types.js'

const OBJECT_RE = /^[0-9a-f]{32}(\.dir)?$/

let counter = 0

/** A unique temporary name beside `path` (same directory, so the rename is atomic). */
export function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${(counter++).toString(36)}.tmp`)
}

export class LocalDirRemote implements DataRemote {
  readonly dir: string
  readonly displayUrl: string

  constructor(
    readonly name: string,
    dir: string,
  ) {
    this.dir = resolve(dir)
    this.displayUrl = this.dir
  }

  /** DVC 3 `md5` objects live in `<dir>/files/md5` (only ever asked of the root remote). */
  forHash(name: HashName): DataRemote {
    return name === 'md5-dos2unix' ? this : new LocalDirRemote(this.name, join(this.dir, hashSubdir(name)))
  }

  objectPath(md5: string): string {
    if (!OBJECT_RE.test(md5)) throw new TrellisError('INVALID_ARGUMENT', `not an object hash: '${md5}'`)
    return join(this.dir, md5.slice(0, 2), md5.slice(2))
  }

  async exists(md5: string): Promise<boolean> {
    const st = await stat(this.objectPath(md5)).catch(() => undefined)
    return st !== undefined && st.isFile()
  }

  async upload(source: string, md5: string): Promise<void> {
    const target = this.objectPath(md5)
    await mkdir(dirname(target), { recursive: true })
    const tmp = tempBeside(target)
    try {
      await copyFile(source, tmp, constants.COPYFILE_FICLONE)
      await chmod(tmp, 0o444)
      await rename(tmp, target)
    } catch (error) {
      await rm(tmp, { force: true })
      throw error
    }
  }

  async download(md5: string, dest: string): Promise<boolean> {
    try {
      await copyFile(this.objectPath(md5), dest, constants.COPYFILE_FICLONE)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  /** One readdir per shard the hashes fall in, instead of a stat per object. */
  async existsMany(md5s: readonly string[]): Promise<Set<string>> {
    const shards = new Set(md5s.map((m) => m.slice(0, 2)))
    const present = new Set<string>()
    await Promise.all(
      [...shards].map(async (shard) => {
        for (const name of await readdir(join(this.dir, shard)).catch(() => [] as string[])) present.add(shard + name)
      }),
    )
    return new Set(md5s.filter((m) => present.has(m)))
  }

  async *list(): AsyncIterable<string> {
    const shards = await readdir(this.dir).catch(() => [] as string[])
    for (const shard of shards) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue
      for (const name of await readdir(join(this.dir, shard)).catch(() => [] as string[])) {
        if (OBJECT_RE.test(shard + name)) yield shard + name
      }
    }
  }

  async remove(md5: string): Promise<void> {
    await rm(this.objectPath(md5), { force: true })
  }
}
