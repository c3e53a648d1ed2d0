import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { autoPushSettings } from './auto-push.js'
import { GitRefsRepository } from './git-repository.js'
import { cleanupRepos, core, git, isolateGitEnv, makeRepo, write } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

describe('store: trees, history and remotes', () => {
  it('lists the files of a commit and tells ancestors apart', async () => {
    const root = makeRepo({ 'a.txt': 'a\n', 'dir/sub/b.txt': 'b\n', 'dvc.lock': 'schema: "2.0"\n' })
    const first = git(root, 'rev-parse', 'HEAD')
    write(root, 'c.txt', 'c\n')
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', 'second')
    const second = git(root, 'rev-parse', 'HEAD')
    const side = git(root, 'commit-tree', '-p', first, '-m', 'side', `${first}^{tree}`)
    const store = new GitRefsRepository(root, core)
    expect((await store.listFiles(second)).map((f) => f.path).sort()).toEqual(['a.txt', 'c.txt', 'dir/sub/b.txt', 'dvc.lock'])
    expect((await store.listFiles(second, 'dir')).map((f) => f.path)).toEqual(['dir/sub/b.txt'])
    expect(await store.listFiles(second, 'nope')).toEqual([])
    expect(await store.isAncestor(first, second)).toBe(true)
    expect(await store.isAncestor(second, second)).toBe(true)
    expect(await store.isAncestor(second, first)).toBe(false)
    expect(await store.isAncestor(side, second)).toBe(false)
    expect(await store.isAncestor(first, side)).toBe(true)
  })

  it('lists, pushes and fetches experiment refs of a local remote, writing no other ref', async () => {
    const root = makeRepo()
    const head = git(root, 'rev-parse', 'HEAD')
    const remote = join(root, 'remote.git') // inside the repo dir, so it is cleaned up with it
    git(root, 'init', '-q', '--bare', remote)
    const ref = `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/e1`
    const exp = git(root, 'commit-tree', '-p', head, '-m', 'exp', `${head}^{tree}`)
    git(root, 'update-ref', ref, exp)
    const store = new GitRefsRepository(root, core, { transport: 'native' })
    expect(await store.listRemoteRefs(remote)).toEqual([])
    expect(await store.pushRefs(remote, [{ ref }])).toEqual([{ ref, status: 'ok' }])
    expect(await store.listRemoteRefs(remote)).toEqual([{ ref, sha: exp }])
    expect(git(remote, 'for-each-ref', '--format=%(refname)')).toBe(ref)
    // a different history is refused without force
    const other = git(root, 'commit-tree', '-p', head, '-m', 'other', `${head}^{tree}`)
    git(root, 'update-ref', ref, other)
    const [rejected] = await store.pushRefs(remote, [{ ref }])
    expect(rejected).toMatchObject({ ref, status: 'rejected', reason: expect.stringMatching(/non-fast-forward/) })
    expect(await store.pushRefs(remote, [{ ref, force: true }])).toEqual([{ ref, status: 'ok' }])

    const clone = makeRepo()
    const cloneStore = new GitRefsRepository(clone, core)
    const refsBefore = git(clone, 'for-each-ref')
    await cloneStore.fetchRefs(remote, [ref])
    expect(await cloneStore.resolve(other)).toBe(other)
    expect(git(clone, 'for-each-ref')).toBe(refsBefore)
    await expect(cloneStore.listRemoteRefs('--upload-pack=false')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(cloneStore.listRemoteRefs(join(root, 'missing.git'))).rejects.toMatchObject({ code: 'GIT_REMOTE_ERROR' })
  })
})

describe('auto-push settings', () => {
  it('reads DVC_EXP_AUTO_PUSH and DVC_EXP_GIT_REMOTE', () => {
    expect(autoPushSettings({})).toBeUndefined()
    expect(autoPushSettings({ DVC_EXP_AUTO_PUSH: '0', DVC_EXP_GIT_REMOTE: 'origin' })).toBeUndefined()
    expect(autoPushSettings({ DVC_EXP_AUTO_PUSH: 'true', DVC_EXP_GIT_REMOTE: ' origin ' })).toEqual({ remote: 'origin' })
    expect(autoPushSettings({ DVC_EXP_AUTO_PUSH: '1' })).toEqual({ remote: undefined })
  })
})
