/**
 * Sharing experiments through the CLI: `exp push`, `exp pull`, `exp list <remote>` and
 * auto-push, between two clones of one repository, a bare git remote and a directory DVC
 * remote. (The http transport: exp-share-http.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { allRefs, expRefs, gitIn, inStorage, lockedMd5, makeTeam, ok, plumbExp, type Team } from './support/team.js'

const teams: Team[] = []
afterEach(() => teams.splice(0).forEach((t) => t.remove()))
function team(options?: { dvcRemote?: boolean }): Team {
  const t = makeTeam(options)
  teams.push(t)
  return t
}

describe('exp push / exp pull / exp list <remote>', () => {
  it('an experiment pushed from one clone is listed, pulled and restored with its data in the other', async () => {
    const { alice, bob, bare, storage } = team()
    await ok(alice, ['exp', 'run', '-n', 'shared', '-S', 'train.lr=0.3'])
    const [ref, sha] = expRefs(alice.dir)[0]!.split(' ') as [string, string]
    // a checkpoint on top of it: a second commit of the same experiment, with its own model
    await ok(alice, ['exp', 'run', '-n', 'scratch', '-S', 'train.lr=0.4'])
    const scratch = alice.git('rev-parse', expRefs(alice.dir).find((l) => l.includes('/scratch '))!.split(' ')[0]!)
    const checkpoint = alice.git('commit-tree', '-p', sha, '-m', 'dvc: commit checkpoint', `${scratch}^{tree}`)
    alice.git('update-ref', ref, checkpoint, sha)
    const remoteBefore = allRefs(bare)

    const push = await ok(alice, ['exp', 'push', 'origin', 'shared', '-j', '2'])
    expect(push.stdout).toContain("Pushed experiment 'shared' to Git remote 'origin'.")
    expect(push.stdout).toMatch(/\d+ files pushed to DVC remote 'storage'\./)
    // exactly <ref>:<ref>, nothing else
    expect(allRefs(bare).sort()).toEqual([...remoteBefore, `${ref} ${checkpoint}`].sort())
    // the data of every commit of the experiment: the checkpoint's model and the first commit's
    expect(lockedMd5(alice, checkpoint, 'model.txt')).not.toBe(lockedMd5(alice, sha, 'model.txt'))
    expect(inStorage(storage, lockedMd5(alice, checkpoint, 'model.txt'))).toBe(true)
    expect(inStorage(storage, lockedMd5(alice, sha, 'model.txt'))).toBe(true)
    expect(readdirSync(storage).flatMap((d) => readdirSync(join(storage, d))).filter((f) => f.endsWith('.tmp'))).toEqual([])

    // listed without being fetched
    expect((await ok(bob, ['exp', 'list', 'origin'])).stdout).toBe('main:\n\tshared\n')
    expect(expRefs(bob.dir)).toEqual([])

    const pull = await ok(bob, ['exp', 'pull', 'origin', 'shared'])
    expect(pull.stdout).toContain("Pulled experiment 'shared' from Git remote 'origin'.")
    expect(pull.stdout).toMatch(/\d+ files fetched from DVC remote 'storage'\./)
    expect(expRefs(bob.dir)).toEqual([`${ref} ${checkpoint}`])
    expect(bob.git('show', `${ref}:params.yaml`)).toContain('lr: 0.4')
    expect(bob.git('show', `${ref}~1:params.yaml`)).toContain('lr: 0.3')
    // applied in the other clone, with its data from the pulled cache
    const applied = await ok(bob, ['exp', 'apply', 'shared'])
    expect(applied.stdout).not.toContain('Running stage')
    expect(bob.read('params.yaml')).toContain('lr: 0.4')
    expect(bob.read('model.txt')).toBe('model 0.4\n')
    const repro = await ok(bob, ['repro'])
    expect(repro.stdout).not.toContain('Running stage')
    // pulling again moves nothing
    const again = await ok(bob, ['exp', 'pull', 'origin', 'shared'])
    expect(again.stdout).toContain("Experiment 'shared' already up to date from Git remote 'origin'.")
    expect(again.stdout).toContain("Data: everything is up to date from DVC remote 'storage'.")
  })

  it('skips a diverged experiment with a warning naming --force, goes on with the others; -f overwrites', async () => {
    const { alice, bob, bare } = team()
    const [ref, first] = plumbExp(alice, 'shared')
    await ok(alice, ['exp', 'push', 'origin', 'shared', '--no-cache'])
    await ok(bob, ['exp', 'pull', 'origin', 'shared', '--no-cache'])
    // alice replaces it (a new history, as `exp run -f -n shared` does) and makes another one
    const replaced = alice.git('commit-tree', '-p', 'HEAD', '-m', 'replaced', 'HEAD^{tree}')
    alice.git('update-ref', ref, replaced)
    plumbExp(alice, 'other')

    const push = await ok(alice, ['exp', 'push', 'origin', 'shared', 'other', '--no-cache'])
    expect(push.stderr).toContain("WARNING: Experiment 'shared' was not pushed: it has diverged from the one on Git remote 'origin'.")
    expect(push.stderr).toContain('trellis exp push -f origin shared')
    expect(push.stdout).toContain("Pushed experiment 'other' to Git remote 'origin'.")
    expect(gitIn(bare, 'rev-parse', ref)).toBe(first)
    expect(expRefs(bare).some((l) => l.includes('/other '))).toBe(true)

    const forced = await ok(alice, ['exp', 'push', '-f', 'origin', 'shared', '--no-cache'])
    expect(forced.stdout).toContain("Pushed experiment 'shared'")
    expect(gitIn(bare, 'rev-parse', ref)).toBe(replaced)

    const pull = await ok(bob, ['exp', 'pull', 'origin', 'shared', 'other', '--no-cache'])
    expect(pull.stderr).toContain("WARNING: Experiment 'shared' was not pulled: your local 'shared' has diverged")
    expect(pull.stderr).toContain('trellis exp pull -f origin shared')
    expect(pull.stdout).toContain("Pulled experiment 'other'")
    expect(bob.git('rev-parse', ref)).toBe(first)
    await ok(bob, ['exp', 'pull', '-f', 'origin', 'shared', '--no-cache'])
    expect(bob.git('rev-parse', ref)).toBe(replaced)
  })

  it('fails clearly without a DVC remote (before any ref moves); --no-cache shares the refs alone', async () => {
    const { alice, bare } = team({ dvcRemote: false })
    plumbExp(alice, 'solo')
    const before = allRefs(bare)
    const res = await alice.run(['exp', 'push', 'origin', 'solo'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('ERROR: no DVC remote is configured')
    expect(res.stderr).toContain('dvc remote add -d storage')
    expect(res.stderr).toContain('--no-cache')
    expect(allRefs(bare)).toEqual(before)
    const none = await alice.run(['exp', 'push', 'origin'])
    expect(none.stderr).toContain('Either provide an `experiment` argument, or use the `--rev` or `--all-commits` flag.')
    const unknown = await alice.run(['exp', 'push', 'origin', 'solo', 'nope', '--no-cache'])
    expect(unknown.stderr).toContain("ERROR: 'nope' is not an experiment in this repository")
    expect(allRefs(bare)).toEqual(before)
    await ok(alice, ['exp', 'push', 'origin', '-A', '--no-cache'])
    expect(expRefs(bare)).toEqual(expRefs(alice.dir))
  })

  it('auto-pushes each new experiment with DVC_EXP_AUTO_PUSH; a failed push only warns', async () => {
    const { alice, bare, storage } = team()
    const env = { DVC_EXP_AUTO_PUSH: '1', DVC_EXP_GIT_REMOTE: 'origin' }
    const res = await ok(alice, ['exp', 'run', '-n', 'auto', '-S', 'train.lr=0.3'], env)
    expect(res.stderr).not.toContain('WARNING')
    const [ref, sha] = expRefs(alice.dir)[0]!.split(' ') as [string, string]
    expect(expRefs(bare)).toEqual([`${ref} ${sha}`])
    expect(inStorage(storage, lockedMd5(alice, sha, 'model.txt'))).toBe(true)

    const broken = await ok(alice, ['exp', 'run', '-n', 'auto2', '-S', 'train.lr=0.2'], { ...env, DVC_EXP_GIT_REMOTE: join(alice.dir, 'no-such-remote') })
    expect(broken.stderr).toMatch(/WARNING: auto-push of experiment 'auto2' to Git remote '.*no-such-remote' failed: cannot list the refs of git remote/)
    expect(broken.stdout).toContain('Reproduced experiment(s): auto2')
    expect(expRefs(alice.dir)).toHaveLength(2)
  })

  it('--rev with -n walks the baseline and its first-parent ancestors, on push and on pull', async () => {
    const { alice, bob, bare } = team()
    const names: string[] = []
    for (const n of [1, 2, 3]) {
      if (n > 1) {
        alice.write('notes.txt', `${n}\n`)
        alice.commitAll(`commit ${n}`)
      }
      plumbExp(alice, `e${n}`)
      names.push(`e${n}`)
    }
    alice.git('push', '-q', 'origin', 'main')
    const pushed = await ok(alice, ['exp', 'push', 'origin', '--rev', 'HEAD', '-n', '2', '--no-cache'])
    expect(pushed.stdout).toMatch(/Pushed experiments '(e3', 'e2|e2', 'e3)' to Git remote 'origin'\./)
    expect(expRefs(bare).map((l) => l.split(' ')[0]!.split('/').pop()).sort()).toEqual(['e2', 'e3'])
    await ok(alice, ['exp', 'push', 'origin', '--rev', 'HEAD~2', '--no-cache']) // -n 1: that baseline alone
    expect(expRefs(bare)).toHaveLength(3)

    bob.git('pull', '-q', 'origin', 'main')
    const pulled = await ok(bob, ['exp', 'pull', 'origin', '--rev', 'HEAD~1', '-n', '2', '--no-cache'])
    expect(pulled.stdout).toMatch(/Pulled experiments '(e2', 'e1|e1', 'e2)' from Git remote 'origin'\./)
    expect(expRefs(bob.dir).map((l) => l.split(' ')[0]!.split('/').pop()).sort()).toEqual(['e1', 'e2'])
    const none = await bob.run(['exp', 'push', 'origin', '--rev', 'no-such-rev', '--no-cache'])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toMatch(/^ERROR: .*no-such-rev/)
  })

  it('warns about objects missing from the local cache (push) or from the DVC remote (pull), and about a lock that does not parse', async () => {
    const { alice, bob } = team()
    const ghost = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    alice.write('dvc.lock', `schema: '2.0'\nstages:\n  train:\n    cmd: node train.cjs\n    outs:\n    - path: model.txt\n      md5: ${ghost}\n      size: 3\n`)
    alice.git('add', '-A')
    const tree = alice.git('write-tree')
    alice.git('reset', '-q', '--hard')
    plumbExp(alice, 'ghost', tree)
    const push = await ok(alice, ['exp', 'push', 'origin', 'ghost'])
    expect(push.stderr).toContain(`WARNING: 1 cached object is not in the local cache (e.g. dvc.lock: model.txt, ${ghost}): not pushed. Reproduce the experiment to restore it.`)
    const pull = await ok(bob, ['exp', 'pull', 'origin', 'ghost'])
    expect(pull.stderr).toContain(`WARNING: 1 cached object is not on DVC remote 'storage' (e.g. dvc.lock: model.txt, ${ghost}): not fetched.`)

    alice.write('dvc.lock', 'stages: [unclosed\n')
    alice.git('add', '-A')
    const broken = alice.git('write-tree')
    alice.git('reset', '-q', '--hard')
    plumbExp(alice, 'broken', broken)
    const res = await ok(alice, ['exp', 'push', 'origin', 'broken'])
    expect(res.stderr).toMatch(/WARNING: 'dvc\.lock' of commit [0-9a-f]{7} was skipped: 'dvc\.lock' is invalid: .*, line 2/)
    expect(res.stdout).toContain("Pushed experiment 'broken'")
  })
})
