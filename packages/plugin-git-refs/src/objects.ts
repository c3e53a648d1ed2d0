/**
 * The git object database: hashing, writing loose objects (atomically, as git
 * does: temp file + rename, zlib level 1 like core.looseCompression), reading
 * packed (pack.ts) and loose objects, here and in the alternates, and the tree/commit formats.
 * isomorphic-git only expands abbreviated shas.
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, createReadStream, createWriteStream, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { createDeflate, createInflate, deflateSync, inflateSync } from 'node:zlib'
import type { GitCore } from './core.js'
import { isoFs, loadIso } from './iso.js'
import { Pack, PackIndex } from './pack.js'

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

/**
 * One object directory (`objects/`): its loose objects and its packs (by .idx name, immutable
 * once written; rescanned when an object is not found).
 */
class ObjectDir {
  private packs = new Map<string, Pack>()
  private packDirStamp: number | undefined

  constructor(readonly dir: string) {}

  loosePath(oid: string): string {
    return join(this.dir, oid.slice(0, 2), oid.slice(2))
  }

  hasLoose(oid: string): boolean {
    return existsSync(this.loosePath(oid))
  }

  /** The pack holding `oid` and its offset there; the pack directory is rescanned once on a miss. */
  findPacked(oid: string, key: Buffer): { pack: Pack; offset: number } | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt === 1 && !this.rescanPacks()) return undefined
      for (const pack of this.packs.values()) {
        const offset = pack.index.offsetOf(key)
        if (offset !== undefined) return { pack, offset }
      }
    }
    return undefined
  }

  /** Pick up new packs (and drop removed ones) if the pack directory changed; true if it did. */
  private rescanPacks(): boolean {
    const dir = join(this.dir, 'pack')
    const st = statSync(dir, { throwIfNoEntry: false })
    const stamp = st ? st.mtimeMs : -1
    if (stamp === this.packDirStamp) return false
    this.packDirStamp = stamp
    let names: string[] = []
    try {
      names = readdirSync(dir).filter((name) => name.endsWith('.idx'))
    } catch {}
    const packs = new Map<string, Pack>()
    for (const name of names) {
      let pack = this.packs.get(name)
      if (!pack) {
        try {
          pack = new Pack(join(dir, `${name.slice(0, -4)}.pack`), new PackIndex(readFileSync(join(dir, name))))
        } catch {
          continue
        }
      }
      packs.set(name, pack)
    }
    for (const [name, pack] of this.packs) if (!packs.has(name)) pack.close()
    this.packs = packs
    return true
  }
}

/**
 * The object directories git reads, in its order: the repository's own, then its alternates
 * (`objects/info/alternates`, followed recursively as git does, at most 5 deep; relative
 * entries are relative to the objects directory that lists them), then
 * `GIT_ALTERNATE_OBJECT_DIRECTORIES`. This is what `git clone --shared` / `--reference` make.
 */
export function objectDirectories(objectsDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const add = (dir: string, depth: number): void => {
    const abs = resolve(dir)
    if (seen.has(abs) || depth > 5) return
    seen.add(abs)
    out.push(abs)
    let text = ''
    try {
      text = readFileSync(join(abs, 'info', 'alternates'), 'utf8')
    } catch {
      return
    }
    for (const line of text.split('\n')) {
      const entry = line.trim()
      if (entry === '' || entry.startsWith('#')) continue
      add(isAbsolute(entry) ? entry : resolve(abs, entry), depth + 1)
    }
  }
  add(objectsDir, 0)
  for (const dir of (env.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? '').split(delimiter)) if (dir) add(dir, 1)
  return out
}

export class ObjectDb {
  private readonly objectsDir: string
  private readonly isoCache: object = {}
  /** Where objects are written: the repository's own directory. */
  private readonly own: ObjectDir
  /** Every directory objects are read from (own first, then the alternates). */
  private readonly dirs: ObjectDir[]

  constructor(
    private readonly commonDir: string,
    /** The engine's error family (also used by the modules that read through this database). */
    readonly core: GitCore,
  ) {
    this.objectsDir = join(commonDir, 'objects')
    this.own = new ObjectDir(this.objectsDir)
    this.dirs = [this.own, ...objectDirectories(this.objectsDir).slice(1).map((dir) => new ObjectDir(dir))]
  }

  loosePath(oid: string): string {
    return this.own.loosePath(oid)
  }

  hasLoose(oid: string): boolean {
    return this.dirs.some((dir) => dir.hasLoose(oid))
  }

  /** Whether the object is stored, loose or in a pack (looked up in the packs' .idx files), here or in an alternate. */
  has(oid: string): boolean {
    return oid === EMPTY_TREE || this.hasLoose(oid) || this.findPacked(oid) !== undefined
  }

  private findPacked(oid: string): { pack: Pack; offset: number } | undefined {
    const key = Buffer.from(oid, 'hex')
    for (const dir of this.dirs) {
      const found = dir.findPacked(oid, key)
      if (found) return found
    }
    return undefined
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
      throw gitError(this.core, `cannot write object ${oid}`, error)
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
      throw gitError(this.core, `cannot write object ${oid}`, error)
    }
    return oid
  }

  /** Read an object from the packs (see pack.ts) or loose. Null when absent. */
  async read(oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
    if (oid === EMPTY_TREE) return { type: 'tree', content: Buffer.alloc(0) }
    const packed = this.findPacked(oid)
    if (packed) {
      try {
        return await packed.pack.read(packed.offset, (base) => this.read(base))
      } catch (error) {
        throw gitError(this.core, `cannot read object ${oid}`, error)
      }
    }
    let deflated: Buffer | undefined
    for (const dir of this.dirs) {
      try {
        deflated = readFileSync(dir.loosePath(oid))
        break
      } catch {}
    }
    if (!deflated) return null
    let raw: Buffer
    try {
      raw = inflateSync(deflated)
    } catch (error) {
      throw gitError(this.core, `object ${oid} is corrupt`, error)
    }
    const space = raw.indexOf(0x20)
    const nul = raw.indexOf(0, space)
    return { type: raw.subarray(0, space).toString('latin1') as ObjectType, content: raw.subarray(nul + 1) }
  }

  async readTyped(oid: string, type: ObjectType): Promise<Buffer> {
    const object = await this.read(oid)
    if (!object) throw gitError(this.core, `object ${oid} not found`, undefined)
    if (object.type !== type) throw gitError(this.core, `object ${oid} is a ${object.type}, not a ${type}`, undefined)
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
export function parseTagTarget(content: Buffer, core: GitCore): string {
  const match = /^object ([0-9a-f]{40})$/m.exec(content.toString('latin1'))
  if (!match) throw gitError(core, 'malformed tag object', undefined)
  return match[1]!
}

export function gitError(core: GitCore, message: string, cause: unknown, hint?: string): Error {
  const detail = cause instanceof Error ? `: ${cause.message}` : ''
  return new core.TrellisError('GIT_ERROR', `${message}${detail}`, { cause, hint })
}
