/**
 * The queue-backend contract (`QueueBackend` in @trellis/core/plugin-api) as a test
 * suite any backend must pass. `setup` opens a fresh project (a git repository with
 * the pipeline below, committed) whose `queue` service is the backend under test;
 * entries are made the way `exp run --queue` makes them (core commits, the backend
 * records), and the suite then talks to the backend directly.
 *
 * Pipeline: stage `train` copies params.yaml to out.txt, and fails when `lr` is 9.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initProject, queueExperiment, type Project, type QueueBackend, type QueueEvent } from '@trellis/core'

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

export function queueBackendContract(name: string, setup: (dir: string) => Promise<Project>): void {
  describe(`queue backend contract: ${name}`, () => {
    const dirs: string[] = []
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

    async function fresh(): Promise<{ project: Project; backend: QueueBackend; dir: string }> {
      const dir = await contractRepo(dirs)
      const project = await setup(dir)
      return { project, backend: await project.services.get('queue'), dir }
    }

    it('enqueue records self-contained entries, listed oldest first, durably', async () => {
      const { project, backend, dir } = await fresh()
      const a = (await queueExperiment(project, { setParams: ['lr=2'], name: 'two' })).entry
      const b = (await queueExperiment(project, { setParams: ['lr=3'] })).entry
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

    it('run runs the entries asked for and reports them: start, then done with the experiment', async () => {
      const { project, backend } = await fresh()
      const a = (await queueExperiment(project, { setParams: ['lr=4'], name: 'four' })).entry
      const b = (await queueExperiment(project, { setParams: ['lr=5'], name: 'five' })).entry
      const events: QueueEvent[] = []
      const result = await backend.run({ ids: [a.id], jobs: 1, onEvent: (e) => events.push(e) })
      expect(result.failed).toEqual([])
      expect(result.succeeded.map((e) => [e.id, e.state, e.result?.name])).toEqual([[a.id, 'success', 'four']])
      const forA = events.filter((e) => 'entry' in e && e.entry.id === a.id).map((e) => e.type)
      expect(forA.filter((t) => t !== 'log')).toEqual(['start', 'done'])
      expect(events.some((e) => 'entry' in e && e.entry.id === b.id)).toBe(false)
      const made = result.succeeded[0].result!
      const store = await project.services.get('gitRepository')
      expect(await store.resolve(made.ref)).toBe(made.commit)
      expect(new Set((await backend.list()).filter((e) => e.state === 'queued').map((e) => e.id))).toEqual(new Set([b.id]))
      expect(typeof (await backend.log(a.id))).toBe('string')
    })

    it('a failing entry fails alone: state failed, why, a log; the others run', async () => {
      const { project, backend } = await fresh()
      const bad = (await queueExperiment(project, { setParams: ['lr=9'], name: 'bad' })).entry
      const good = (await queueExperiment(project, { setParams: ['lr=6'], name: 'good' })).entry
      const result = await backend.run({ jobs: 2 })
      expect(result.failed.map((e) => [e.id, e.state])).toEqual([[bad.id, 'failed']])
      expect(result.failed[0].error).toMatch(/train/)
      expect(result.succeeded.map((e) => e.id)).toEqual([good.id])
      expect((await backend.list()).find((e) => e.id === bad.id)?.state).toBe('failed')
      expect(await backend.log(bad.id)).toMatch(/\S/)
    })

    it('remove forgets entries; nothing else changes', async () => {
      const { project, backend } = await fresh()
      const a = (await queueExperiment(project, { setParams: ['lr=7'] })).entry
      const b = (await queueExperiment(project, { setParams: ['lr=8'] })).entry
      await backend.remove([])
      await backend.remove([a.id])
      expect((await backend.list()).map((e) => e.id)).toEqual([b.id])
      const result = await backend.run({})
      expect(result.succeeded.map((e) => e.id)).toEqual([b.id])
    })
  })
}
