/** The core queue API the CLI's exp show / exp remove / exp apply build on, over the local backend. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openProject, type Project, clearQueue, findQueueEntry, initProject, listQueue, queueEntryParams, queueExperiment, queueShowRows, removeQueueEntries } from '@trellis/core'
import { gitRefsPlugin } from '@trellis/plugin-git-refs'
import { queuePlugin } from './index.js'

const made: string[] = []
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))

const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' }
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim()

async function repo(): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-queue-api-'))
  made.push(dir)
  git(dir, 'init', '-q', '-b', 'main')
  await initProject(dir)
  writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  s:\n    cmd: echo\n    params: [lr, {other.json: [depth]}]\n')
  writeFileSync(join(dir, 'params.yaml'), 'lr: 0.1\n')
  writeFileSync(join(dir, 'other.json'), '{"depth": 2}\n')
  git(dir, 'add', '-A')
  git(dir, 'commit', '-qm', 'base')
  Object.assign(process.env, { GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' })
  return openProject(dir, { defaultPlugins: async () => [gitRefsPlugin, queuePlugin] })
}

describe('queue API', () => {
  it('lists entries, their params and exp show rows; finds and removes them by id prefix or name', async () => {
    const project = await repo()
    const a = (await queueExperiment(project, { setParams: ['lr=0.5', 'other.json:depth=4'], name: 'deep' })).entry
    const b = (await queueExperiment(project, { setParams: ['lr=0.7'] })).entry
    expect(readFileSync(join(project.root, 'params.yaml'), 'utf8')).toBe('lr: 0.1\n')
    expect((await listQueue(project)).map((e) => [e.id, e.name, e.state])).toEqual([
      [a.id, 'deep', 'queued'],
      [b.id, undefined, 'queued'],
    ])
    expect(a.request).toMatchObject({ setParams: ['lr=0.5', 'other.json:depth=4'], targets: [], cwd: '', force: false })
    expect(await queueEntryParams(project, a)).toEqual({ 'params.yaml': { data: { lr: 0.5 } }, 'other.json': { data: { depth: 4 } } })
    const rows = await queueShowRows(project)
    const baseline = git(project.root, 'rev-parse', 'HEAD')
    expect(rows.map((r) => [r.baseline, r.rev])).toEqual([
      [baseline, a.id],
      [baseline, b.id],
    ])
    expect(rows[0].entry.data).toMatchObject({ queued: true, running: false, failed: false, executor: null, name: 'deep', metrics: {} })
    expect(rows[1].entry.data?.params).toEqual({ 'params.yaml': { data: { lr: 0.7 } }, 'other.json': { data: { depth: 2 } } })
    expect((await findQueueEntry(project, 'deep'))?.id).toBe(a.id)
    expect((await findQueueEntry(project, b.id.slice(0, 6)))?.id).toBe(b.id)
    expect(await findQueueEntry(project, 'nope')).toBeUndefined()
    await expect(removeQueueEntries(project, ['deep', 'nope'])).rejects.toMatchObject({ code: 'EXP_NOT_FOUND' })
    expect(await listQueue(project)).toHaveLength(2) // nothing removed
    expect((await removeQueueEntries(project, ['deep'])).map((e) => e.id)).toEqual([a.id])
    expect(await clearQueue(project)).toBe(1)
    expect(await listQueue(project)).toEqual([])
    expect(git(project.root, 'for-each-ref', 'refs/exps/')).toBe('')
  })
})
