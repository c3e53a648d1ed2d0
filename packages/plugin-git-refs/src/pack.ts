/**
 * Git packfiles, read in process: the `.idx` (versions 1 and 2, large offsets included)
 * maps a sha to its offset in the `.pack`; the entry there is read with positioned reads
 * (the pack is never loaded whole), inflated, and — for `OFS_DELTA` / `REF_DELTA` entries —
 * rebuilt from its base. Recently rebuilt objects are kept (bounded), since the objects of
 * a delta chain share their bases.
 *
 * isomorphic-git used to do this here; it re-discovers the git dir and lists the pack
 * directory on every read and loads each pack whole: reading the trees and blobs of a
 * thousand experiment commits took seconds instead of milliseconds.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { inflateSync } from 'node:zlib'
import type { ObjectType } from './objects.js'

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' }
const OFS_DELTA = 6
const REF_DELTA = 7
const IDX_V2_MAGIC = 0xff744f63
const BASE_CACHE_LIMIT = 64 * 1024 * 1024

export interface PackedObject {
  type: ObjectType
  content: Buffer
}

/** Reads a REF_DELTA base, which may live anywhere in the object database. */
export type BaseReader = (oid: string) => Promise<PackedObject | null>

export class PackIndex {
  private readonly v2: boolean
  readonly count: number
  private sortedOffsets: number[] | undefined

  constructor(readonly idx: Buffer) {
    this.v2 = idx.length >= 8 && idx.readUInt32BE(0) === IDX_V2_MAGIC
    const fanout = this.v2 ? 8 : 0
    this.count = idx.readUInt32BE(fanout + 255 * 4)
  }

  /** Position of `key` (20 bytes) in the sorted sha table, or -1. */
  private position(key: Buffer): number {
    const fanout = this.v2 ? 8 : 0
    const first = key[0]!
    let lo = first === 0 ? 0 : this.idx.readUInt32BE(fanout + (first - 1) * 4)
    let hi = this.idx.readUInt32BE(fanout + first * 4)
    const table = fanout + 256 * 4
    const stride = this.v2 ? 20 : 24
    const skip = this.v2 ? 0 : 4
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const at = table + mid * stride + skip
      const cmp = key.compare(this.idx, at, at + 20)
      if (cmp === 0) return mid
      if (cmp < 0) hi = mid
      else lo = mid + 1
    }
    return -1
  }

  has(key: Buffer): boolean {
    return this.position(key) >= 0
  }

  /** Offset of the object in the pack, or undefined. */
  offsetOf(key: Buffer): number | undefined {
    const i = this.position(key)
    return i < 0 ? undefined : this.offsetAt(i)
  }

  private offsetAt(i: number): number {
    if (!this.v2) return this.idx.readUInt32BE(1024 + i * 24)
    const offsets = 8 + 1024 + this.count * 24
    const value = this.idx.readUInt32BE(offsets + i * 4)
    if ((value & 0x80000000) === 0) return value
    const large = offsets + this.count * 4 + (value & 0x7fffffff) * 8
    return this.idx.readUInt32BE(large) * 2 ** 32 + this.idx.readUInt32BE(large + 4)
  }

  /** Where the entry starting at `offset` ends: the next entry's offset, or the pack's trailer. */
  endOf(offset: number, packSize: number): number {
    if (!this.sortedOffsets) {
      const all: number[] = new Array(this.count)
      for (let i = 0; i < this.count; i++) all[i] = this.offsetAt(i)
      this.sortedOffsets = all.sort((a, b) => a - b)
    }
    const sorted = this.sortedOffsets
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sorted[mid]! <= offset) lo = mid + 1
      else hi = mid
    }
    return lo < sorted.length ? sorted[lo]! : packSize - 20
  }
}

export class Pack {
  private fd: number | undefined
  private size = 0
  private readonly bases = new Map<number, PackedObject>()
  private basesBytes = 0

  constructor(
    readonly path: string,
    readonly index: PackIndex,
  ) {}

