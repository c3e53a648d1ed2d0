import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitRefsRepository } from './git-repository.js'
import { cleanupRepos, core, git, isolateGitEnv, makeRepo, write } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

/** What git itself lists: `git ls-tree -r` (regular and executable files only). */
function gitListing(root: string, rev: string, prefix?: string): Array<{ path: string; id: string }> {
  const out = git(root, 'ls-tree', '-r', '-z', '--full-tree', rev, ...(prefix ? ['--', prefix] : []))
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t')
      const [mode, , id] = meta!.split(' ')
      return { mode, path: path!, id: id! }
    })
    .filter((e) => e.mode === '100644' || e.mode === '100755')
    .map(({ path, id }) => ({ path, id }))
}

describe('listFiles', () => {
  it("lists a commit's files with their blob shas, as git ls-tree does, whole or under a prefix", async () => {
    const root = makeRepo({
      'dvc.yaml': 'stages: {}\n',
      'params.yaml': 'lr: 1\n',
      'src/train.py': 'print(1)\n',
      'src/deep/er/x.txt': 'x\n',
      'sub/dvc.yaml': 'stages: {}\n',
      'a-b/file': 'dash sorts before slash\n',
    })
    write(root, 'run.sh', '#!/bin/sh\n', 0o755)
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', 'exec')
    const store = new GitRefsRepository(root, core)
    const head = git(root, 'rev-parse', 'HEAD')
    const all = await store.listFiles(head)
    expect(all).toEqual(gitListing(root, head))
    expect(all.map((f) => f.path)).toContain('run.sh')
    expect(await store.listFiles(head, 'src')).toEqual(gitListing(root, head, 'src'))
    expect(await store.listFiles(head, 'src/')).toEqual(gitListing(root, head, 'src'))
    expect(await store.listFiles(head, 'nope')).toEqual([])
    expect(await store.listFiles(head, 'params.yaml')).toEqual([])
    // the previous commit, through the same store (memoised subtrees must not leak across commits)
    const before = git(root, 'rev-parse', 'HEAD~1')
    expect(await store.listFiles(before)).toEqual(gitListing(root, before))
    expect((await store.listFiles(before)).map((f) => f.path)).not.toContain('run.sh')
  })

  it('skips symlinks and submodules, reads packed objects, and fails on an unknown commit', async () => {
    const root = makeRepo({ 'a.txt': 'a\n' })
    git(root, 'update-index', '--add', '--cacheinfo', `160000,${git(root, 'rev-parse', 'HEAD')},vendor/lib`)
    write(root, 'target.txt', 't\n')
    git(root, 'add', 'target.txt')
    git(root, 'commit', '-q', '-m', 'submodule entry')
    const { symlinkSync } = await import('node:fs')
    symlinkSync('target.txt', `${root}/link.txt`)
    git(root, 'add', 'link.txt')
    git(root, 'commit', '-q', '-m', 'symlink')
    git(root, 'gc', '-q')
    const store = new GitRefsRepository(root, core)
    const files = await store.listFiles('HEAD')
    expect(files.map((f) => f.path)).toEqual(['a.txt', 'target.txt'])
    expect(files).toEqual(gitListing(root, 'HEAD'))
    await expect(store.listFiles('0'.repeat(40))).rejects.toMatchObject({ code: 'GIT_ERROR' })
  })
})
