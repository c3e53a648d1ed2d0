/**
 * The experiment-store contract (`ExperimentStore` in @trellis/core/plugin-api) as a
 * test suite any store must pass. `setup` gets a git repository with a baseline and
 * a chain of two commits on it (and an unrelated commit) and returns the store under
 * test plus a way to make a fresh remote for it.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ExperimentStore } from '@trellis/core'

export interface StoreFixture {
  /** The repository (its commits exist for every store). */
  dir: string
  baseline: string
  /** c1's parent is the baseline, c2's parent is c1. */
  c1: string
  c2: string
  /** A commit on the baseline unrelated to c1/c2. */
  other: string
}

export interface StoreUnderTest {
  store: ExperimentStore
  /** A new, empty remote this store can push to and pull from. */
  remote(): string
}

const GIT_ENV = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' }

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim()
}

function fixture(dirs: string[]): StoreFixture {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-store-contract-'))
  dirs.push(dir)
  gitIn(dir, 'init', '-q', '-b', 'main')
  writeFileSync(join(dir, 'a.txt'), 'base\n')
  gitIn(dir, 'add', '-A')
  gitIn(dir, 'commit', '-qm', 'base')
  const baseline = gitIn(dir, 'rev-parse', 'HEAD')
  const tree = gitIn(dir, 'rev-parse', 'HEAD^{tree}')
  const c1 = gitIn(dir, 'commit-tree', tree, '-p', baseline, '-m', 'checkpoint 1')
  const c2 = gitIn(dir, 'commit-tree', tree, '-p', c1, '-m', 'checkpoint 2')
  const other = gitIn(dir, 'commit-tree', tree, '-p', baseline, '-m', 'another experiment')
  return { dir, baseline, c1, c2, other }
}

export function experimentStoreContract(name: string, setup: (fixture: StoreFixture, dirs: string[]) => StoreUnderTest | Promise<StoreUnderTest>): void {
  describe(`experiment store contract: ${name}`, () => {
    const dirs: string[] = []
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
    async function fresh() {
      const f = fixture(dirs)
      return { f, ...(await setup(f, dirs)) }
    }

    it('put, read and list experiments by baseline and name', async () => {
      const { f, store } = await fresh()
      const id = { baseline: f.baseline, name: 'exp-a' }
      expect(await store.read(id)).toBeNull()
      expect(await store.list()).toEqual([])
      await store.put(id, f.c1, { expect: null, message: 'first' })
      await store.put({ baseline: f.baseline, name: 'another' }, f.other)
      expect(await store.read(id)).toBe(f.c1)
      expect(store.locator(id)).toBe(store.locator({ ...id }))
      expect(store.locator(id)).not.toBe(store.locator({ baseline: f.baseline, name: 'another' }))
      expect(await store.list()).toEqual([
        { baseline: f.baseline, name: 'another', commit: f.other, locator: store.locator({ baseline: f.baseline, name: 'another' }) },
        { baseline: f.baseline, name: 'exp-a', commit: f.c1, locator: store.locator(id) },
      ])
      expect((await store.list({ baseline: f.baseline })).map((e) => e.name)).toEqual(['another', 'exp-a'])
      expect(await store.list({ baseline: f.other })).toEqual([])
    })

    it('put with expect is a compare-and-swap: a stale expectation changes nothing', async () => {
      const { f, store } = await fresh()
      const id = { baseline: f.baseline, name: 'cas' }
      await store.put(id, f.c1, { expect: null })
      await expect(store.put(id, f.c2, { expect: null })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
      await expect(store.put(id, f.c2, { expect: f.other })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
      expect(await store.read(id)).toBe(f.c1)
      await store.put(id, f.c2, { expect: f.c1 })
      expect(await store.read(id)).toBe(f.c2)
      await expect(store.put({ baseline: f.baseline, name: 'absent' }, f.c1, { expect: f.c2 })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
      expect(await store.read({ baseline: f.baseline, name: 'absent' })).toBeNull()
    })

    it('a checkpoint chain runs from the tip down to the baseline', async () => {
      const { f, store } = await fresh()
      const id = { baseline: f.baseline, name: 'chain' }
      expect(await store.chain(id)).toEqual([])
      await store.put(id, f.c1)
      expect(await store.chain(id)).toEqual([f.c1])
      await store.put(id, f.c2, { expect: f.c1 })
      expect(await store.chain(id)).toEqual([f.c2, f.c1])
    })

    it('delete forgets an experiment (a missing one is not an error; a stale expectation is)', async () => {
      const { f, store } = await fresh()
      const id = { baseline: f.baseline, name: 'gone' }
      await store.delete(id)
      await store.put(id, f.c1)
      await expect(store.delete(id, { expect: f.c2 })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
      expect(await store.read(id)).toBe(f.c1)
      await store.delete(id, { expect: f.c1 })
      expect(await store.read(id)).toBeNull()
      expect(await store.list()).toEqual([])
    })

    it('marks: applied and checkpoint are set, read and cleared; they are no experiments', async () => {
      const { f, store } = await fresh()
      expect(await store.readMark('applied')).toBeNull()
      expect(await store.readMark('running')).toBeNull()
      await store.clearMark('checkpoint') // not set: not an error
      await store.writeMark('checkpoint', f.c1)
      await store.writeMark('applied', f.c2)
      expect([await store.readMark('checkpoint'), await store.readMark('applied')]).toEqual([f.c1, f.c2])
      expect(await store.list()).toEqual([])
      await store.writeMark('applied', f.other)
      expect(await store.readMark('applied')).toBe(f.other)
      await store.clearMark('applied')
      expect(await store.readMark('applied')).toBeNull()
      expect(await store.readMark('checkpoint')).toBe(f.c1)
    })

    it('push sends experiments to a remote, pull brings them back; a diverged one is rejected unless forced', async () => {
      const { f, store, remote } = await fresh()
      const target = remote()
      const a = { baseline: f.baseline, name: 'shared' }
      const b = { baseline: f.baseline, name: 'other' }
      await store.put(a, f.c1)
      await store.put(b, f.other)
      expect(await store.push(target, [a, b])).toEqual([
        { id: a, status: 'ok' },
        { id: b, status: 'ok' },
      ])
      expect((await store.listRemote(target)).map((e) => [e.name, e.commit])).toEqual([
        ['other', f.other],
        ['shared', f.c1],
      ])
      // fast-forward is fine; a different history is not
      await store.put(a, f.c2, { expect: f.c1 })
      expect((await store.push(target, [a]))[0].status).toBe('ok')
      await store.put(a, f.other, { expect: f.c2 })
      expect((await store.push(target, [a]))[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/\S/) })
      expect((await store.listRemote(target, { baseline: f.baseline })).find((e) => e.name === 'shared')?.commit).toBe(f.c2)
      expect((await store.push(target, [a], { force: true }))[0].status).toBe('ok')
      // pull reports the remote tips and records nothing
      await store.delete(b)
      const pulled = await store.pull(target, [b, { baseline: f.baseline, name: 'not-there' }])
      expect(pulled.map((e) => [e.name, e.commit])).toEqual([['other', f.other]])
      expect(await store.read(b)).toBeNull()
    })
  })
}
