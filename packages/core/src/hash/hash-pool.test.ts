import { randomBytes } from 'node:crypto'
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
    randomBytes(CHUNK_SIZE + 3),
  ]
  for (let i = 0; i < count; i++) {
    let content: Buffer
    if (i < special.length) content = special[i]
    else if (i % 3 === 0) content = randomBytes(i * 7)
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
