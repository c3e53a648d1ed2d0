/**
 * The hash worker's code, started with `new Worker(HASH_WORKER_SOURCE, { eval: true })`.
 *
 * It is a plain-JavaScript string rather than a module file so that it runs the
 * same from `dist/` (compiled), from `src/` under vitest (TypeScript that Node 20
 * cannot load in a worker) and from a bundle. It is a copy of the loop in
 * `file-hash.ts` (`isTextBlock`, `dos2unixInPlace`, `md5FdSync`) and must stay
 * equivalent to it: `hash-pool.test.ts` compares both on every test vector and
 * on random files with CRLFs across chunk boundaries.
 *
 * Protocol: the pool posts `{ id, paths: string[], sizes: (number | -1)[] }`; the
 * worker answers `{ id, md5s: (string | null)[], errors: (null | { code, message })[] }`
 * in the same order (a file that cannot be read gets an error, the others still hash).
 */
export interface HashRequest {
  id: number
  paths: string[]
  /** Expected size from a stat taken just before, or -1 when unknown. */
  sizes: number[]
  /** DVC 3 plain md5 (no CRLF text rule). */
  plain?: boolean
}

export interface HashResponse {
  id: number
  md5s: (string | null)[]
  errors: ({ code?: string; message: string } | null)[]
}

export const HASH_WORKER_SOURCE = String.raw`
'use strict'
const { parentPort } = require('node:worker_threads')
const { createHash, hash: oneShotHash } = require('node:crypto')
const { openSync, closeSync, readSync } = require('node:fs')

const CHUNK_SIZE = 1 << 20
const chunk = Buffer.allocUnsafeSlow(CHUNK_SIZE)

function isTextBlock(block, length) {
  const len = Math.min(length, 512)
  if (len === 0) return true
  let nontext = 0
  for (let i = 0; i < len; i++) {
    const b = block[i]
    if (b === 0) return false
    if (b < 0x20) {
      if (b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0x0c && b !== 0x08) nontext++
    } else if (b > 0x7e) nontext++
  }
  return nontext / len <= 0.3
}

function dos2unixInPlace(buf, n) {
  const view = n === buf.length ? buf : buf.subarray(0, n)
  let r = view.indexOf(0x0d)
  if (r === -1) return n
  let w = 0
  let s = 0
  for (; r !== -1; r = view.indexOf(0x0d, r + 1)) {
    if (r + 1 < n && view[r + 1] === 0x0a) {
      if (w !== s) view.copyWithin(w, s, r)
      w += r - s
      s = r + 1
    }
  }
  if (w !== s) view.copyWithin(w, s, n)
  return w + (n - s)
}

function fillSync(fd, buf, stopAt) {
  let got = 0
  while (got < stopAt) {
    const n = readSync(fd, buf, got, buf.length - got, null)
    if (n === 0) break
    got += n
  }
  return got
}

function md5FdSync(fd, sizeHint, plain) {
  const L = chunk.length
  let remaining = sizeHint >= 0 ? sizeHint : Infinity
  let n = fillSync(fd, chunk, Math.min(L, remaining))
  remaining -= n
  const text = !plain && isTextBlock(chunk, n)
  if (n < L || remaining <= 0) {
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

parentPort.on('message', (msg) => {
  const { id, paths, sizes, plain } = msg
  const md5s = new Array(paths.length).fill(null)
  const errors = new Array(paths.length).fill(null)
  for (let i = 0; i < paths.length; i++) {
    let fd = -1
    try {
      fd = openSync(paths[i], 'r')
      md5s[i] = md5FdSync(fd, sizes[i], plain === true)
    } catch (e) {
      errors[i] = { code: e && e.code, message: String(e && e.message ? e.message : e) }
    } finally {
      if (fd >= 0) closeSync(fd)
    }
  }
  parentPort.postMessage({ id, md5s, errors })
})
`
