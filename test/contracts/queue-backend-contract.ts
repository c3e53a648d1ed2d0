/**
 * The queue-backend contract (`QueueBackend` in @trellis/core/plugin-api) as a test
 * suite any backend must pass. `setup` opens a fresh project (a git repository with
 * the pipeline below, committed) whose `queue` service is the backend under test;
 * calling it again on the same directory opens a second project handle with a backend
 * instance of its own (another runner over the same queue). Entries are made the way
 * `exp run --queue` makes them (core commits, the backend records); the suite then
 * talks to the backend directly (store and dispatch), and runs entries through core's
 * queue runner (`trellis.core.runQueue`) over it.
 *
 * Pipeline: stage `train` copies params.yaml to out.txt, and fails when `lr` is 9.
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initProject, queueExperiment, runtimeApi, type Project, type QueueBackend, type QueueEvent, type QueueRunner } from '@trellis/core'

export const CONTRACT_PIPELINE = {
  'dvc.yaml': "stages:\n  train:\n    cmd: grep -qv '^lr. 9$' params.yaml && cat params.yaml > out.txt\n    params: [lr]\n    outs: [out.txt]\n",
  'params.yaml': 'lr: 1\n',
}

const GIT_ENV = { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' }

/** A committed DVC project in a temp dir (removed after the suite). */
export async function contractRepo(dirs: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-contract-'))
  dirs.push(dir)
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' })
  git('init', '-q', '-b', 'main')
  await initProject(dir)
  for (const [file, text] of Object.entries(CONTRACT_PIPELINE)) writeFileSync(join(dir, file), text)
  git('add', '-A')
  git('commit', '-qm', 'pipeline')
  Object.assign(process.env, GIT_ENV)
  return dir
}

let runners = 0
/** A runner of this process (each call a different id: another `--run-all`, another worker). */
export function testRunner(): QueueRunner {
  return { id: `contract-${process.pid}-${++runners}`, host: hostname(), pid: process.pid }
}

