/**
 * `exp push/pull/list` over http(s): a real `git http-backend` behind a loopback HTTP server,
 * with native git and with the in-process isomorphic-git transport.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGitHttpServer, type GitHttpServer } from './support/git-http-server.js'
import { allRefs, expRefs, inStorage, lockedMd5, makeTeam, ok, plumbExp, type Team } from './support/team.js'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function setup(auth?: { user: string; password: string }): Promise<Team & { server: GitHttpServer }> {
  const team = makeTeam()
  cleanup.push(() => team.remove())
  const server = await startGitHttpServer(team.base, { auth })
  cleanup.push(() => server.close())
  return { ...team, server }
}

describe('exp push / pull / list over http (git http-backend on loopback)', () => {
  it('pushes, lists and pulls with native git and with isomorphic-git', async () => {
    const { alice, bob, bare, storage, server } = await setup()
    const url = `${server.url}/remote.git`
    await ok(alice, ['exp', 'run', '-n', 'native', '-S', 'train.lr=0.3'])
    const nativeSha = expRefs(alice.dir)[0]!.split(' ')[1]!
    const [, isoSha] = plumbExp(alice, 'iso', `${nativeSha}^{tree}`)

    const nativePush = await ok(alice, ['exp', 'push', url, 'native'])
    expect(nativePush.stdout).toContain(`Pushed experiment 'native' to Git remote '${url}'.`)
    const isoPush = await ok(alice, ['exp', 'push', url, 'iso'], { TRELLIS_GIT_TRANSPORT: 'iso' })
    expect(isoPush.stdout).toContain(`Pushed experiment 'iso' to Git remote '${url}'.`)
    expect(expRefs(bare).sort()).toEqual(expRefs(alice.dir).sort())
    expect(server.requests.filter((r) => r.startsWith('POST /remote.git/git-receive-pack'))).toHaveLength(2)
    expect(allRefs(alice.dir).filter((r) => r.startsWith('refs/remotes/'))).toEqual([])

    for (const transport of ['native', 'iso']) {
      const list = await ok(bob, ['exp', 'list', url, '--all', '--names-only'], { TRELLIS_GIT_TRANSPORT: transport })
      expect(list.stdout).toBe('iso\nnative\n')
    }
    const refsBefore = allRefs(bob.dir)
    await ok(bob, ['exp', 'pull', url, 'iso'], { TRELLIS_GIT_TRANSPORT: 'iso' })
    await ok(bob, ['exp', 'pull', url, 'native'], { TRELLIS_GIT_TRANSPORT: 'native' })
    // only the two experiment refs were written: no remote-tracking ref, no FETCH_HEAD
    expect(allRefs(bob.dir).sort()).toEqual([...refsBefore, ...expRefs(alice.dir)].sort())
    expect(existsSync(join(bob.dir, '.git', 'FETCH_HEAD'))).toBe(false)
    bob.git('fsck', '--no-dangling')
    expect(bob.git('show', `${isoSha}:params.yaml`)).toContain('lr: 0.3')
    const model = lockedMd5(alice, isoSha, 'model.txt')
    expect(inStorage(storage, model)).toBe(true)
    expect(existsSync(join(bob.dir, '.dvc', 'cache', model.slice(0, 2), model.slice(2)))).toBe(true)
  })

  it('uses credentials from the URL but never shows them', async () => {
    const { alice, bare, server } = await setup({ user: 'alice', password: 'pa55-secret' })
    plumbExp(alice, 'private')
    const good = `${server.url.replace('http://', 'http://alice:pa55-secret@')}/remote.git`
    const bad = `${server.url.replace('http://', 'http://alice:wrong-secret@')}/remote.git`
    for (const transport of ['native', 'iso']) {
      const res = await alice.run(['exp', 'push', bad, 'private', '--no-cache'], { env: { TRELLIS_GIT_TRANSPORT: transport } })
      expect(res.code).not.toBe(0)
      expect(res.stderr).toContain('authentication failed')
      expect(res.stderr).toContain('alice:***@127.0.0.1')
      expect(`${res.stdout}${res.stderr}`).not.toContain('wrong-secret')
    }
    const pushed = await ok(alice, ['exp', 'push', good, 'private', '--no-cache'])
    expect(pushed.stdout).toContain("Pushed experiment 'private' to Git remote 'http://alice:***@127.0.0.1:")
    expect(pushed.stdout).not.toContain('pa55-secret')
    expect(expRefs(bare)).toEqual(expRefs(alice.dir))
    // nothing in the repository remembers the password
    expect(() => execFileSync('grep', ['-rl', 'pa55-secret', join(alice.dir, '.git')], { encoding: 'utf8' })).toThrow()
  })

  it('a token used as the user name is masked everywhere, -v stacks included', async () => {
    const token = 'ghp_T0kenAsUserName1234'
    const { alice, bob, bare, server } = await setup({ user: token, password: 'x-oauth-basic' })
    plumbExp(alice, 'private')
    const hostPart = server.url.replace('http://', '')
    const bare_ = `http://${token}@${hostPart}/remote.git` // git cannot ask for a password: auth fails
    for (const transport of ['native', 'iso']) {
      for (const args of [['exp', 'push', bare_, 'private', '--no-cache'], ['exp', 'push', '-v', bare_, 'private', '--no-cache'], ['exp', 'pull', '-v', bare_, 'private', '--no-cache'], ['exp', 'list', '-v', bare_]]) {
        const res = await alice.run(args, { env: { TRELLIS_GIT_TRANSPORT: transport } })
        expect(res.code, res.stderr).not.toBe(0)
        expect(res.stderr).toMatch(/^ERROR: /)
        expect(res.stderr).toContain(`http://***@${hostPart}`)
        expect(`${res.stdout}${res.stderr}`).not.toContain(token)
      }
    }
    const good = `http://${token}:x-oauth-basic@${hostPart}/remote.git`
    const pushed = await ok(alice, ['exp', 'push', good, 'private', '--no-cache'])
    expect(pushed.stdout).toContain(`Pushed experiment 'private' to Git remote 'http://***:***@${hostPart}/remote.git'.`)
    expect(pushed.stdout).not.toContain(token)
    expect(expRefs(bare)).toEqual(expRefs(alice.dir))
    const pulled = await ok(bob, ['exp', 'pull', good, 'private', '--no-cache'])
    expect(`${pulled.stdout}${pulled.stderr}`).not.toContain(token)
    const listed = await ok(bob, ['exp', 'list', good, '--all'])
    expect(`${listed.stdout}${listed.stderr}`).not.toContain(token)
    expect(() => execFileSync('grep', ['-rl', token, join(alice.dir, '.git'), join(bob.dir, '.git')], { encoding: 'utf8' })).toThrow()
  })

  it('in-process transport: a diverged ref is skipped (also when its commit is not here), -f overwrites, a hook rejection is reported', async () => {
    const { alice, bob, bare, server } = await setup()
    const url = `${server.url}/remote.git`
    const iso = { TRELLIS_GIT_TRANSPORT: 'iso' }
    const [ref, first] = plumbExp(alice, 'shared')
    await ok(alice, ['exp', 'push', url, 'shared', '--no-cache'], iso)
    expect(execFileSync('git', ['rev-parse', ref], { cwd: bare, encoding: 'utf8' }).trim()).toBe(first)

    // alice rewrites it: the remote's commit is known here but not an ancestor
    const rewritten = alice.git('commit-tree', '-p', 'HEAD', '-m', 'rewritten', 'HEAD^{tree}')
    alice.git('update-ref', ref, rewritten)
    const diverged = await ok(alice, ['exp', 'push', url, 'shared', '--no-cache'], iso)
    expect(diverged.stderr).toContain(`WARNING: Experiment 'shared' was not pushed: it has diverged from the one on Git remote '${url}'.`)
    expect(execFileSync('git', ['rev-parse', ref], { cwd: bare, encoding: 'utf8' }).trim()).toBe(first)

    // bob made his own: the remote's commit is not even in his repository
    const [, bobs] = plumbExp(bob, 'shared')
    const unknown = await ok(bob, ['exp', 'push', url, 'shared', '--no-cache'], iso)
    expect(unknown.stderr).toContain(`WARNING: Experiment 'shared' was not pushed: it has diverged from the one on Git remote '${url}'.`)
    await ok(bob, ['exp', 'push', '-f', url, 'shared', '--no-cache'], iso)
    expect(execFileSync('git', ['rev-parse', ref], { cwd: bare, encoding: 'utf8' }).trim()).toBe(bobs)

    // the remote refuses every update
    writeFileSync(join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho "policy: no experiments here" >&2\nexit 1\n', { mode: 0o755 })
    plumbExp(alice, 'refused')
    const refused = await alice.run(['exp', 'push', url, 'refused', '--no-cache'], { env: iso })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/ERROR: 1 experiment could not be pushed to '.*remote\.git': .*/)
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    expect(expRefs(bare).some((l) => l.includes('/refused '))).toBe(false)
  })
})
