/**
 * The git object database: hashing, writing loose objects (atomically, as git
 * does: temp file + rename, zlib level 1 like core.looseCompression), reading
 * loose objects directly and packed ones through isomorphic-git, and the
 * tree/commit formats.
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, createReadStream, createWriteStream, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDeflate, createInflate, deflateSync, inflateSync } from 'node:zlib'
import { TrellisError } from '@trellis/core'
import { isoFs, loadIso } from './iso.js'

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag'

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

export const MODE_TREE = 0o040000
export const MODE_FILE = 0o100644
export const MODE_EXEC = 0o100755
export const MODE_SYMLINK = 0o120000
export const MODE_GITLINK = 0o160000

export function objectHeader(type: ObjectType, size: number): Buffer {
  return Buffer.from(`${type} ${size}\0`)
}

export function hashObject(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(objectHeader(type, content.length)).update(content).digest('hex')
}

/** Above this size a file is hashed and compressed in chunks instead of read whole. */
const STREAM_THRESHOLD = 32 * 1024 * 1024
const CHUNK = 1024 * 1024

export interface TreeEntry {
  mode: number
  name: string
  oid: string
}

export interface ParsedCommit {
  tree: string
  parents: string[]
  author: string
  committer: string
  message: string
}

export class ObjectDb {
  private readonly objectsDir: string
  private readonly isoCache: object = {}
  /** .idx files by name: immutable once written, so cached for the store's life. */
  private readonly packIndexes = new Map<string, Buffer>()

  constructor(private readonly commonDir: string) {
    this.objectsDir = join(commonDir, 'objects')
  }

  loosePath(oid: string): string {
    return join(this.objectsDir, oid.slice(0, 2), oid.slice(2))
  }

  hasLoose(oid: string): boolean {
    return existsSync(this.loosePath(oid))
  }

  /** Whether the object is stored, loose or in a pack (looked up in the packs' .idx files). */
  has(oid: string): boolean {
    return oid === EMPTY_TREE || this.hasLoose(oid) || this.inPack(oid)
  }

  private inPack(oid: string): boolean {
    let names: string[]
    try {
      names = readdirSync(join(this.objectsDir, 'pack'))
    } catch {
      return false
    }
    const key = Buffer.from(oid, 'hex')
    for (const name of names) {
      if (!name.endsWith('.idx')) continue
      let idx = this.packIndexes.get(name)
      if (!idx) {
        try {
          idx = readFileSync(join(this.objectsDir, 'pack', name))
        } catch {
          continue
        }
        this.packIndexes.set(name, idx)
      }
      if (packIndexHas(idx, key)) return true
    }
    return false
  }

  /** Write an object unless it is already stored; returns its sha. */
  write(type: ObjectType, content: Uint8Array, knownOid?: string): string {
    const oid = knownOid ?? hashObject(type, content)
    if (this.has(oid)) return oid
    const wrapped = Buffer.concat([objectHeader(type, content.length), content])
    this.writeLoose(oid, deflateSync(wrapped, { level: 1 }))
    return oid
  }

  private writeLoose(oid: string, deflated: Uint8Array): void {
    const dir = join(this.objectsDir, oid.slice(0, 2))
    mkdirSync(dir, { recursive: true })
    const tmp = join(dir, `tmp_obj_${process.pid}_${randomBytes(4).toString('hex')}`)
    try {
      writeFileSync(tmp, deflated, { mode: 0o444 })
      renameSync(tmp, this.loosePath(oid))
    } catch (error) {
      rmSync(tmp, { force: true })
      throw gitError(`cannot write object ${oid}`, error)
    }
  }

  /**
   * Hash a worktree file as a blob (`git hash-object`); with `write`, also
   * store it (unless it is `existing` or already stored). Files above 32 MiB are streamed.
   */
  async hashFile(path: string, write: boolean, existing?: string): Promise<string> {
    const fd = openSync(path, 'r')
    let size: number
    try {
      size = fstatSync(fd).size
      if (size <= STREAM_THRESHOLD) {
        const content = Buffer.allocUnsafe(size)
        let read = 0
        while (read < size) {
          const got = readSync(fd, content, read, size - read, read)
          if (got === 0) break
          read += got
        }
        const data = read === size ? content : content.subarray(0, read)
        const oid = hashObject('blob', data)
        return write && oid !== existing ? this.write('blob', data, oid) : oid
      }
    } finally {
      closeSync(fd)
    }
    return this.hashLargeFile(path, size, write, existing)
  }

