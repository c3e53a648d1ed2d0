/**
 * Reading `.git/index` (versions 2, 3 and 4). Trellis never writes it: the
 * entries' stat data tell which tracked files may have changed, and the
 * cache-tree extension tells which trees already exist.
 */
import { readFileSync, statSync } from 'node:fs'
import type { GitCore } from './core.js'
import { gitError } from './objects.js'

/**
 * One index entry. Fields are read from the index bytes when the entry is
 * made, except the sha, decoded on first use: most entries of a large index
 * are clean and never need it as text.
 */
export class IndexEntry {
  private oidText: string | undefined

  constructor(
    private readonly data: Buffer,
    /** Offset of the entry in `data`. */
    private readonly at: number,
    readonly path: string,
    private readonly flags: number,
    private readonly extended: number,
  ) {}

  get ctimeSec(): number { return this.data.readUInt32BE(this.at) }
  get ctimeNsec(): number { return this.data.readUInt32BE(this.at + 4) }
  get mtimeSec(): number { return this.data.readUInt32BE(this.at + 8) }
  get mtimeNsec(): number { return this.data.readUInt32BE(this.at + 12) }
  get ino(): number { return this.data.readUInt32BE(this.at + 20) }
  /** Git mode: 100644, 100755, 120000, 160000 (octal), or 040000 for a sparse-index directory. */
  get mode(): number { return this.data.readUInt32BE(this.at + 24) }
  get uid(): number { return this.data.readUInt32BE(this.at + 28) }
  get gid(): number { return this.data.readUInt32BE(this.at + 32) }
  /** The file size, truncated to 32 bits. */
  get size(): number { return this.data.readUInt32BE(this.at + 36) }
  get oid(): string { return (this.oidText ??= this.data.toString('hex', this.at + 40, this.at + 60)) }
  get stage(): number { return (this.flags >> 12) & 3 }
  get assumeValid(): boolean { return (this.flags & 0x8000) !== 0 }
  get skipWorktree(): boolean { return (this.extended & 0x4000) !== 0 }
  get intentToAdd(): boolean { return (this.extended & 0x2000) !== 0 }
}

export interface GitIndex {
  version: number
  entries: IndexEntry[]
  /** Valid cache-tree nodes: directory path ('' = root) → tree sha. */
  cacheTree: Map<string, string>
  /** The index file's mtime (seconds, nanoseconds): entries at or after it are "racily clean". */
  mtimeSec: number
  mtimeNsec: number
  /** Set when the index uses an extension this reader does not support (split index). */
  unsupported?: string
}

export function emptyIndex(): GitIndex {
  return { version: 2, entries: [], cacheTree: new Map(), mtimeSec: 0, mtimeNsec: 0 }
}

/** Read and parse an index file; a missing file is an empty index. */
export function readIndex(path: string, core: GitCore): GitIndex {
  let data: Buffer
  let mtimeNs: bigint
  try {
    const st = statSync(path, { bigint: true })
    data = readFileSync(path)
    mtimeNs = st.mtimeNs
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex()
    throw gitError(core, `cannot read ${path}`, error)
  }
  const index = parseIndex(data, core)
  index.mtimeSec = Number(mtimeNs / 1_000_000_000n)
  index.mtimeNsec = Number(mtimeNs % 1_000_000_000n)
  return index
}

export function parseIndex(data: Buffer, core: GitCore): GitIndex {
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'DIRC') throw gitError(core, 'the git index is corrupt (bad signature)', undefined)
  const version = data.readUInt32BE(4)
  if (version < 2 || version > 4) throw gitError(core, `unsupported git index version ${version}`, undefined)
  const count = data.readUInt32BE(8)
  const entries: IndexEntry[] = []
  let pos = 12
  let previous: Buffer = Buffer.alloc(0)
  for (let k = 0; k < count; k++) {
    const start = pos
    const flags = data.readUInt16BE(start + 60)
    let extended = 0
    pos = start + 62
    if (flags & 0x4000) {
      extended = data.readUInt16BE(pos)
      pos += 2
    }
    let path: string
    if (version === 4) {
      // varint: bytes to strip from the previous path, then a NUL-terminated suffix
      let byte = data[pos++]!
      let strip = byte & 0x7f
      while (byte & 0x80) {
        byte = data[pos++]!
        strip = ((strip + 1) << 7) | (byte & 0x7f)
      }
      const nul = data.indexOf(0, pos)
      previous = Buffer.concat([previous.subarray(0, previous.length - strip), data.subarray(pos, nul)])
      path = previous.toString('utf8')
      pos = nul + 1
    } else {
      const nul = data.indexOf(0, pos)
      path = data.toString('utf8', pos, nul)
      // entries are padded with 1–8 NULs to a multiple of 8 bytes
      pos = start + ((nul - start + 8) & ~7)
    }
    entries.push(new IndexEntry(data, start, path, flags, extended))
  }
  const index: GitIndex = { version, entries, cacheTree: new Map(), mtimeSec: 0, mtimeNsec: 0 }
  // Extensions, up to the trailing 20-byte checksum.
  const end = data.length - 20
  while (pos + 8 <= end) {
    const signature = data.toString('latin1', pos, pos + 4)
    const size = data.readUInt32BE(pos + 4)
    const body = data.subarray(pos + 8, pos + 8 + size)
    if (signature === 'TREE') parseCacheTree(body, index.cacheTree)
    else if (signature === 'link') index.unsupported = 'split index'
    pos += 8 + size
  }
  return index
}

/** The TREE extension: pre-order nodes `path\0count subtrees\n[sha]`; count -1 = invalidated. */
function parseCacheTree(body: Buffer, into: Map<string, string>): void {
  let pos = 0
  const walk = (prefix: string): void => {
    const nul = body.indexOf(0, pos)
    const name = body.toString('utf8', pos, nul)
    const newline = body.indexOf(0x0a, nul)
    const [count, subtrees] = body.toString('latin1', nul + 1, newline).split(' ').map(Number) as [number, number]
    pos = newline + 1
    const path = prefix === '' ? name : `${prefix}/${name}`
    if (count >= 0) {
      into.set(path, body.toString('hex', pos, pos + 20))
      pos += 20
    }
    for (let i = 0; i < subtrees; i++) walk(path)
  }
  if (body.length > 0) walk('')
}
