/** The local queue backend (@trellis/plugin-queue) passes the queue-backend contract, and recovers what a dead runner left. */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openProject, queueExperiment, type QueueBackend } from '@trellis/core'
import { gitRefsPlugin } from '@trellis/plugin-git-refs'
import { queuePlugin } from '@trellis/plugin-queue'
import { contractRepo, queueBackendContract, testRunner } from './contracts/queue-backend-contract.js'

const open = (dir: string) => openProject(dir, { defaultPlugins: async () => [gitRefsPlugin, queuePlugin] })

queueBackendContract('local (plugin-queue)', open)

describe('local queue backend', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  /** The pid of a process that has exited. */
  const deadPid = () => Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }))

  it("recover queues again what a dead runner left running and removes its temp workspace; a live runner's stay", async () => {
    const dir = await contractRepo(dirs)
    const project = await open(dir)
    const backend: QueueBackend = await project.services.get('queue')
    const a = (await queueExperiment(project, { setParams: ['lr=2'] })).entry
    const b = (await queueExperiment(project, { setParams: ['lr=3'] })).entry
    const dead = { id: 'dead-runner', host: hostname(), pid: deadPid() }
    expect((await backend.claim(testRunner(), { ids: [b.id] }))?.entry.id).toBe(b.id)
    expect((await backend.claim(dead))?.entry.id).toBe(a.id)
    const exps = join(project.tmpDir, 'exps')
    const deadWs = join(exps, `${a.id.slice(0, 7)}-abcdef`)
    const liveWs = join(exps, `${b.id.slice(0, 7)}-123456`)
    for (const ws of [deadWs, liveWs]) {
      mkdirSync(ws, { recursive: true })
      writeFileSync(join(ws, 'file'), 'x')
    }
    expect((await backend.recover!()).map((e) => [e.id, e.state])).toEqual([[a.id, 'queued']])
    expect(existsSync(deadWs)).toBe(false)
    expect(existsSync(liveWs)).toBe(true)
    expect((await backend.list()).map((e) => [e.id, e.state, e.attempts])).toEqual([
      [a.id, 'queued', 1],
      [b.id, 'running', 1],
    ])
    expect((await backend.claim(testRunner()))?.entry).toMatchObject({ id: a.id, attempts: 2 })
  })

  it("a dead runner's entry counts as queued: listed so, and claimed by the next runner", async () => {
    const dir = await contractRepo(dirs)
    const project = await open(dir)
    const backend: QueueBackend = await project.services.get('queue')
    const a = (await queueExperiment(project, { setParams: ['lr=2'] })).entry
    expect((await backend.claim({ id: 'dead-runner', host: hostname(), pid: deadPid() }))?.entry.id).toBe(a.id)
    expect((await backend.list()).map((e) => [e.id, e.state])).toEqual([[a.id, 'queued']])
    expect((await backend.claim(testRunner()))?.entry).toMatchObject({ id: a.id, state: 'running', attempts: 2 })
  })

  it('a --temp entry is claimed only by the run that names it', async () => {
    const dir = await contractRepo(dirs)
    const project = await open(dir)
    const backend: QueueBackend = await project.services.get('queue')
    const temp = (await queueExperiment(project, { setParams: ['lr=2'], temp: true })).entry
    expect(await backend.claim(testRunner())).toBeNull()
    expect((await backend.claim(testRunner(), { ids: [temp.id] }))?.entry.id).toBe(temp.id)
  })
})
