/** The project lock: waiting writers, stale locks, read-only commands, Ctrl-C. */
import { afterEach, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { makeRepo, type Repo } from './support/repo.js'
import { isRunning } from './support/process.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const waitFor = async (cond: () => boolean, ms = 15000) => {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('project lock', () => {
  it('a second writer waits, naming the holder pid; status does not wait', async () => {
    // The stage holds the lock until the test creates `release`: no timing assumptions.
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  slow:\n    cmd: touch started && while [ ! -f release ]; do sleep 0.05; done && echo done > out.txt\n    outs:\n    - out.txt\n',
      '.gitignore': 'started\nrelease\n',
    })
    repos.push(r)
    const first = r.spawn(['repro'])
    const firstDone = new Promise<number | null>((res) => first.on('close', (c) => res(c)))
    await waitFor(() => r.exists('started'))
    // DVC's content (" <pid>"), then Trellis' own holder line
    expect(r.read('.dvc/tmp/lock')).toBe(` ${first.pid}\ntrellis: trellis repro\n`)
    const status = await r.run(['status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('slow:')
    const second = r.spawn(['repro'])
    let secondErr = ''
    let secondOut = ''
    second.stderr!.on('data', (d) => (secondErr += d))
    second.stdout!.on('data', (d) => (secondOut += d))
    const secondDone = new Promise<number | null>((res) => second.on('close', (c) => res(c)))
    await waitFor(() => secondErr.includes('waiting for the project lock'))
    expect(secondErr).toContain(`waiting for the project lock held by process ${first.pid}`)
    r.write('release', '')
    expect(await firstDone).toBe(0)
    expect(await secondDone).toBe(0)
    expect(secondOut).toContain('Data and pipelines are up to date.')
  })

  it('a lock file left by a finished process does not hold anyone up (the file is not the lock, flock is)', async () => {
    const r = makeRepo({ 'dvc.yaml': 'stages:\n  s:\n    cmd: echo hi > out.txt\n    outs:\n    - out.txt\n' })
    repos.push(r)
    writeFileSync(r.path('.dvc/tmp/lock'), ' 2147480000\n') // what DVC leaves behind after every run
    const res = await r.run(['repro'])
    expect(res.code).toBe(0)
    expect(res.stderr).not.toContain('waiting')
    expect(r.read('out.txt')).toBe('hi\n')
    expect(r.read('.dvc/tmp/lock')).toMatch(/^ \d+\ntrellis: trellis repro\n$/)
    expect(r.read('.dvc/tmp/lock')).not.toContain('2147480000')
  })

  it('Ctrl-C stops the running command, releases the lock and records nothing half-done', async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  a:\n    cmd: echo a > a.txt\n    outs:\n    - a.txt\n  b:\n    cmd: echo $$ > started && sleep 30 && echo b > b.txt\n    deps:\n    - a.txt\n    outs:\n    - b.txt\n',
    })
    repos.push(r)
    const child = r.spawn(['repro', 'b'])
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    await waitFor(() => r.exists('started') && r.read('started').trim() !== '')
    const shell = Number(r.read('started'))
    child.kill('SIGINT')
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)))
    // the stage was stopped, not waited for: its shell is gone and it never finished
    expect(isRunning(shell)).toBe(false)
    expect(r.exists('b.txt')).toBe(false)
    expect(code).toBe(130)
    expect(stderr).toContain('ERROR: interrupted')
    expect(r.isUnlocked('.dvc/tmp/lock')).toBe(true)
    const lock = r.read('dvc.lock')
    expect(lock).toContain('  a:\n')
    expect(lock).not.toContain('  b:\n')
    // the next run is correct
    r.write('dvc.yaml', r.read('dvc.yaml').replace('sleep 30', 'sleep 0'))
    expect((await r.run(['repro', 'b'])).code).toBe(0)
    expect(r.read('b.txt')).toBe('b\n')
  })
})
