/**
 * The repository lock against real DVC: both take flock(2) on `.dvc/tmp/lock`, so
 * each waits for (or refuses to run beside) the other, and the pid file DVC leaves
 * behind after every run holds nobody up.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { makeRepo, type Repo } from '../support/repo.js'
import { DVC_ENV, dvc, venvBin, type DvcName } from '../support/dvc.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const waitFor = async (cond: () => boolean, ms = 30000) => {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

const PIPELINE = {
  'dvc.yaml': 'stages:\n  s:\n    cmd: echo hi > out.txt\n    outs:\n    - out.txt\n',
  '.gitignore': 'held\nrelease\nstarted\n',
}

// DVC's own lock object (dvc.lock.make_lock via Repo.lock), held until `release` exists.
const HOLD_DVC_LOCK = `
import os, time
from dvc.repo import Repo
with Repo('.').lock:
    open('held', 'w').close()
    while not os.path.exists('release'):
        time.sleep(0.05)
`

describe.each<DvcName>(['dvc2', 'dvc3'])('repository lock with %s', (name) => {
  it('a DVC holding the lock makes Trellis wait, naming it; Trellis goes on once DVC lets go', async () => {
    const r = makeRepo(PIPELINE)
    repos.push(r)
    const holder = spawn(venvBin(name, 'python'), ['-c', HOLD_DVC_LOCK], { cwd: r.dir, env: { ...process.env, ...DVC_ENV }, stdio: 'ignore' })
    const holderDone = new Promise<number | null>((res) => holder.on('close', (c) => res(c)))
    await waitFor(() => r.exists('held'))
    expect(r.read('.dvc/tmp/lock')).toBe(` ${holder.pid}\n`) // zc.lockfile's content
    const trellis = r.spawn(['repro'])
    let stderr = ''
    trellis.stderr!.on('data', (d) => (stderr += d))
    const trellisDone = new Promise<number | null>((res) => trellis.on('close', (c) => res(c)))
    await waitFor(() => stderr.includes('waiting for the project lock'))
    expect(stderr).toContain(`waiting for the project lock held by process ${holder.pid}`)
    expect(r.exists('out.txt')).toBe(false) // it really waits
    r.write('release', '')
    expect(await holderDone).toBe(0)
    expect(await trellisDone).toBe(0)
    expect(r.read('out.txt')).toBe('hi\n')
  })

  it('a running Trellis makes DVC refuse with its own lock error; the lock file is never deleted', async () => {
    const r = makeRepo({
      ...PIPELINE,
      'dvc.yaml': 'stages:\n  s:\n    cmd: touch started && while [ ! -f release ]; do sleep 0.05; done && echo hi > out.txt\n    outs:\n    - out.txt\n',
    })
    repos.push(r)
    const trellis = r.spawn(['repro'])
    const trellisDone = new Promise<number | null>((res) => trellis.on('close', (c) => res(c)))
    await waitFor(() => r.exists('started'))
    const res = await dvc(name, r, ['repro'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('Unable to acquire lock')
    expect(r.read('.dvc/tmp/lock')).toBe(` ${trellis.pid}\ntrellis: trellis repro\n`)
    r.write('release', '')
    expect(await trellisDone).toBe(0)
    expect(r.exists('.dvc/tmp/lock')).toBe(true)
  })

  it('after a finished DVC run, Trellis takes the lock at once (no wait on the pid DVC leaves)', async () => {
    const r = makeRepo(PIPELINE)
    repos.push(r)
    const first = await dvc(name, r, ['repro'])
    expect(first.code).toBe(0)
    expect(r.read('.dvc/tmp/lock')).toMatch(/^ \d+\n$/)
    const res = await r.run(['repro'])
    expect(res.code).toBe(0)
    expect(res.stderr).not.toContain('waiting')
    expect(res.stdout).toContain("Stage 's' didn't change, skipping")
  })
})
