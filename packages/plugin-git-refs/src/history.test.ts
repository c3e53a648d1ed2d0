/** diffTrees, commitFiles, reachable, deleteRef with expect and listRemoteRefs, checked against git itself. */
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitRefsRepository } from './git-repository.js'
import { cleanupRepos, core, git, isolateGitEnv, makeRepo, tempDir, untouchedState, write } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

describe('diffTrees', () => {
  it('lists added, modified (content or mode), deleted and file<->directory changes like git diff-tree', async () => {
    const root = makeRepo({ 'a.txt': 'a\n', 'dir/b.txt': 'b\n', 'dir/sub/c.txt': 'c\n', 'run.sh': 'echo\n', 'x': 'file\n', 'same/s.txt': 's\n' })
    const from = git(root, 'rev-parse', 'HEAD')
    write(root, 'a.txt', 'a2\n')
    git(root, 'rm', '-q', 'dir/sub/c.txt', 'x')
    write(root, 'x/inside.txt', 'now a dir\n')
    write(root, 'new/n.txt', 'n\n')
    chmodSync(join(root, 'run.sh'), 0o755)
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', 'two')
    const to = git(root, 'rev-parse', 'HEAD')

    const store = new GitRefsRepository(root, core)
    const changes = await store.diffTrees(from, to)
    const expected = git(root, 'diff-tree', '-r', '--no-renames', '--name-status', from, to)
      .split('\n')
      .map((line) => line.split('\t'))
      .map(([status, path]) => ({ path, status: status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'modified' }))
      .sort((a, b) => (a.path < b.path ? -1 : 1))
    expect(changes.map(({ path, status }) => ({ path, status }))).toEqual(expected)
    const mode = changes.find((c) => c.path === 'run.sh')!
    expect(mode).toMatchObject({ status: 'modified', mode: 0o100755, oldMode: 0o100644, oid: mode.oldOid })
    const added = changes.find((c) => c.path === 'x/inside.txt')!
    expect(added.oid).toBe(git(root, 'rev-parse', `${to}:x/inside.txt`))
    expect(await store.diffTrees(to, to)).toEqual([])
    // reversed: the same paths, statuses swapped
    const back = await store.diffTrees(to, from)
    expect(back.find((c) => c.path === 'new/n.txt')!.status).toBe('deleted')
    expect(back.find((c) => c.path === 'x')!.status).toBe('added')
  })
})

describe('commitFiles', () => {
  it('writes a commit holding exactly the given files, touching nothing else', async () => {
    const root = makeRepo({ 'a.txt': 'a\n' })
    const head = git(root, 'rev-parse', 'HEAD')
    write(root, 'a.txt', 'dirty\n')
    const before = untouchedState(root)
    const store = new GitRefsRepository(root, core)
    const sha = await store.commitFiles({
      parents: [head],
      message: 'undo record',
      files: [
        { path: 'record.json', content: '{}\n' },
        { path: 'before/dir/tool.sh', content: '#!/bin/sh\n', mode: 0o100755 },
        { path: 'before/link', content: 'a.txt', mode: 0o120000 },
        { path: 'before/bin', content: new Uint8Array([0, 1, 2, 255]) },
      ],
    })
    expect(untouchedState(root)).toEqual(before)
    expect(git(root, 'cat-file', '-t', sha)).toBe('commit')
    expect(git(root, 'rev-parse', `${sha}^`)).toBe(head)
    expect(git(root, 'log', '-1', '--format=%s', sha)).toBe('undo record')
    expect(git(root, 'ls-tree', '-r', '--format=%(objectmode) %(path)', sha).split('\n')).toEqual([
      '100644 before/bin',
      '100755 before/dir/tool.sh',
      '120000 before/link',
      '100644 record.json',
    ])
    expect(git(root, 'fsck', '--no-dangling', '--strict')).toBe('')
    expect(Buffer.from((await store.readFile(sha, 'before/bin'))!)).toEqual(Buffer.from([0, 1, 2, 255]))
    const empty = await store.commitFiles({ parents: [], message: 'empty', files: [] })
    expect(git(root, 'rev-parse', `${empty}^{tree}`)).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904')
    await expect(store.commitFiles({ parents: [], message: 'x', files: [{ path: 'a', content: '' }, { path: 'a/b', content: '' }] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })
})

describe('reachable', () => {
  it('tells which commits are ancestors of the tips, natively and in process', async () => {
    const root = makeRepo({ 'a.txt': '1\n' })
    const first = git(root, 'rev-parse', 'HEAD')
    write(root, 'a.txt', '2\n')
    git(root, 'commit', '-qam', 'second')
    const second = git(root, 'rev-parse', 'HEAD')
    git(root, 'checkout', '-q', '-b', 'side', first)
    write(root, 'b.txt', 'side\n')
    git(root, 'add', '-A')
    git(root, 'commit', '-qm', 'side')
    const side = git(root, 'rev-parse', 'HEAD')
    git(root, 'checkout', '-q', 'main')
    for (const backend of ['native', 'fs'] as const) {
      const store = new GitRefsRepository(root, core, { backend })
      expect(await store.reachable([first, second, side], ['refs/heads/main'])).toEqual(new Set([first, second]))
      expect(await store.reachable([first, side], ['side'])).toEqual(new Set([first, side]))
      expect(await store.reachable([side], ['refs/heads/nope'])).toEqual(new Set())
    }
  })
})

describe('deleteRef with expect', () => {
  it('deletes only when the ref still points where expected', async () => {
    const root = makeRepo()
    const head = git(root, 'rev-parse', 'HEAD')
    const ref = `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/exp-1`
    git(root, 'update-ref', ref, head)
    const store = new GitRefsRepository(root, core)
    await expect(store.deleteRef(ref, { expect: '0'.repeat(40) })).rejects.toMatchObject({ code: 'GIT_REF_CONFLICT' })
    expect(git(root, 'rev-parse', ref)).toBe(head)
    await store.deleteRef(ref, { expect: head })
    expect(() => git(root, 'rev-parse', '--verify', '-q', ref)).toThrow()
  })
})

describe('listRemoteRefs', () => {
  it('lists experiment refs of a remote by name or path', async () => {
    const origin = makeRepo()
    const head = git(origin, 'rev-parse', 'HEAD')
    const ref = `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/exp-remote`
    git(origin, 'update-ref', ref, head)
    git(origin, 'update-ref', 'refs/exps/exec/EXEC_APPLY', head)
    const clone = tempDir('trellis-clone-')
    git(clone, 'clone', '-q', origin, '.')
    const store = new GitRefsRepository(clone, core)
    const refs = await store.listRemoteRefs('origin')
    // sorted by name ('refs/exps/exec/…' sorts before or after the experiment, by its sha)
    expect(refs).toEqual([{ ref, sha: head }, { ref: 'refs/exps/exec/EXEC_APPLY', sha: head }].sort((a, b) => (a.ref < b.ref ? -1 : 1)))
    expect(await store.listRemoteRefs(origin, 'refs/heads/')).toEqual([{ ref: 'refs/heads/main', sha: head }])
    await expect(store.listRemoteRefs('no-such-remote')).rejects.toMatchObject({ code: 'GIT_REMOTE_ERROR' })
    await expect(store.listRemoteRefs('--upload-pack=evil')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