  /** Read the object stored at `offset`. */
  async read(offset: number, readBase: BaseReader): Promise<PackedObject> {
    const cached = this.bases.get(offset)
    if (cached) return cached
    const raw = this.entry(offset)
    let object: PackedObject
    if (raw.type === OFS_DELTA || raw.type === REF_DELTA) {
      const base = raw.type === OFS_DELTA ? await this.read(raw.baseOffset!, readBase) : await readBase(raw.baseOid!)
      if (!base) throw new Error(`delta base ${raw.baseOid} of the object at ${offset} in ${this.path} is missing`)
      object = { type: base.type, content: applyDelta(base.content, inflateSync(raw.data)) }
    } else {
      const type = TYPES[raw.type]
      if (!type) throw new Error(`unknown object type ${raw.type} at ${offset} in ${this.path}`)
      object = { type, content: inflateSync(raw.data) }
    }
    this.remember(offset, object)
    return object
  }

  private remember(offset: number, object: PackedObject): void {
    if (object.content.length > BASE_CACHE_LIMIT / 16) return
    if (this.basesBytes + object.content.length > BASE_CACHE_LIMIT) {
      this.bases.clear()
      this.basesBytes = 0
    }
    this.bases.set(offset, object)
    this.basesBytes += object.content.length
  }

  /** The entry's header and its compressed bytes. */
  private entry(offset: number): { type: number; data: Buffer; baseOffset?: number; baseOid?: string } {
    if (this.fd === undefined) {
      this.fd = openSync(this.path, 'r')
      this.size = fstatSync(this.fd).size
    }
    const end = this.index.endOf(offset, this.size)
    const buf = Buffer.allocUnsafe(end - offset)
    let got = 0
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, offset + got)
      if (n === 0) throw new Error(`${this.path} is truncated`)
      got += n
    }
    let i = 0
    let c = buf[i++]!
    const type = (c >> 4) & 7
    while (c & 0x80) c = buf[i++]!
    if (type === OFS_DELTA) {
      c = buf[i++]!
      let distance = c & 0x7f
      while (c & 0x80) {
        c = buf[i++]!
        distance = (distance + 1) * 128 + (c & 0x7f)
      }
      return { type, data: buf.subarray(i), baseOffset: offset - distance }
    }
    if (type === REF_DELTA) return { type, data: buf.subarray(i + 20), baseOid: buf.toString('hex', i, i + 20) }
    return { type, data: buf.subarray(i) }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

/** Git's delta format: source and target sizes, then copy-from-base and insert instructions. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let i = 0
  const varint = (): number => {
    let value = 0
    let shift = 1
    let c: number
    do {
      c = delta[i++]!
      value += (c & 0x7f) * shift
      shift *= 128
    } while (c & 0x80)
    return value
  }
  const baseSize = varint()
  if (baseSize !== base.length) throw new Error(`delta expects a base of ${baseSize} bytes, got ${base.length}`)
  const out = Buffer.allocUnsafe(varint())
  let o = 0
  while (i < delta.length) {
    const op = delta[i++]!
    if (op & 0x80) {
      let from = 0
      let size = 0
      if (op & 0x01) from += delta[i++]!
      if (op & 0x02) from += delta[i++]! * 0x100
      if (op & 0x04) from += delta[i++]! * 0x10000
      if (op & 0x08) from += delta[i++]! * 0x1000000
      if (op & 0x10) size += delta[i++]!
      if (op & 0x20) size += delta[i++]! * 0x100
      if (op & 0x40) size += delta[i++]! * 0x10000
      if (size === 0) size = 0x10000
      base.copy(out, o, from, from + size)
      o += size
    } else if (op > 0) {
      delta.copy(out, o, i, i + op)
      i += op
      o += op
    } else {
      throw new Error('invalid delta instruction 0')
    }
  }
  if (o !== out.length) throw new Error(`delta produced ${o} bytes, expected ${out.length}`)
  return out
}