  private async hashLargeFile(path: string, size: number, write: boolean, existing?: string): Promise<string> {
    const hash = createHash('sha1').update(objectHeader('blob', size))
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer)
    const oid = hash.digest('hex')
    if (!write || oid === existing || this.has(oid)) return oid
    const dir = join(this.objectsDir, oid.slice(0, 2))
    mkdirSync(dir, { recursive: true })
    const tmp = join(dir, `tmp_obj_${process.pid}_${randomBytes(4).toString('hex')}`)
    try {
      const { pipeline } = await import('node:stream/promises')
      const deflate = createDeflate({ level: 1 })
      deflate.write(objectHeader('blob', size))
      await pipeline(createReadStream(path, { highWaterMark: CHUNK }), deflate, createWriteStream(tmp, { mode: 0o444 }))
      // The file may have changed between the two passes: check what was stored.
      const stored = createHash('sha1')
      for await (const chunk of createReadStream(tmp).pipe(createInflate())) stored.update(chunk as Buffer)
      if (stored.digest('hex') !== oid) throw new Error(`${path} changed while it was being stored`)
      renameSync(tmp, this.loosePath(oid))
    } catch (error) {
      rmSync(tmp, { force: true })
      throw gitError(`cannot write object ${oid}`, error)
    }
    return oid
  }

  /** Read an object: loose objects directly, packed ones via isomorphic-git. Null when absent. */
  async read(oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
    if (oid === EMPTY_TREE) return { type: 'tree', content: Buffer.alloc(0) }
    let deflated: Buffer | undefined
    try {
      deflated = readFileSync(this.loosePath(oid))
    } catch {}
    if (deflated) {
      let raw: Buffer
      try {
        raw = inflateSync(deflated)
      } catch (error) {
        throw gitError(`object ${oid} is corrupt`, error)
      }
      const space = raw.indexOf(0x20)
      const nul = raw.indexOf(0, space)
      return { type: raw.subarray(0, space).toString('latin1') as ObjectType, content: raw.subarray(nul + 1) }
    }
    if (!this.inPack(oid)) return null
    const git = await loadIso()
    try {
      const result = await git.readObject({ fs: isoFs, gitdir: this.commonDir, oid, format: 'content', cache: this.isoCache })
      return { type: result.type as ObjectType, content: Buffer.from(result.object as Uint8Array) }
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFoundError') return null
      throw gitError(`cannot read object ${oid}`, error)
    }
  }

  async readTyped(oid: string, type: ObjectType): Promise<Buffer> {
    const object = await this.read(oid)
    if (!object) throw gitError(`object ${oid} not found`, undefined)
    if (object.type !== type) throw gitError(`object ${oid} is a ${object.type}, not a ${type}`, undefined)
    return object.content
  }

  /** The full sha for an abbreviated one, or null (absent or ambiguous). */
  async expand(prefix: string): Promise<string | null> {
    const git = await loadIso()
    try {
      return await git.expandOid({ fs: isoFs, gitdir: this.commonDir, oid: prefix.toLowerCase(), cache: this.isoCache })
    } catch {
      return null
    }
  }
}

/** Binary search in a version-2 pack index (version 1: fanout then 24-byte offset+sha records). */
function packIndexHas(idx: Buffer, key: Buffer): boolean {
  const v2 = idx.readUInt32BE(0) === 0xff744f63
  const fanout = v2 ? 8 : 0
  const first = key[0]!
  let lo = first === 0 ? 0 : idx.readUInt32BE(fanout + (first - 1) * 4)
  let hi = idx.readUInt32BE(fanout + first * 4)
  const table = fanout + 256 * 4
  const stride = v2 ? 20 : 24
  const skip = v2 ? 0 : 4
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const at = table + mid * stride + skip
    const cmp = idx.compare(key, 0, 20, at, at + 20) * -1
    if (cmp === 0) return true
    if (cmp < 0) hi = mid
    else lo = mid + 1
  }
  return false
}

export function parseTree(content: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = []
  let i = 0
  while (i < content.length) {
    const space = content.indexOf(0x20, i)
    const nul = content.indexOf(0, space)
    entries.push({
      mode: parseInt(content.toString('latin1', i, space), 8),
      name: content.toString('utf8', space + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 21),
    })
    i = nul + 21
  }
  return entries
}

export function serializeCommit(commit: ParsedCommit): Buffer {
  let text = `tree ${commit.tree}\n`
  for (const parent of commit.parents) text += `parent ${parent}\n`
  text += `author ${commit.author}\ncommitter ${commit.committer}\n\n${commit.message}`
  return Buffer.from(text)
}

export function parseCommit(content: Buffer): ParsedCommit {
  const text = content.toString('utf8')
  const split = text.indexOf('\n\n')
  const head = split < 0 ? text : text.slice(0, split)
  const message = split < 0 ? '' : text.slice(split + 2)
  const commit: ParsedCommit = { tree: '', parents: [], author: '', committer: '', message }
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue // continuation of a multi-line header (gpgsig)
    const space = line.indexOf(' ')
    const key = line.slice(0, space)
    const value = line.slice(space + 1)
    if (key === 'tree') commit.tree = value
    else if (key === 'parent') commit.parents.push(value)
    else if (key === 'author') commit.author = value
    else if (key === 'committer') commit.committer = value
  }
  return commit
}

/** The `object` a tag points at. */
export function parseTagTarget(content: Buffer): string {
  const match = /^object ([0-9a-f]{40})$/m.exec(content.toString('latin1'))
  if (!match) throw gitError('malformed tag object', undefined)
  return match[1]!
}

export function gitError(message: string, cause: unknown, hint?: string): TrellisError {
  const detail = cause instanceof Error ? `: ${cause.message}` : ''
  return new TrellisError('GIT_ERROR', `${message}${detail}`, { cause, hint })
}
