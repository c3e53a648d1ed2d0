import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { CHUNK_SIZE, dos2unixInPlace, hashFile, hashFileSync, isTextBlock, md5Bytes, md5FileSync } from './file-hash.js'

const dir = mkdtempSync(join(tmpdir(), 'trellis-filehash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function file(content: string | Uint8Array, mode?: number): string {
  const p = join(dir, `f${n++}`)
  writeFileSync(p, content)
  if (mode !== undefined) chmodSync(p, mode)
  return p
}

const md5 = (b: Uint8Array | string) => createHash('md5').update(b).digest('hex')

describe('DVC 2.x file hash (b.3 vectors)', () => {
  const vectors: [string, string | Uint8Array, string][] = [
    ['foo', 'foo', 'acbd18db4cc2f85cedef654fccc4a4d8'],
    ['empty', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['text with CRLF', 'a\r\nb\r\n', 'dd8c6a395b5dd36c56d23275028f526c'],
    ['binary with CRLF', Buffer.from('\x00a\r\nb\r\n', 'latin1'), '1336478d095a693e514198c06812ee2f'],
  ]
  for (const [name, content, expected] of vectors) {
    it(`${name} → ${expected}`, async () => {
      const p = file(content)
      const size = Buffer.byteLength(content as string)
      expect(hashFileSync(p)).toEqual({ md5: expected, size, isexec: false })
      expect(await hashFile(p)).toEqual({ md5: expected, size, isexec: false })
      expect(md5FileSync(p)).toBe(expected)
      expect(md5FileSync(p, size)).toBe(expected)
      expect(md5Bytes(typeof content === 'string' ? Buffer.from(content) : content)).toBe(expected)
    })
  }

  it('the raw md5 of a\\r\\nb\\r\\n differs (normalisation happened)', () => {
    expect(md5('a\r\nb\r\n')).toMatch(/^59b0d777/)
  })

  it('fixture eval/live/metrics.json → 97147dd5cb0e159c34152950b0bf1309, 195 bytes', async () => {
    const p = fileURLToPath(new URL('../../../../test/fixtures/example-get-started/eval/live/metrics.json', import.meta.url))
    expect(hashFileSync(p)).toEqual({ md5: '97147dd5cb0e159c34152950b0bf1309', size: 195, isexec: false })
    expect((await hashFile(p)).md5).toBe('97147dd5cb0e159c34152950b0bf1309')
  })

  it('isexec is any x bit; size is the raw size', () => {
    for (const mode of [0o744, 0o654, 0o645]) expect(hashFileSync(file('x\r\n', mode))).toEqual({ md5: md5('x\n'), size: 3, isexec: true })
    expect(hashFileSync(file('x', 0o644)).isexec).toBe(false)
  })
})

describe('text detection', () => {
  it('empty is text, NUL is binary, 30 % non-text is the limit', () => {
    expect(isTextBlock(new Uint8Array())).toBe(true)
    expect(isTextBlock(Buffer.from('abc\x00'))).toBe(false)
    // 3 of 10 non-text bytes: text; 4 of 10: binary
    expect(isTextBlock(Buffer.from([0x80, 0x81, 0x82, 97, 97, 97, 97, 97, 97, 97]))).toBe(true)
    expect(isTextBlock(Buffer.from([0x80, 0x81, 0x82, 0x83, 97, 97, 97, 97, 97, 97]))).toBe(false)
    // \b \t \n \f \r are text; other controls and DEL are not
    expect(isTextBlock(Buffer.from('\b\t\n\f\r'))).toBe(true)
    expect(isTextBlock(Buffer.from('\x01\x7f'))).toBe(false)
  })

  it('only the first 512 bytes decide', () => {
    const body = Buffer.concat([Buffer.alloc(512, 0x61), Buffer.from('\x00\r\n')])
    expect(hashFileSync(file(body)).md5).toBe(md5(Buffer.concat([Buffer.alloc(512, 0x61), Buffer.from('\x00\n')])))
    const bin = Buffer.concat([Buffer.alloc(200, 0xff), Buffer.alloc(312, 0x61), Buffer.from('\r\n')])
    expect(hashFileSync(file(bin)).md5).toBe(md5(bin)) // 200/512 > 30 %: binary, hashed raw
  })

  it('UTF-8 heavy text is classed binary (bytes >= 0x80 count as non-text)', () => {
    const s = 'żółć\r\n'.repeat(50)
    expect(hashFileSync(file(s)).md5).toBe(md5(s))
  })
})

describe('chunking', () => {
  it('CRLF is normalised within 1 MiB chunks only', () => {
    // a CRLF split across the chunk boundary stays; one inside a chunk goes
    const a = Buffer.alloc(CHUNK_SIZE - 1, 0x61)
    const content = Buffer.concat([a, Buffer.from('\r\nb\r\nc')])
    const expected = md5(Buffer.concat([a, Buffer.from('\r\nb\nc')]))
    const p = file(content)
    expect(hashFileSync(p).md5).toBe(expected)
    expect(md5FileSync(p, content.length)).toBe(expected)
    expect(md5Bytes(content)).toBe(expected)
  })

  it('exact multiples of the chunk size and multi-chunk text', async () => {
    for (const size of [CHUNK_SIZE, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 5]) {
      const content = Buffer.alloc(size, 'ab\r\ncd\n')
      const parts: Buffer[] = []
      for (let off = 0; off < size; off += CHUNK_SIZE) {
        parts.push(Buffer.from(content.subarray(off, off + CHUNK_SIZE).toString('latin1').replaceAll('\r\n', '\n'), 'latin1'))
      }
      const expected = md5(Buffer.concat(parts))
      const p = file(content)
      expect(hashFileSync(p)).toEqual({ md5: expected, size, isexec: false })
      expect(md5FileSync(p, size)).toBe(expected)
      expect((await hashFile(p)).md5).toBe(expected)
    }
  })

  it('dos2unix equals Python replace(b"\\r\\n", b"\\n")', () => {
    for (const s of ['\r\r\n', '\r\n\r\n', '\r', 'x\r', '\n\r', 'a\rb\r\nc\r\r\r\n\n', '']) {
      const buf = Buffer.from(s + 'PAD')
      const len = dos2unixInPlace(buf, s.length)
      expect(buf.subarray(0, len).toString()).toBe(s.replaceAll('\r\n', '\n'))
    }
  })

  it('a stale size hint still hashes what is there', () => {
    const p = file('hello\r\nworld\r\n')
    expect(md5FileSync(p, 3)).toBe(md5('hello\nworld\n'))
    expect(md5FileSync(p, 1000)).toBe(md5('hello\nworld\n'))
    expect(readFileSync(p, 'utf8')).toBe('hello\r\nworld\r\n')
  })
})
