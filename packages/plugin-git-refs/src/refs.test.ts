import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitRefsRepository } from './git-repository.js'
import { cleanupRepos, core, git, isolateGitEnv, makeRepo, write } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

const expRef = (baseline: string, name: string): string => `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`

describe('writeRef', () => {
  it('creates, moves with compare-and-swap, and refuses a stale expectation', async () => {
    const root = makeRepo()
    const base = git(root, 'rev-parse', 'HEAD')
    const store = new GitRefsRepository(root, core)
    const first = await store.snapshot({ parent: base, message: 'one' })
    write(root, 'README.md', 'two\n')
    const second = await store.snapshot({ parent: base, message: 'two' })
    const ref = expRef(base, 'exp-1')

    await store.writeRef(ref, first, { expect: null })
    expect(git(root, 'rev-parse', ref)).toBe(first)
    await expect(store.writeRef(ref, second, { expect: null })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
    await expect(store.writeRef(ref, second, { expect: base })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
    expect(git(root, 'rev-parse', ref)).toBe(first)
    await store.writeRef(ref, second, { expect: first })
    expect(git(root, 'rev-parse', ref)).toBe(second)
    await store.writeRef(ref, first) // no expectation: unconditional
    expect(git(root, 'rev-parse', ref)).toBe(first)
    expect(existsSync(join(root, '.git', `${ref}.lock`))).toBe(false)
    // HEAD and the branch never moved
    expect(git(root, 'rev-parse', 'HEAD')).toBe(base)
    expect(git(root, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main')
  })

  it('checks the expectation against a packed ref', async () => {
    const root = makeRepo()
    const base = git(root, 'rev-parse', 'HEAD')
    const ref = expRef(base, 'packed')
    git(root, 'update-ref', ref, base)
    git(root, 'pack-refs', '--all')
    const store = new GitRefsRepository(root, core)
    await expect(store.writeRef(ref, base, { expect: null })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
    await store.writeRef(ref, base, { expect: base })
  })

  it('appends a reflog entry git can read', async () => {
    const root = makeRepo()
    const base = git(root, 'rev-parse', 'HEAD')
    const store = new GitRefsRepository(root, core)
    await store.writeRef('refs/exps/stash', base, { reflogMessage: 'queued exp-1' })
    expect(git(root, 'reflog', 'show', '--format=%H %gs', 'refs/exps/stash')).toBe(`${base} queued exp-1`)
    expect(readFileSync(join(root, '.git/logs/refs/exps/stash'), 'utf8')).toMatch(
      new RegExp(`^0{40} ${base} Test User <test@example.com> \\d+ [+-]\\d{4}\\tqueued exp-1\\n$`),
    )
    // an existing reflog keeps growing, as with git; a ref without one does not get one
    write(root, 'README.md', 'next\n')
    const next = await store.snapshot({ parent: base, message: 'next' })
    await store.writeRef('refs/exps/stash', next)
    expect(git(root, 'reflog', 'show', '--format=%H', 'refs/exps/stash').split('\n')).toEqual([next, base])
    await store.writeRef('refs/exps/no-log', next)
    expect(existsSync(join(root, '.git/logs/refs/exps/no-log'))).toBe(false)
  })

  it('waits for a held lock, then gives up with LOCK_TIMEOUT', async () => {
    const root = makeRepo()
    const base = git(root, 'rev-parse', 'HEAD')
    const ref = expRef(base, 'locked')
    const lock = join(root, '.git', `${ref}.lock`)
    write(root, `.git/${ref}.lock`, '')
    const store = new GitRefsRepository(root, core)
    await expect(store.writeRef(ref, base)).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' })
    expect(existsSync(lock)).toBe(true) // someone else's lock is left alone
  })

  it('rejects invalid names, HEAD and non-sha values', async () => {
    const root = makeRepo()
    const base = git(root, 'rev-parse', 'HEAD')
    const store = new GitRefsRepository(root, core)
    for (const ref of ['HEAD', 'refs/exps/a..b', 'refs/exps/x.lock', 'refs/exps/with space', 'refs/exps/trailing/', 'exps/no-prefix']) {
      await expect(store.writeRef(ref, base), ref).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
    await expect(store.writeRef('refs/exps/x', 'HEAD')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})

describe('listRefs and deleteRef', () => {
  it('lists loose and packed refs under a prefix, sorted, and deletes both kinds', async () => {
    const root = makeRepo()
    const base = git(root, 'rev-parse', 'HEAD')
    write(root, 'README.md', 'second\n')
    git(root, 'commit', '-qam', 'second')
    const tip = git(root, 'rev-parse', 'HEAD')
    git(root, 'tag', '-a', '-m', 'annotated', 'v1', base) // packed with a peeled line
    git(root, 'update-ref', expRef(base, 'b-packed'), base)
    git(root, 'update-ref', expRef(base, 'a-packed'), base)
    git(root, 'update-ref', 'refs/exps/stash', base)
    git(root, 'pack-refs', '--all')
    git(root, 'update-ref', expRef(base, 'a-packed'), tip) // loose copy overrides the packed one
    git(root, 'update-ref', expRef(tip, 'loose'), tip)
    const store = new GitRefsRepository(root, core)

    expect(await store.listRefs()).toEqual([
      { ref: expRef(base, 'a-packed'), sha: tip },
      { ref: expRef(base, 'b-packed'), sha: base },
      { ref: expRef(tip, 'loose'), sha: tip },
      { ref: 'refs/exps/stash', sha: base },
    ].sort((a, b) => (a.ref < b.ref ? -1 : 1)))
    expect((await store.listRefs(`refs/exps/${base.slice(0, 2)}/`)).map((r) => r.ref)).toEqual([expRef(base, 'a-packed'), expRef(base, 'b-packed')])
    expect(await store.listRefs('refs/heads/')).toEqual([{ ref: 'refs/heads/main', sha: tip }])
    await expect(store.listRefs('../')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })

    await store.deleteRef(expRef(base, 'b-packed')) // packed only
    await store.deleteRef(expRef(base, 'a-packed')) // loose and packed
    await store.deleteRef(expRef(tip, 'loose')) // loose only
    await store.deleteRef(expRef(tip, 'never-existed'))
    expect(git(root, 'for-each-ref', '--format=%(refname)')).toBe(['refs/exps/stash', 'refs/heads/main', 'refs/tags/v1'].join('\n'))
    expect(await store.listRefs()).toEqual([{ ref: 'refs/exps/stash', sha: base }])
    // the annotated tag's peeled line survived the rewrite of packed-refs
    expect(readFileSync(join(root, '.git/packed-refs'), 'utf8')).toMatch(new RegExp(`refs/tags/v1\\n\\^${base}`))
    expect(git(root, 'rev-parse', 'v1^{commit}')).toBe(base)
    // empty experiment directories are pruned, refs/exps itself stays
    expect(existsSync(join(root, '.git/refs/exps', tip.slice(0, 2)))).toBe(false)
    expect(existsSync(join(root, '.git/refs/exps'))).toBe(true)
    git(root, 'fsck', '--no-dangling')
  })

  it('resolves symbolic refs when listing', async () => {
    const root = makeRepo()
    const base = git(root, 'rev-parse', 'HEAD')
    git(root, 'symbolic-ref', 'refs/exps/exec/EXEC_BRANCH', 'refs/heads/main')
    expect(await new GitRefsRepository(root, core).listRefs('refs/exps/exec/')).toEqual([{ ref: 'refs/exps/exec/EXEC_BRANCH', sha: base }])
  })
})

describe('head and resolve', () => {
  function history(): { root: string; c1: string; c2: string; c3: string; merge: string; side: string } {
    const root = makeRepo({ 'f.txt': '1\n' })
    const c1 = git(root, 'rev-parse', 'HEAD')
    write(root, 'f.txt', '2\n')
    git(root, 'commit', '-qam', 'c2')
    const c2 = git(root, 'rev-parse', 'HEAD')
    git(root, 'checkout', '-q', '-b', 'side', c1)
    write(root, 'side.txt', 'side\n')
    git(root, 'add', 'side.txt')
    git(root, 'commit', '-qm', 'side')
    const side = git(root, 'rev-parse', 'HEAD')
    git(root, 'checkout', '-q', 'main')
    write(root, 'f.txt', '3\n')
    git(root, 'commit', '-qam', 'c3')
    const c3 = git(root, 'rev-parse', 'HEAD')
    git(root, 'merge', '-q', '--no-edit', 'side')
    const merge = git(root, 'rev-parse', 'HEAD')
    git(root, 'tag', 'light', c2)
    git(root, 'tag', '-a', '-m', 'annotated', 'v1.0', c1)
    git(root, 'update-ref', expRef(c1, 'exp-abc'), c3)
    return { root, c1, c2, c3, merge, side }
  }

  it.each([false, true])('resolves shas, prefixes, branches, tags, suffixes and full refs (packed: %s)', async (packed) => {
    const { root, c1, c2, c3, merge, side } = history()
    if (packed) git(root, 'gc', '-q', '--prune=now')
    const store = new GitRefsRepository(root, core)
    const cases: Array<[string, string | null]> = [
      [merge, merge],
      [merge.toUpperCase(), merge],
      [merge.slice(0, 7), merge],
      ['HEAD', merge],
      ['@', merge],
      ['main', merge],
      ['refs/heads/main', merge],
      ['heads/main', merge],
      ['side', side],
      ['light', c2],
      ['v1.0', c1],
      ['refs/tags/v1.0', c1],
      ['v1.0^{commit}', c1],
      ['HEAD~1', c3],
      ['HEAD^', c3],
      ['HEAD^1', c3],
      ['HEAD^2', side],
      ['HEAD^0', merge],
      ['HEAD~2', c2],
      ['HEAD~1~1', c2],
      ['main^^', c2],
      ['HEAD~3', c1],
      ['HEAD~4', null],
      ['HEAD^3', null],
      [expRef(c1, 'exp-abc'), c3],
      [`${expRef(c1, 'exp-abc')}~1`, c2],
      ['no-such-branch', null],
      ['f'.repeat(40), null],
      ['HEAD^{tree}', null],
      [git(root, 'rev-parse', 'HEAD^{tree}'), null],
      ['', null],
      ['../../../etc/passwd', null],
      ['refs/../HEAD', null],
    ]
    for (const [rev, expected] of cases) expect(await store.resolve(rev), rev).toBe(expected)
    expect(await store.head()).toBe(merge)
    expect(await store.headRef()).toBe('refs/heads/main')
  })

  it('reports a detached HEAD and an unborn branch', async () => {
    const { root, c2 } = history()
    git(root, 'checkout', '-q', '--detach', c2)
    const store = new GitRefsRepository(root, core)
    expect(await store.head()).toBe(c2)
    expect(await store.headRef()).toBeNull()
    git(root, 'checkout', '-q', '--orphan', 'fresh')
    expect(await store.head()).toBeNull()
    expect(await store.headRef()).toBe('refs/heads/fresh')
  })

  it('reads commits', async () => {
    const { root, merge, c3, side } = history()
    const commit = await new GitRefsRepository(root, core).readCommit(merge)
    expect(commit).toEqual({
      sha: merge,
      tree: git(root, 'rev-parse', `${merge}^{tree}`),
      parents: [c3, side],
      message: `${git(root, 'log', '-1', '--format=%B', merge)}\n`,
      timestamp: Number(git(root, 'log', '-1', '--format=%ct', merge)),
    })
    await expect(new GitRefsRepository(root, core).readCommit('f'.repeat(40))).rejects.toMatchObject({ code: 'GIT_ERROR' })
  })
})

describe('readFile', () => {
  it.each([false, true])('reads files from a commit tree (packed: %s)', async (packed) => {
    const root = makeRepo({ 'a/b/c.txt': 'deep\n', 'top.txt': 'top\n' })
    writeFileSync(join(root, 'bin.dat'), Buffer.from([0, 1, 2, 255]))
    git(root, 'add', 'bin.dat')
    git(root, 'commit', '-qm', 'binary')
    const head = git(root, 'rev-parse', 'HEAD')
    write(root, 'top.txt', 'changed in the workspace\n')
    if (packed) git(root, 'gc', '-q', '--prune=now')
    const store = new GitRefsRepository(root, core)
    expect(Buffer.from((await store.readFile(head, 'a/b/c.txt'))!).toString()).toBe('deep\n')
    expect(Buffer.from((await store.readFile(head, 'top.txt'))!).toString()).toBe('top\n')
    expect(Buffer.from((await store.readFile(head, './a/b/c.txt'))!).toString()).toBe('deep\n')
    expect([...(await store.readFile(head, 'bin.dat'))!]).toEqual([0, 1, 2, 255])
    expect(await store.readFile(head, 'a/b')).toBeNull()
    expect(await store.readFile(head, 'a/missing.txt')).toBeNull()
    expect(await store.readFile(head, 'top.txt/under-a-file')).toBeNull()
  })
})

describe('changedFiles', () => {
  it('lists tracked files that differ from a commit, and files of the commit that are missing', async () => {
    const root = makeRepo({ 'same.txt': 's\n', 'mod.txt': 'm\n', 'del.txt': 'd\n', 'mode.sh': 'x\n', 'dir/in.txt': 'i\n' })
    const head = git(root, 'rev-parse', 'HEAD')
    write(root, 'mod.txt', 'modified\n')
    git(root, 'rm', '-q', 'del.txt')
    chmodSync(join(root, 'mode.sh'), 0o755)
    write(root, 'staged-new.txt', 'new\n')
    git(root, 'add', 'staged-new.txt')
    write(root, 'untracked.txt', 'not tracked, not in the commit\n')
    write(root, 'dir/in.txt', 'i\n') // rewritten, same content
    git(root, 'rm', '-q', '--cached', 'dir/in.txt') // untracked now, same content as the commit
    const before = untouched(root)
    const store = new GitRefsRepository(root, core)
    expect(await store.changedFiles(head)).toEqual(['del.txt', 'mod.txt', 'mode.sh', 'staged-new.txt'])
    expect(untouched(root)).toEqual(before)
    write(root, 'dir/in.txt', 'now different\n')
    expect(await store.changedFiles(head)).toEqual(['del.txt', 'dir/in.txt', 'mod.txt', 'mode.sh', 'staged-new.txt'])
    expect(await store.changedFiles('HEAD')).toEqual(['del.txt', 'dir/in.txt', 'mod.txt', 'mode.sh', 'staged-new.txt'])
  })

  it('is empty for a clean workspace and matches an experiment snapshot', async () => {
    const root = makeRepo({ 'p.yaml': 'a: 1\n', 'src/x.py': 'x\n' })
    const store = new GitRefsRepository(root, core)
    expect(await store.changedFiles('HEAD')).toEqual([])
    write(root, 'p.yaml', 'a: 2\n')
    const exp = await store.snapshot({ parent: 'HEAD', message: 'exp' })
    expect(await store.changedFiles(exp)).toEqual([])
    expect(await store.changedFiles('HEAD')).toEqual(['p.yaml'])
  })
})

function untouched(root: string): string {
  return readFileSync(join(root, '.git', 'index')).toString('base64')
}
