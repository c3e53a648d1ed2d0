import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CHUNK_SIZE } from './file-hash.js'
import { HashPool, md5Files, md5ManyInProcess, shouldUsePool } from './hash-pool.js'

const dir = mkdtempSync(join(tmpdir(), 'trellis-pool-'))
const pool = new HashPool(2)
afterAll(async () => {
  await pool.destroy()
  rmSync(dir, { recursive: true, force: true })
})

/** Seeded pseudo-random bytes (xorshift32): the same files on every run. */
function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/**
 * DVC's text rule at its 30 % boundary (non-text = bytes outside 0x20-0x7E and \n \r \t \f \b,
 * judged on the first 512 bytes), each with CRLFs so text and binary hash differently.
 * Expected md5s computed with Python from the rule in reference/dvc-pipelines.md b.3.
 */
const firstBlock = (nonText: number, tail: string) =>
  Buffer.concat([Buffer.from('\r\n'.repeat(4)), Buffer.alloc(nonText, 0x80), Buffer.alloc(512 - 8 - nonText, 0x61), Buffer.from(tail)])
const BOUNDARY_VECTORS: Array<[string, Buffer, string]> = [
  ['153 of 512 non-text (29.9 %): text', firstBlock(153, '\r\nrest\r\n'), '6b2191a32b591dccb108d8af90025875'],
  ['154 of 512 non-text (30.1 %): binary', firstBlock(154, '\r\nrest\r\n'), '4f81825e4db6021e54aa32bd1204c773'],
  ['3 of 10 non-text (exactly 30 %): text', Buffer.from('0d0a8080806161610d0a', 'hex'), 'b98a7ad2d1e5fbba267962a771789a00'],
  ['4 of 10 non-text (40 %): binary', Buffer.from('0d0a8080808061610d0a', 'hex'), '646983b5a0fe437bc90550ec3d39dd84'],
  ['\\b and \\f are text, other controls are not (3 of 11): text', Buffer.from('080c010203610d0a626364', 'hex'), '7337c245eec90f32cf2b5c9b9a951c88'],
  ['4 of 10 controls: binary', Buffer.from('080c010203040d0a6263', 'hex'), '4051573c3d39fea73f47a24b9c9e0779'],
]

/** Deterministic pseudo-random contents that exercise every branch of the hash loop. */
function makeFiles(count: number): { paths: string[]; sizes: number[] } {
  mkdirSync(dir, { recursive: true })
  const paths: string[] = []
  const sizes: number[] = []
  const special: Buffer[] = [
    Buffer.from(''),
    Buffer.from('foo'),
    Buffer.from('a\r\nb\r\n'),
    Buffer.from('\x00a\r\nb\r\n', 'latin1'),
    Buffer.concat([Buffer.alloc(CHUNK_SIZE - 1, 0x61), Buffer.from('\r\nb\r\n')]), // CRLF across the boundary
    Buffer.alloc(CHUNK_SIZE, 'x\r\n'),
    Buffer.alloc(2 * CHUNK_SIZE + 17, 'line\r\n'),
    seededBytes(CHUNK_SIZE + 3, 1),
  ]
  for (let i = 0; i < count; i++) {
    let content: Buffer
    if (i < special.length) content = special[i]
    else if (i % 3 === 0) content = seededBytes(i * 7, i)
    else content = Buffer.from(`row ${i}\r\n`.repeat(i % 50) + (i % 5 === 0 ? '\r' : ''))
    const p = join(dir, `f${i}`)
    writeFileSync(p, content)
    paths.push(p)
    sizes.push(content.length)
  }
  return { paths, sizes }
}

describe('HashPool', () => {
  const { paths, sizes } = makeFiles(300)

  it('gives exactly the in-process hashes (with and without size hints)', async () => {
    const expected = md5ManyInProcess(paths, sizes)
    expect(expected[1]).toBe('acbd18db4cc2f85cedef654fccc4a4d8')
    expect(expected[2]).toBe('dd8c6a395b5dd36c56d23275028f526c')
    expect(expected[3]).toBe('1336478d095a693e514198c06812ee2f')
    expect(await pool.md5Many(paths, sizes)).toEqual(expected)
    expect(await pool.md5Many(paths)).toEqual(expected)
    expect(await md5Files(paths, sizes, 'pool')).toEqual(expected)
    expect(pool.started).toBe(true)
  })

  it('classifies text and binary at the 30 % boundary as DVC does, in the workers and in-process', async () => {
    const vectorDir = join(dir, 'boundary')
    mkdirSync(vectorDir, { recursive: true })
    const files = BOUNDARY_VECTORS.map(([, content], i) => {
      const p = join(vectorDir, `v${i}`)
      writeFileSync(p, content)
      return p
    })
    const expected = BOUNDARY_VECTORS.map(([, , md5]) => md5)
    expect(md5ManyInProcess(files)).toEqual(expected)
    expect(await pool.md5Many(files)).toEqual(expected)
    expect(pool.started).toBe(true)
  })

  it('runs concurrent jobs', async () => {
    const expected = md5ManyInProcess(paths, sizes)
    const results = await Promise.all([pool.md5Many(paths, sizes), pool.md5Many(paths.slice(5), sizes.slice(5)), pool.md5Many([paths[2]])])
    expect(results).toEqual([expected, expected.slice(5), [expected[2]]])
  })

  it('rejects with the fs error of a missing file', async () => {
    await expect(pool.md5Many([paths[0], join(dir, 'missing')])).rejects.toMatchObject({ code: 'ENOENT' })
    // and keeps working afterwards
    expect(await pool.md5Many([paths[1]])).toEqual(['acbd18db4cc2f85cedef654fccc4a4d8'])
  })

  it('uses the pool only for big jobs', () => {
    expect(shouldUsePool(10, 1000)).toBe(false)
    expect(shouldUsePool(65, 1000)).toBe(true)
    expect(shouldUsePool(4, 1 << 30)).toBe(true)
    expect(shouldUsePool(1, 1 << 30)).toBe(false)
  })

  it('never keeps the process alive when idle (workers are unref\'d after warm-up and after work)', async () => {
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length
    const fresh = new HashPool(2)
    const before = ports()
    fresh.warm()
    expect(ports()).toBe(before)
    const running = fresh.md5Many(paths.slice(0, 100))
    expect(ports()).toBeGreaterThan(before) // ref'd while working: an awaited hash cannot be cut short
    await running
    expect(ports()).toBe(before)
    await fresh.destroy()
  })

  it('a pool of size 0 hashes in-process', async () => {
    const none = new HashPool(0)
    expect(await none.md5Many(paths.slice(0, 4))).toEqual(md5ManyInProcess(paths.slice(0, 4)))
    expect(none.started).toBe(false)
  })
})