export function queueBackendContract(name: string, setup: (dir: string) => Promise<Project>): void {
  describe(`queue backend contract: ${name}`, () => {
    const dirs: string[] = []
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

    async function fresh(): Promise<{ project: Project; backend: QueueBackend; dir: string }> {
      const dir = await contractRepo(dirs)
      const project = await setup(dir)
      return { project, backend: await project.services.get('queue'), dir }
    }

    const queue = async (project: Project, lr: number, name?: string) => (await queueExperiment(project, { setParams: [`lr=${lr}`], name })).entry

    it('enqueue records self-contained entries, listed oldest first, durably', async () => {
      const { project, backend, dir } = await fresh()
      const a = await queue(project, 2, 'two')
      const b = await queue(project, 3)
      expect(a).toMatchObject({ state: 'queued', name: 'two', rev: a.baseline, request: { setParams: ['lr=2'], targets: [], cwd: '', force: false } })
      expect(a.paramsFiles).toContain('params.yaml')
      expect(a.id).toMatch(/^[0-9a-f]{40}$/)
      expect((await backend.list()).map((e) => [e.id, e.state])).toEqual([
        [a.id, 'queued'],
        [b.id, 'queued'],
      ])
      // another process (a new project handle, a new backend) sees the same entries
      const again = await (await setup(dir)).services.get('queue')
      expect((await again.list()).map((e) => [e.id, e.name, e.request?.setParams])).toEqual([
        [a.id, 'two', ['lr=2']],
        [b.id, undefined, ['lr=3']],
      ])
      expect(await backend.log(a.id)).toBeNull()
    })

    it('claim takes the oldest queued entry (of `ids` when given) for its runner; null when none is left', async () => {
      const { project, backend } = await fresh()
      const a = await queue(project, 2)
      const b = await queue(project, 3)
      const c = await queue(project, 4)
      const runner = testRunner()
      const first = await backend.claim(runner)
      expect(first?.entry).toMatchObject({ id: a.id, state: 'running', request: { setParams: ['lr=2'] }, runner: { id: runner.id, host: runner.host, pid: runner.pid } })
      expect(typeof first?.logFile).toBe('string')
      // the entry's commit is in the local repository
      const store = await project.services.get('gitRepository')
      expect((await store.readCommit(first!.entry.id)).parents).toEqual([a.baseline])
      expect((await backend.claim(runner, { ids: [c.id] }))?.entry.id).toBe(c.id)
      expect(await backend.claim(runner, { ids: [c.id, a.id] })).toBeNull() // both taken
      expect((await backend.claim(runner))?.entry.id).toBe(b.id)
      expect(await backend.claim(runner)).toBeNull()
      expect((await backend.list()).map((e) => [e.id, e.state])).toEqual([
        [a.id, 'running'],
        [b.id, 'running'],
        [c.id, 'running'],
      ])
    })

    it('two runners claiming at once (two backend instances) never get the same entry', async () => {
      const { project, backend, dir } = await fresh()
      const other = await (await setup(dir)).services.get('queue')
      const ids: string[] = []
      for (let lr = 10; lr < 16; lr++) ids.push((await queue(project, lr)).id)
      const drain = async (b: QueueBackend) => {
        const runner = testRunner()
        const got: string[] = []
        for (let claim = await b.claim(runner); claim; claim = await b.claim(runner)) got.push(claim.entry.id)
        return got
      }
      // three runners: two on one instance, one on the other
      const got = (await Promise.all([drain(backend), drain(other), drain(backend)])).flat()
      expect(got.length).toBe(ids.length)
      expect([...got].sort()).toEqual([...ids].sort())
    })

    it('claim with waitMs waits for an entry queued meanwhile; its signal ends the wait', async () => {
      const { project, backend } = await fresh()
      const runner = testRunner()
      const waiting = backend.claim(runner, { waitMs: 50_000 })
      const a = await queue(project, 2)
      expect((await waiting)?.entry.id).toBe(a.id)
      const stop = new AbortController()
      // longer than the test's timeout: only the signal can end it in time
      const aborted = backend.claim(runner, { waitMs: 600_000, signal: stop.signal })
      stop.abort()
      expect(await aborted).toBeNull()
    })

    it('complete, fail and release end a claim: success (with the experiment), failed (with why), queued again', async () => {
      const { project, backend } = await fresh()
      const a = await queue(project, 2)
      const b = await queue(project, 3)
      const c = await queue(project, 4)
      const runner = testRunner()
      const ca = (await backend.claim(runner))!
      const cb = (await backend.claim(runner))!
      const cc = (await backend.claim(runner))!
      appendFileSync(ca.logFile, 'line of a\n')
      appendFileSync(cb.logFile, 'line of b\n')
      const result = { name: 'exp-a', ref: `refs/exps/${a.baseline.slice(0, 2)}/${a.baseline.slice(2)}/exp-a`, commit: a.id, reused: false }
      // an experiment that exists (a backend may publish it, e.g. push it to a git remote)
      await (await project.services.get('gitRepository')).writeRef(result.ref, a.id)
      expect(await backend.complete(ca, result)).toMatchObject({ id: a.id, state: 'success', result })
      expect(await backend.fail(cb, { code: 'STAGE_FAILED', message: "stage 'train' failed" })).toMatchObject({ id: b.id, state: 'failed', error: "stage 'train' failed" })
      expect(await backend.release(cc)).toMatchObject({ id: c.id, state: 'queued' })
      const listed = new Map((await backend.list()).map((e) => [e.id, e]))
      expect(listed.get(a.id)?.state ?? 'success').toBe('success')
      expect(listed.get(b.id)).toMatchObject({ state: 'failed', error: "stage 'train' failed" })
      expect(listed.get(c.id)?.state).toBe('queued')
      expect(listed.get(c.id)?.runner).toBeUndefined()
      expect(await backend.log(a.id)).toContain('line of a')
      expect(await backend.log(b.id)).toContain('line of b')
      // only the released entry can be claimed again; a failed one is not retried
      expect((await backend.claim(runner))?.entry.id).toBe(c.id)
      expect(await backend.claim(runner)).toBeNull()
    })

    it('complete with no result (nothing changed) records null', async () => {
      const { project, backend } = await fresh()
      const a = await queue(project, 2)
      const claim = (await backend.claim(testRunner()))!
      expect(await backend.complete(claim, null)).toMatchObject({ id: a.id, state: 'success', result: null })
    })

    it('remove forgets entries; a running one is stopped on its runner or refused (INVALID_ARGUMENT)', async () => {
      const { project, backend } = await fresh()
      const a = await queue(project, 7)
      const b = await queue(project, 8)
      const c = await queue(project, 9)
      await backend.remove([])
      await backend.remove([a.id])
      expect((await backend.list()).map((e) => e.id)).toEqual([b.id, c.id])
      const claim = (await backend.claim(testRunner(), { ids: [c.id] }))!
      const refused = await backend.remove([c.id]).then(
        () => undefined,
        (error: { code?: string }) => error,
      )
      if (refused) expect(refused.code).toBe('INVALID_ARGUMENT')
      else expect(claim.signal?.aborted).toBe(true)
      expect((await backend.claim(testRunner()))?.entry.id).toBe(b.id)
    })

    it('exclusive runs one work at a time, across backend instances', async () => {
      const { backend, dir } = await fresh()
      const other = await (await setup(dir)).services.get('queue')
      expect(typeof backend.exclusive).toBe('function')
      let inside = 0
      let most = 0
      const work = (b: QueueBackend) =>
        b.exclusive!(async () => {
          most = Math.max(most, ++inside)
          await new Promise((resolve) => setTimeout(resolve, 30))
          inside--
          return b.name
        })
      expect(await Promise.all([work(backend), work(other), work(backend), work(other)])).toEqual([backend.name, other.name, backend.name, other.name])
      expect(most).toBe(1)
    })

    it("core's runner (trellis.core.runQueue) runs the entries asked for over it: start, then done with the experiment", async () => {
      const { project, backend } = await fresh()
      const a = await queue(project, 4, 'four')
      const b = await queue(project, 5, 'five')
      const events: QueueEvent[] = []
      const result = await runtimeApi.runQueue(project, { ids: [a.id], jobs: 1, onEvent: (e) => events.push(e) })
      expect(result.failed).toEqual([])
      expect(result.succeeded.map((e) => [e.id, e.state, e.result?.name])).toEqual([[a.id, 'success', 'four']])
      const forA = events.filter((e) => 'entry' in e && e.entry.id === a.id).map((e) => e.type)
      expect(forA.filter((t) => t !== 'log')).toEqual(['start', 'done'])
      expect(events.some((e) => 'entry' in e && e.entry.id === b.id)).toBe(false)
      const made = result.succeeded[0].result!
      const store = await project.services.get('gitRepository')
      expect(await store.resolve(made.ref)).toBe(made.commit)
      expect(new Set((await backend.list()).filter((e) => e.state === 'queued').map((e) => e.id))).toEqual(new Set([b.id]))
      expect(await backend.log(a.id)).toContain(`# queued experiment ${a.id} 'four'`)
    })

    it("with the runner, a failing entry fails alone (state failed, why, a log); the others run; `once` runs one", async () => {
      const { project, backend } = await fresh()
      const bad = await queue(project, 9, 'bad')
      const good = await queue(project, 6, 'good')
      const last = await queue(project, 3, 'last')
      const result = await runtimeApi.runQueue(project, { jobs: 2, maxJobs: 2 })
      expect(result.failed.map((e) => [e.id, e.state])).toEqual([[bad.id, 'failed']])
      expect(result.failed[0].error).toMatch(/train/)
      expect(result.succeeded.map((e) => e.id)).toEqual([good.id])
      expect(result.left.map((e) => e.id)).toEqual([last.id])
      expect((await backend.list()).find((e) => e.id === bad.id)?.state).toBe('failed')
      expect(await backend.log(bad.id)).toMatch(/ERROR: .*train/)
      const once = await runtimeApi.runQueue(project, { once: true, waitMs: 50_000, idleExitMs: 1 })
      expect(once.succeeded.map((e) => e.id)).toEqual([last.id])
    })
  })
}
