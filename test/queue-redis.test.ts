/**
 * The Redis queue (@trellis/plugin-queue-redis) through the CLI: a real redis-server, a bare git
 * remote, a directory DVC remote, and workers in separate clones with caches of their own.
 * Submitting, status, logs (also --follow), workers, results pulled back, failures, removal.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { queueJson, queuedId, redisTeams, remoteRefs, until } from './support/redis-team.js'

const team = redisTeams()

describe('the Redis queue', () => {
  it('entries queued on one machine run on a worker in another clone; results come back with exp pull', { timeout: 180_000 }, async () => {
    const t = await team()
    const { alice, bare } = t
    const a = queuedId((await t.ok(alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.3'])).stdout)
    const b = queuedId((await t.ok(alice, ['exp', 'run', '--queue', '-n', 'big-lr', '-S', 'train.lr=0.5'])).stdout)
    // each entry's commit is on the git remote under its own ref; nothing else moved
    expect(remoteRefs(bare, 'refs/trellis/queue/').map((l) => l.split(' ')[0]!.slice(-40, -33))).toEqual([a, b].sort())
    expect(remoteRefs(bare, 'refs/exps/')).toEqual([])
    const status = await t.ok(alice, ['queue', 'status'])
    expect(status.stdout).toMatch(new RegExp(`${a}\\s+-\\s+\\S+\\s+Queued`))
    expect(status.stdout).toMatch(new RegExp(`${b}\\s+big-lr\\s+\\S+\\s+Queued`))
    expect(status.stdout).toContain('2 queued, 0 running, 0 failed, 0 done.')
    // exp show lists them as queued
    expect((await t.ok(alice, ['exp', 'show'])).stdout).toMatch(/big-lr\]?\s+.*Queued/)

    const bob = t.workerClone('bob')
    const worker = t.worker(bob, ['--max-jobs', '2'])
    expect(await worker.exited).toBe(0)
    expect(worker.output()).toContain(`Running ${a}`)
    expect(worker.output()).toMatch(new RegExp(`Done ${b}: experiment 'big-lr'`))
    expect(worker.output()).toContain('Worker stopped: 2 done, 0 failed.')

    const entries = await queueJson(t)
    expect(entries.map((e) => e.state)).toEqual(['success', 'success'])
    const named = entries.find((e) => e.name === 'big-lr')!
    // the experiment refs are on the remote, the entry refs are gone
    expect(remoteRefs(bare, 'refs/trellis/')).toEqual([])
    const exps = remoteRefs(bare, 'refs/exps/')
    expect(exps).toHaveLength(2)
    expect(exps).toContain(`${named.result!.ref} ${named.result!.commit}`)
    // its log, streamed through Redis: the fetch, the stage's output, the push
    const log = (await t.ok(alice, ['queue', 'logs', b])).stdout
    expect(log).toContain('fetching')
    expect(log).toContain('training lr=0.5 epochs=1 on the data')
    expect(log).toContain(`# pushed experiment big-lr`)

    // back on the submitter: ordinary experiments, with their data
    await t.ok(alice, ['exp', 'pull', 'origin', '-A'])
    const show = JSON.parse((await t.ok(alice, ['exp', 'show', '--json'])).stdout) as unknown[]
    const text = JSON.stringify(show)
    expect(text).toContain('"big-lr"')
    expect(text).toContain('"loss":0.5')
    expect(text).toContain('"loss":0.7')
    await t.ok(alice, ['exp', 'apply', 'big-lr'])
    expect(alice.read('model.txt')).toBe('model 0.5 1 the data\n')
    // the worker's temp workspaces and log files are gone
    expect(readdirSync(join(bob.dir, '.dvc/tmp/exps')).filter((f) => f !== 'redis-queue')).toEqual([])
    expect(readdirSync(join(bob.dir, '.dvc/tmp/exps/redis-queue'))).toEqual([])
  })

  it('a failing command fails its entry with its log (not retried); the other entries go on', { timeout: 180_000 }, async () => {
    const t = await team({ queue: { attempts: 3 } })
    const bad = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=-1'])).stdout)
    const good = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.2'])).stdout)
    const worker = t.worker(t.workerClone('w'), ['--idle-exit', '3'])
    expect(await worker.exited).toBe(0)
    expect(worker.output()).toContain(`Failed ${bad}:`)
    expect(worker.output()).toMatch(new RegExp(`Done ${good}: experiment`))
    const entries = await queueJson(t)
    const failed = entries.find((e) => e.id.startsWith(bad))!
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/failed|exit/i)
    expect(entries.find((e) => e.id.startsWith(good))!.state).toBe('success')
    const log = (await t.ok(t.alice, ['queue', 'logs', bad])).stdout
    expect(log).toContain('lr must be positive')
    // failed once, not retried (a start may repeat when a loaded machine lets a claim's lock lapse, but never a failure)
    expect(log.match(/# attempt \d+ failed.*/g)).toEqual(['# attempt 1 failed'])
    const status = (await t.ok(t.alice, ['queue', 'status'])).stdout
    expect(status).toMatch(new RegExp(`${bad}.*Failed`))
  })

  it('Redis unreachable when submitting: one ERROR, nothing queued, no ref pushed; the password is never printed', { timeout: 180_000 }, async () => {
    const t = await team()
    const refsBefore = remoteRefs(t.bare, 'refs/')
    const res = await t.run(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.3'], { TRELLIS_QUEUE_URL: 'redis://:hunter2secret@127.0.0.1:1/0' })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/^ERROR: cannot reach the queue's Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: .*ECONNREFUSED/)
    expect(res.stderr.split('\n').filter((l) => l.startsWith('ERROR'))).toHaveLength(1)
    expect(res.stdout + res.stderr).not.toContain('hunter2secret')
    expect(remoteRefs(t.bare, 'refs/')).toEqual(refsBefore)
    expect(await queueJson(t)).toEqual([])
    // a git remote that refuses: no job, and no ref left behind
    t.alice.git('remote', 'set-url', 'origin', 'http://user:gitpass99@127.0.0.1:1/remote.git')
    const git = await t.run(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.4'])
    expect(git.code).not.toBe(0)
    expect(git.stderr).toMatch(/^ERROR: /)
    expect(git.stdout + git.stderr).not.toContain('gitpass99')
    t.alice.git('remote', 'set-url', 'origin', t.bare)
    expect(await queueJson(t)).toEqual([])
    expect(remoteRefs(t.bare, 'refs/')).toEqual(refsBefore)
  })

  it('the git remote unreachable on a worker: the entry fails with the reason after its attempts, the log keeps each', { timeout: 180_000 }, async () => {
    const t = await team({ queue: { attempts: 2 } })
    const id = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.3'])).stdout)
    const w = t.workerClone('w')
    w.git('remote', 'set-url', 'origin', join(t.base, 'gone.git'))
    const worker = t.worker(w, ['--idle-exit', '4'])
    expect(await worker.exited).toBe(0)
    const [entry] = await queueJson(t)
    expect(entry!.state).toBe('failed')
    expect(entry!.error).toMatch(/gone\.git|remote/i)
    const log = (await t.ok(t.alice, ['queue', 'logs', id])).stdout
    expect(log).toContain('attempt 1 on')
    expect(log).toContain('attempt 2 on')
    expect(log.match(/# ERROR: /g)).toHaveLength(2)
    // the entry ref stays for a retry: `queue repair` has nothing to do with a failed entry's ref... it is an orphan only without its job
    expect(remoteRefs(t.bare, 'refs/trellis/queue/')).toHaveLength(1)
  })

  it('queue remove: a queued entry goes with its ref; a running one is stopped on its worker', { timeout: 180_000 }, async () => {
    const t = await team()
    const slow = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.sleep=60'])).stdout)
    const w = t.workerClone('w')
    const worker = t.worker(w, ['--idle-exit', '2'])
    await until('the entry runs', async () => (await queueJson(t))[0]?.state === 'running')
    const queued = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.9', '-S', 'train.sleep=60'])).stdout)
    const running = (await queueJson(t)).find((e) => e.id.startsWith(slow))!
    expect(running.runner).toMatchObject({ pid: worker.child.pid })
    expect((await t.ok(t.alice, ['queue', 'status'])).stdout).toMatch(new RegExp(`${slow}.*Running.*:${worker.child.pid}`))
    // following a running entry's log ends when it stops
    const follow = t.alice.spawn(['queue', 'logs', '--follow', slow], { env: t.env })
    let followed = ''
    follow.stdout!.on('data', (d) => (followed += d))
    const followEnd = new Promise((r) => follow.on('close', r))
    await until('the log is followed', () => followed.includes('training lr=0.1'))
    await t.ok(t.alice, ['queue', 'remove', queued, slow])
    expect(await queueJson(t)).toEqual([])
    expect(remoteRefs(t.bare, 'refs/trellis/')).toEqual([])
    // the follower ends with the entry
    await followEnd
    expect(await worker.exited).toBe(0)
    expect(worker.output()).toContain('Worker stopped: 0 done, 0 failed.')
    expect(remoteRefs(t.bare, 'refs/exps/')).toEqual([])
    expect(existsSync(join(w.dir, 'model.txt'))).toBe(false)
  })

  it('orphans: queue status reports an entry ref without a job and a job without its ref; queue repair resolves both', { timeout: 180_000 }, async () => {
    const t = await team()
    const id = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-S', 'train.lr=0.3'])).stdout)
    const [full] = (await queueJson(t)).map((e) => e.id)
    // a ref left by a submitter that died before adding its job, and a job whose ref was deleted
    const head = t.alice.git('rev-parse', 'HEAD')
    t.alice.git('push', '-q', 'origin', `HEAD:refs/trellis/queue/${head}`)
    t.alice.git('push', '-q', 'origin', '--delete', `refs/trellis/queue/${full}`)
    const status = await t.ok(t.alice, ['queue', 'status'])
    expect(status.stderr).toContain(`WARNING: orphan: entry ref refs/trellis/queue/${head} has no job`)
    expect(status.stderr).toContain(`WARNING: orphan: queued entry ${id} has no ref on the git remote`)
    expect(status.stderr).toContain('`trellis queue repair` resolves them')
    expect((await t.ok(t.alice, ['queue', 'repair', '--dry-run'])).stdout.split('\n').filter(Boolean)).toHaveLength(2)
    const repair = await t.ok(t.alice, ['queue', 'repair'])
    expect(repair.stdout).toContain(`deleted entry ref refs/trellis/queue/${head}`)
    expect(repair.stdout).toContain(`pushed entry ref refs/trellis/queue/${full} again`)
    expect(remoteRefs(t.bare, 'refs/trellis/queue/')).toEqual([`refs/trellis/queue/${full} ${full}`])
    expect((await t.ok(t.alice, ['queue', 'status'])).stderr).not.toContain('orphan')
    expect((await t.ok(t.alice, ['queue', 'repair'])).stdout).toBe('No orphans.\n')
    // the repaired entry runs
    const w = t.worker(t.workerClone('w'), ['--once'])
    expect(await w.exited).toBe(0)
    expect(w.output()).toMatch(new RegExp(`Done ${id}: experiment`))
  })

  it('SIGTERM stops a worker cleanly: its running entry goes back to the queue, and autoPull brings results home', { timeout: 180_000 }, async () => {
    const t = await team({ queue: { autoPull: true } })
    const id = queuedId((await t.ok(t.alice, ['exp', 'run', '--queue', '-n', 'slow', '-S', 'train.sleep=30'])).stdout)
    const clone = t.workerClone('w')
    const first = t.worker(clone, [])
    await until('the entry runs', () => first.output().includes(`Running ${id}`))
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    expect(first.output()).toContain(`Back in the queue: ${id}`)
    expect((await queueJson(t)).map((e) => e.state)).toEqual(['queued'])
    expect(remoteRefs(t.bare, 'refs/exps/')).toEqual([])
    // run it for real now (shorter), from the same clone
    await t.ok(t.alice, ['queue', 'remove', id])
    await t.ok(t.alice, ['exp', 'run', '--queue', '-n', 'quick', '-S', 'train.lr=0.4'])
    const second = t.worker(clone, ['--once'])
    expect(await second.exited).toBe(0)
    // autoPull: listing the queue pulls the finished experiment (no exp pull)
    expect(t.alice.git('for-each-ref', 'refs/exps/')).toBe('')
    await t.ok(t.alice, ['queue', 'status'])
    expect(t.alice.git('for-each-ref', '--format=%(refname)', 'refs/exps/')).toMatch(/\/quick$/)
    expect((await t.ok(t.alice, ['exp', 'show'])).stdout).toMatch(/quick.*0\.6/)
  })
})
