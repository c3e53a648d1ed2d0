import Database from 'better-sqlite3'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { isRacy, resetStateMemo, stateDbPath, StateDb, type StatKey } from './state-db.js'

const base = mkdtempSync(join(tmpdir(), 'trellis-state-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
beforeEach(() => resetStateMemo())

let n = 0
function repo(withDvc = true): string {
  const root = join(base, `r${n++}`)
  mkdirSync(withDvc ? join(root, '.dvc') : root, { recursive: true })
  return root
}

const SEC = 1_000_000_000n
const old = 1_600_000_000n * SEC + 123n
const st = (over: Partial<StatKey> = {}): StatKey => ({ ino: 42n, mtimeNs: old, size: 3n, mode: 0o100644n, ...over })
const later = old + 100n * SEC

describe('StateDb', () => {
  it('hits only when inode, mtime and size all match', async () => {
    const db = await StateDb.open(repo())
    expect(db.save('a/b', st(), 'acbd18db4cc2f85cedef654fccc4a4d8', later)).toBe(true)
    expect(db.lookup('a/b', st())?.md5).toBe('acbd18db4cc2f85cedef654fccc4a4d8')
    expect(db.lookup('a/b', st({ mtimeNs: old + 1n }))).toBeUndefined()
    expect(db.lookup('a/b', st({ size: 4n }))).toBeUndefined()
    expect(db.lookup('a/b', st({ ino: 43n }))).toBeUndefined()
    expect(db.lookup('other', st())).toBeUndefined()
    db.close()
  })

  it('persists at flush in one file under .dvc/tmp, read back by one SELECT', async () => {
    const root = repo()
    const db = await StateDb.open(root)
    expect(db.persistent).toBe(true)
    for (let i = 0; i < 1000; i++) db.save(`f${i}`, st({ ino: BigInt(i) }), i.toString(16).padStart(32, '0'), later)
    db.close()
    expect(existsSync(stateDbPath(root))).toBe(true)
    resetStateMemo()
    const again = await StateDb.open(root)
    expect(again.size).toBe(1000)
    expect(again.lookup('f999', st({ ino: 999n }))?.md5).toBe('3e7'.padStart(32, '0'))
    expect(again.lookup('f999', st({ ino: 999n }))?.mtimeNs).toBe(old.toString())
    again.close()
  })

  it('shares entries within the process (the memo) without re-reading the db', async () => {
    const root = repo()
    const a = await StateDb.open(root)
    a.save('x', st(), 'acbd18db4cc2f85cedef654fccc4a4d8', later)
    const b = await StateDb.open(root)
    expect(b.lookup('x', st())?.md5).toBe('acbd18db4cc2f85cedef654fccc4a4d8')
    a.close()
    b.close()
  })

  it('the racy rule: entries whose mtime is too close to the read are not kept', async () => {
    expect(isRacy(old, old + 50_000_000n)).toBe(true) // 50 ms later: a rewrite could keep the mtime
    expect(isRacy(old, old + 150_000_000n)).toBe(false)
    const whole = 1_600_000_000n * SEC // whole-second mtimes: coarse filesystem, 2 s window
    expect(isRacy(whole, whole + SEC)).toBe(true)
    expect(isRacy(whole, whole + 3n * SEC)).toBe(false)
    const db = await StateDb.open(repo())
    expect(db.save('r', st(), 'acbd18db4cc2f85cedef654fccc4a4d8', old + 1000n)).toBe(false)
    expect(db.lookup('r', st())).toBeUndefined()
    db.close()
  })

  it('without .dvc it does not create anything and keeps hashes in memory only', async () => {
    const root = repo(false)
    const db = await StateDb.open(root)
    expect(db.persistent).toBe(false)
    db.save('x', st(), 'acbd18db4cc2f85cedef654fccc4a4d8', later)
    expect(db.lookup('x', st())).toBeDefined()
    db.close()
    expect(existsSync(join(root, '.dvc'))).toBe(false)
  })

  it('a locked database never fails: writes are dropped, lookups still work', async () => {
    const root = repo()
    const first = await StateDb.open(root)
    first.close()
    // another process holds the write lock
    const other = new Database(stateDbPath(root))
    other.prepare('BEGIN EXCLUSIVE').run()
    try {
      resetStateMemo()
      const db = await StateDb.open(root)
      db.save('x', st(), 'acbd18db4cc2f85cedef654fccc4a4d8', later)
      db.flush() // busy: silently dropped after the busy timeout
      expect(db.lookup('x', st())?.md5).toBe('acbd18db4cc2f85cedef654fccc4a4d8')
      db.close()
    } finally {
      other.prepare('ROLLBACK').run()
      other.close()
    }
    // the write was dropped, not queued behind the lock: the file does not have it
    const check = new Database(stateDbPath(root))
    try {
      expect(check.prepare("SELECT count(*) AS n FROM state WHERE path = 'x'").get()).toEqual({ n: 0 })
    } finally {
      check.close()
    }
  })

  it('a corrupt database file is replaced', async () => {
    const root = repo()
    mkdirSync(join(root, '.dvc', 'tmp'), { recursive: true })
    writeFileSync(stateDbPath(root), 'this is not a database'.repeat(100))
    const db = await StateDb.open(root)
    expect(db.persistent).toBe(true)
    db.save('x', st(), 'acbd18db4cc2f85cedef654fccc4a4d8', later)
    db.close()
    resetStateMemo()
    const again = await StateDb.open(root)
    expect(again.lookup('x', st())?.md5).toBe('acbd18db4cc2f85cedef654fccc4a4d8')
    again.close()
  })

  it('stateless: private memory, no file', async () => {
    const root = repo()
    const db = await StateDb.open(root, { stateless: true })
    expect(db.persistent).toBe(false)
    db.save('x', st(), 'acbd18db4cc2f85cedef654fccc4a4d8', later)
    db.close()
    expect(existsSync(stateDbPath(root))).toBe(false)
    expect((await StateDb.open(root, { stateless: true })).lookup('x', st())).toBeUndefined()
  })
})
