import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ObjectDb } from './objects.js'
import { applyDelta } from './pack.js'
import { cleanupRepos, core, git, isolateGitEnv, makeRepo, write } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

/** A repository whose history makes git store deltas: one growing file, edited 40 times. */
function historyRepo(): string {
  const root = makeRepo({ 'README.md': '# packs\n' })
  let text = ''
  for (let i = 0; i < 40; i++) {
    text += `line ${i}: ${'lorem ipsum dolor sit amet '.repeat(4)}\n`
    write(root, 'big.txt', text)
    write(root, `dir${i % 3}/f${i}.txt`, `file ${i}\n`)
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', `c${i}`)
  }
  return root
}

function allObjects(root: string): Array<{ oid: string; type: string }> {
  return git(root, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)')
    .split('\n')
    .map((line) => {
      const [oid, type] = line.split(' ')
      return { oid: oid!, type: type! }
    })
}

async function expectSameAsGit(root: string): Promise<void> {
  const db = new ObjectDb(join(root, '.git'), core)
  const objects = allObjects(root)
  expect(objects.length).toBeGreaterThan(100)
  for (const { oid, type } of objects) {
    const object = await db.read(oid)
    expect(object?.type).toBe(type)
    const expected = execFileSync('git', ['cat-file', type, oid], { cwd: root })
    expect(object!.content.equals(expected)).toBe(true)
  }
  expect(await db.read('f'.repeat(40))).toBeNull()
}

function packedDeltas(root: string): number {
  const pack = readdirSync(join(root, '.git/objects/pack')).find((n) => n.endsWith('.idx'))!
  const out = git(root, 'verify-pack', '-v', join('.git/objects/pack', pack))
  return out.split('\n').filter((line) => /^[0-9a-f]{40} \w+ +\d+ \d+ \d+ \d+ [0-9a-f]{40}$/.test(line)).length
}

describe('packed objects', () => {
  it('reads every object of a packed repository (OFS_DELTA chains) as git does', async () => {
    const root = historyRepo()
    git(root, 'repack', '-a', '-d', '-f', '-q', '--depth=50', '--window=50')
    expect(packedDeltas(root)).toBeGreaterThan(10)
    await expectSameAsGit(root)
  })

  it('reads REF_DELTA entries and version-1 pack indexes', async () => {
    const root = historyRepo()
    git(root, '-c', 'repack.useDeltaBaseOffset=false', '-c', 'pack.indexVersion=1', 'repack', '-a', '-d', '-f', '-q')
    const idx = readdirSync(join(root, '.git/objects/pack')).find((n) => n.endsWith('.idx'))!
    expect(execFileSync('head', ['-c', '4', join(root, '.git/objects/pack', idx)]).readUInt32BE(0)).not.toBe(0xff744f63)
    expect(packedDeltas(root)).toBeGreaterThan(10)
    await expectSameAsGit(root)
  })

  it('finds objects packed after it was created, and loose ones beside packs', async () => {
    const root = historyRepo()
    const db = new ObjectDb(join(root, '.git'), core)
    const head = git(root, 'rev-parse', 'HEAD')
    expect((await db.read(head))?.type).toBe('commit')
    git(root, 'gc', '-q')
    write(root, 'new.txt', 'after gc\n')
    const blob = git(root, 'hash-object', '-w', 'new.txt')
    expect((await db.read(head))?.type).toBe('commit')
    expect((await db.read(blob))?.content.toString()).toBe('after gc\n')
    expect(db.has(head) && db.has(blob)).toBe(true)
  })

  it('rejects a delta that does not fit its base', () => {
    expect(() => applyDelta(Buffer.from('abc'), Buffer.from([4, 1, 0x91, 0, 1]))).toThrow(/base of 4 bytes/)
    expect(applyDelta(Buffer.from('abcd'), Buffer.from([4, 3, 0x91, 1, 2, 1, 0x7a]))).toEqual(Buffer.from('bcz'))
  })
})
