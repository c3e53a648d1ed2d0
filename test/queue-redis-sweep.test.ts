/**
 * The Redis queue at scale: a 3×10 sweep (30 experiments) queued on one machine and run by
 * three workers in separate clones, with one worker killed by kill -9 and Redis restarted in
 * between. Every experiment arrives exactly once on the submitter after `exp pull -A`, with
 * its params and metrics.
 */
import { describe, expect, it } from 'vitest'
import { queueJson, redisTeams, remoteRefs, until } from './support/redis-team.js'

const team = redisTeams()

interface ShowExp {
  data: { name?: string | null; queued?: boolean; params: Record<string, { data: { train: { lr: number; epochs: number } } }>; metrics: Record<string, { data: { loss: number; epochs: number } }> }
}

describe('Redis queue: 30 experiments on 3 workers', () => {
  it('a 3x10 sweep survives a kill -9 of a worker and a Redis restart: all 30 exactly once, right params and metrics', { timeout: 300_000 }, async () => {
    // attempts: 3, as a team would configure it: a transient failure (a remote busy) is retried
    const t = await team({ queue: { attempts: 3 } })
    const { alice, bare } = t
    const queued = await t.ok(alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.1,0.2,0.3', '-S', 'train.epochs=range(1,11)', '-S', 'train.sleep=0.3'])
    expect(queued.stdout).toContain('30 experiment(s) queued')
    expect(remoteRefs(bare, 'refs/trellis/queue/')).toHaveLength(30)

    const clones = ['w1', 'w2', 'w3'].map((n) => t.workerClone(n))
    const [w1, w2, w3] = clones.map((c) => t.worker(c, ['--idle-exit', '6']))
    const done = async () => (await queueJson(t)).filter((e) => e.state === 'success').length
    // kill -9 w1 while it runs an entry
    await until('worker 1 runs an entry after a few are done', async () => {
      const entries = await queueJson(t)
      return entries.filter((e) => e.state === 'success').length >= 3 && entries.some((e) => e.state === 'running' && e.runner?.pid === w1!.child.pid)
    }, 120_000)
    w1!.child.kill('SIGKILL')
    expect(await w1!.exited).toBe(137)
    await until('a dozen done', async () => (await done()) >= 12, 120_000)
    await t.redis.restart()
    expect(await Promise.all([w2!.exited, w3!.exited])).toEqual([0, 0])

    const entries = await queueJson(t)
    expect(entries).toHaveLength(30)
    expect(entries.filter((e) => e.state !== 'success').map((e) => [e.id, e.state, e.error, e.runner]), `${w2!.output()}\n${w3!.output()}`).toEqual([])
    // no duplicate experiment and no leftover entry ref on the remote
    const exps = remoteRefs(bare, 'refs/exps/')
    expect(exps).toHaveLength(30)
    expect(new Set(entries.map((e) => e.result!.ref)).size).toBe(30)
    expect(remoteRefs(bare, 'refs/trellis/')).toEqual([])

    await t.ok(alice, ['exp', 'pull', 'origin', '-A'])
    const show = JSON.parse((await t.ok(alice, ['exp', 'show', '--json'])).stdout) as Record<string, Record<string, ShowExp>>
    const baseline = alice.git('rev-parse', 'HEAD')
    const made = Object.entries(show[baseline]!).filter(([sha, e]) => sha !== 'baseline' && !e.data.queued)
    expect(made).toHaveLength(30)
    const seen = new Set<string>()
    for (const [, e] of made) {
      const { lr, epochs } = e.data.params['params.yaml']!.data.train
      const metrics = e.data.metrics['metrics.json']!.data
      expect(metrics).toEqual({ loss: Math.round((1 - lr) * 1000) / 1000, epochs })
      seen.add(`${lr}/${epochs}`)
    }
    const expected = ['0.1', '0.2', '0.3'].flatMap((lr) => Array.from({ length: 10 }, (_, i) => `${lr}/${i + 1}`))
    expect([...seen].sort()).toEqual(expected.sort())
  })
})
