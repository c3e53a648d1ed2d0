/**
 * DVC 2.x file hash ("md5"), reference `dvc-pipelines.md` b.3:
 *
 * 1. The file is *text* when its first block (the first 512 bytes of the first
 *    chunk) is empty, or has no NUL byte and at most 30 % of its bytes outside
 *    {0x20–0x7E, \n, \r, \t, \f, \b}.
 * 2. The file is read in 1 MiB chunks; for a text file every `\r\n` *within a
 *    chunk* becomes `\n` (a CRLF split across a chunk boundary stays), and the
 *    MD5 runs over the result. Binary files are hashed raw.
 * 3. `size` is the raw on-disk size; `isexec` is "any x bit set".
 *
 * Speed (toolchain-and-style.md §3): a `readSync` loop into one reused 1 MiB
 * buffer is the fastest form in Node; the CRLF pass is skipped when a chunk has
 * no `\r`, and a file that fits in one chunk is hashed with the one-shot
 * `crypto.hash`. The hash workers (`hash-worker-entry.ts`) run this same code.
 */
import { createHash, hash as oneShotHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { open } from 'node:fs/promises'

export const CHUNK_SIZE = 1 << 20
export const TEXT_BLOCK_SIZE = 512

export interface FileHash {
  md5: string
  /** Raw size on disk, in bytes. */
  size: number
  /** Any of the x bits is set. */
  isexec: boolean
}

/** DVC's `istextblock` over `block[0:length]` (only the first 512 bytes are looked at). */
export function isTextBlock(block: Uint8Array, length: number = block.length): boolean {
  const len = Math.min(length, TEXT_BLOCK_SIZE)
  if (len === 0) return true
  let nontext = 0
  for (let i = 0; i < len; i++) {
    const b = block[i]
    if (b === 0) return false
    if (b < 0x20) {
      // \b \t \n \f \r are text
      if (b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0x0c && b !== 0x08) nontext++
    } else if (b > 0x7e) nontext++
  }
  return nontext / len <= 0.3
}

/**
 * Python `chunk.replace(b"\r\n", b"\n")` in place over `buf[0:n]`; returns the new length.
 * Cheap when the chunk has no `\r` (one native indexOf).
 */
export function dos2unixInPlace(buf: Buffer, n: number): number {
  const view = n === buf.length ? buf : buf.subarray(0, n)
  let r = view.indexOf(0x0d)
  if (r === -1) return n
  let w = 0 // write head
  let s = 0 // start of the segment not yet moved
  for (; r !== -1; r = view.indexOf(0x0d, r + 1)) {
    if (r + 1 < n && view[r + 1] === 0x0a) {
      if (w !== s) view.copyWithin(w, s, r)
      w += r - s
      s = r + 1 // drop the \r, keep the \n
    }
  }
  if (w !== s) view.copyWithin(w, s, n)
  return w + (n - s)
}

/**
 * Read from the current position until `buf` is full or EOF (Python's
 * BufferedReader.read(n)), or until at least `stopAt` bytes are in (the expected
 * size is reached: saves the final zero-byte read).
 */
function fillSync(fd: number, buf: Buffer, stopAt: number): number {
  let got = 0
  while (got < stopAt) {
    const n = readSync(fd, buf, got, buf.length - got, null)
    if (n === 0) break
    got += n
  }
  return got
}

let scratch: Buffer | undefined

/**
 * The DVC md5 of an open file, read from its current position. `sizeHint` (the size
 * from a stat taken just before) lets a small file be hashed without the final
 * zero-byte read; if the file grew meanwhile, the extra bytes of that read are still hashed.
 */
export function md5FdSync(fd: number, sizeHint?: number, buf?: Buffer, plain = false): string {
  const chunk = buf ?? (scratch ??= Buffer.allocUnsafeSlow(CHUNK_SIZE))
  const L = chunk.length
  let remaining = sizeHint ?? Infinity
  let n = fillSync(fd, chunk, Math.min(L, remaining))
  remaining -= n
  const text = !plain && isTextBlock(chunk, n)
  if (n < L || remaining <= 0) {
    // Common case: everything fits in one chunk.
    const len = text ? dos2unixInPlace(chunk, n) : n
    return oneShotHash('md5', chunk.subarray(0, len), 'hex')
  }
  const h = createHash('md5')
  for (;;) {
    const len = text ? dos2unixInPlace(chunk, n) : n
    h.update(chunk.subarray(0, len))
    if (n < L || remaining <= 0) break
    n = fillSync(fd, chunk, Math.min(L, remaining))
    remaining -= n
    if (n === 0) break
  }
  return h.digest('hex')
}

/**
 * DVC md5 of a file by path (stat not needed): the 2.x `md5-dos2unix` by default,
 * the DVC 3 plain `md5` (raw bytes, no text rule) with `plain`.
 */
export function md5FileSync(absPath: string, sizeHint?: number, plain = false): string {
  const fd = openSync(absPath, 'r')
  try {
    return md5FdSync(fd, sizeHint, undefined, plain)
  } finally {
    closeSync(fd)
  }
}

/** md5, raw size and exec bit of a file (symlinks are followed), synchronously. */
export function hashFileSync(absPath: string): FileHash {
  const fd = openSync(absPath, 'r')
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw Object.assign(new Error(`EISDIR: not a regular file, '${absPath}'`), { code: 'EISDIR' })
    const md5 = md5FdSync(fd, st.size)
    return { md5, size: st.size, isexec: (st.mode & 0o111) !== 0 }
  } finally {
    closeSync(fd)
  }
}

/**
 * Same as `hashFileSync`, but reads with async I/O into its own buffer, so the
 * event loop keeps turning during a big file. Prefer the sync form (or the
 * `Hasher`) in hot loops: it is faster.
 */
export async function hashFile(absPath: string): Promise<FileHash> {
  const fh = await open(absPath, 'r')
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw Object.assign(new Error(`EISDIR: not a regular file, '${absPath}'`), { code: 'EISDIR' })
    const buf = Buffer.allocUnsafe(CHUNK_SIZE)
    const h = createHash('md5')
    let text: boolean | undefined
    for (;;) {
      let got = 0
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, null)
        if (bytesRead === 0) break
        got += bytesRead
      }
      if (text === undefined) text = isTextBlock(buf, got)
      if (got === 0) break
      const len = text ? dos2unixInPlace(buf, got) : got
      h.update(buf.subarray(0, len))
      if (got < buf.length) break
    }
    return { md5: h.digest('hex'), size: st.size, isexec: (st.mode & 0o111) !== 0 }
  } finally {
    await fh.close()
  }
}

/** The DVC md5 of bytes in memory (same text rule and chunking as a file). */
export function md5Bytes(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const text = isTextBlock(bytes, Math.min(bytes.length, CHUNK_SIZE))
  if (!text || bytes.indexOf(0x0d) === -1) return oneShotHash('md5', bytes, 'hex')
  const h = createHash('md5')
  const tmp = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, bytes.length))
  for (let off = 0; off < bytes.length; off += CHUNK_SIZE) {
    const n = bytes.copy(tmp, 0, off, Math.min(off + CHUNK_SIZE, bytes.length))
    h.update(tmp.subarray(0, dos2unixInPlace(tmp, n)))
  }
  return h.digest('hex')
}
