/**
 * The Redis queue under faults: a worker killed with kill -9 mid-job, two workers racing for
 * one entry, Redis restarted (append-only file) while entries are queued and running, and a
 * password in the Redis URL that must never be printed. Real redis-server, bare git remote,
 * DVC directory remote, workers in separate clones.
 */
import { describe, expect, it } from 'vitest'
import { queueJson, queuedId, redisTeams, remoteRefs, until } from './support/redis-team.js'

const team = redisTeams()

describe('Redis queue faults', () => {
  it('a worker killed with kill -9 mid-job: another worker takes the entry over; the experiment is recorded once', { timeout: 180_000 }, async () => {
    const t = await team()
    const id = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-n', 'survivor', '-S', 'train.sleep=3'])).stdout)
    const a = t.worker(t.workerClone('a'), [])
    await until('worker a runs the entry', async () => (await queueJson(t))[0]?.runner?.pid === a.child.pid)
    a.child.kill('SIGKILL')
    expect(await a.exited).toBe(137)
    const b = t.worker(t.workerClone('b'), ['--idle-exit', '3'])
    expect(await b.exited).toBe(0)
    expect(b.output()).toMatch(new RegExp(`Done ${id}: experiment 'survivor'`))
    const [entry] = await queueJson(t)
    expect(entry).toMatchObject({ state: 'success', result: { name: 'survivor' } })
    // exactly one experiment ref, the one the entry reports
    expect(remoteRefs(t.bare, 'refs/exps/')).toEqual([`${entry!.result!.ref} ${entry!.result!.commit}`])
    expect(remoteRefs(t.bare, 'refs/trellis/')).toEqual([])
    const log = (await t.ok(t.alice, ['queue', 'logs', id])).stdout
    expect(log).toContain('attempt 1 on')
    expect(log).toContain('attempt 2 on')
    await t.ok(t.alice, ['exp', 'pull', 'origin', '-A'])
    expect((await t.ok(t.alice, ['exp', 'show', '--json'])).stdout).toContain('"survivor"')
  })

  it('two workers racing for one entry: only one runs it', { timeout: 180_000 }, async () => {
    const t = await team()
    const id = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.6'])).stdout)
    const one = t.workerClone('one')
    const two = t.workerClone('two')
    const workers = [t.worker(one, ['--idle-exit', '3']), t.worker(two, ['--idle-exit', '3'])]
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0])
    const runs = workers.map((w) => w.output().split('\n').filter((l) => l.startsWith(`Running ${id}`)).length)
    expect(runs.sort()).toEqual([0, 1])
    expect(remoteRefs(t.bare, 'refs/exps/')).toHaveLength(1)
    expect((await queueJson(t)).map((e) => e.state)).toEqual(['success'])
  })

  it('Redis restarted (append-only file) while entries are queued and running: nothing is lost', { timeout: 180_000 }, async () => {
    const t = await team()
    const ids: string[] = []
    for (const lr of ['0.2', '0.3', '0.4']) ids.push(queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', `train.lr=${lr}`, '-S', 'train.sleep=1'])).stdout))
    const w = t.worker(t.workerClone('w'), ['--idle-exit', '4'])
    await until('an entry runs', async () => (await queueJson(t)).some((e) => e.state === 'running'))
    await t.redis.restart()
    expect(await w.exited).toBe(0)
    const entries = await queueJson(t)
    expect(entries.map((e) => e.state)).toEqual(['success', 'success', 'success'])
    expect(remoteRefs(t.bare, 'refs/exps/')).toHaveLength(3)
    await t.ok(t.alice, ['exp', 'pull', 'origin', '-A'])
    const show = JSON.stringify(JSON.parse((await t.ok(t.alice, ['exp', 'show', '--json'])).stdout))
    for (const loss of ['0.8', '0.7', '0.6']) expect(show).toContain(`"loss":${loss}`)
  })

  it('a password in the Redis URL is never printed: worker output, status, logs, errors', { timeout: 180_000 }, async () => {
    const t = await team({ password: 'redis-pw-4711' })
    const id = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.3'])).stdout)
    const w = t.worker(t.workerClone('w'), ['--once'])
    expect(await w.exited).toBe(0)
    expect(w.output()).toContain('on redis://:***@127.0.0.1:')
    const outputs = [w.output()]
    for (const args of [['queue', 'status'], ['queue', 'status', '--json'], ['queue', 'logs', id], ['exp', 'show']]) {
      const res = await t.ok(t.alice, args)
      outputs.push(res.stdout + res.stderr)
    }
    const wrong = await t.run(t.alice, ['queue', 'status'], { TRELLIS_QUEUE_URL: t.redis.url.replace('redis-pw-4711', 'not-the-pw-0815') })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^ERROR: cannot reach the queue's Redis at redis:\/\/:\*\*\*@/)
    expect(wrong.stderr).toContain('hint: Check the password')
    outputs.push(wrong.stdout + wrong.stderr)
    for (const out of outputs) {
      expect(out).not.toContain('redis-pw-4711')
      expect(out).not.toContain('not-the-pw-0815')
    }
  })
})
