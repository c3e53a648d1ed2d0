import { chmodSync, copyFileSync, existsSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitRefsRepository } from './git-repository.js'
import { cleanupRepos, core, git, isolateGitEnv, makeRepo, nativeTree, read, untouchedState, write } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

const BASE_FILES = {
  'README.md': '# project\n',
  'params.yaml': 'lr: 0.1\nepochs: 10\n',
  'src/train.py': 'print("train")\n',
  'src/deep/a/b/c/model.py': 'x = 1\n',
  'src/deep/a/b/other.py': 'y = 2\n',
  'data/keep.txt': 'keep\n',
  'gone.txt': 'to be deleted\n',
  'dir/gone/only.txt': 'the only file of its directory\n',
  '.gitignore': '.venv/\n*.log\n',
}

/** Edits a run might make: modified, deleted, new (included), exec bit, nested. */
function editWorkspace(root: string): string[] {
  write(root, 'params.yaml', 'lr: 0.2\nepochs: 10\n')
  write(root, 'src/deep/a/b/c/model.py', 'x = 2  # changed, nested\n')
  unlinkSync(join(root, 'gone.txt'))
  rmSync(join(root, 'dir'), { recursive: true })
  chmodSync(join(root, 'src/train.py'), 0o755)
  write(root, 'dvc.lock', 'schema: "2.0"\nstages: {}\n')
  write(root, 'new/nested/dir/file.txt', 'new nested\n')
  write(root, 'new/nested/run.sh', '#!/bin/sh\n', 0o755)
  write(root, 'new/nested/ignored.log', 'ignored by *.log\n')
  write(root, 'untracked-not-included.txt', 'stays out\n')
  write(root, '.venv/lib/site.py', 'ignored\n')
  return ['dvc.lock', 'new', 'missing-file.txt', '.venv/lib/site.py', 'params.yaml']
}

describe.each(['fs', 'native'] as const)('snapshot (%s backend)', (backend) => {
  it('commits what `git add -u` + the include paths + `git write-tree` would, touching nothing', async () => {
    const root = makeRepo(BASE_FILES)
    const head = git(root, 'rev-parse', 'HEAD')
    const include = editWorkspace(root)
    const before = untouchedState(root)

    const store = new GitRefsRepository(root, core, { backend })
    const sha = await store.snapshot({ parent: head, message: 'dvc: commit experiment abc', include })

    expect(untouchedState(root)).toEqual(before)
    expect(git(root, 'cat-file', '-t', sha)).toBe('commit')
    expect(git(root, 'rev-parse', `${sha}^`)).toBe(head)
    expect(git(root, 'log', '-1', '--format=%B', sha)).toBe('dvc: commit experiment abc')
    expect(git(root, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', sha)).toBe('Test User <test@example.com>|Test User <test@example.com>')
    const tree = git(root, 'rev-parse', `${sha}^{tree}`)
    git(root, 'fsck', '--strict', '--no-dangling')
    expect(tree).toBe(nativeTree(root, ['dvc.lock', 'new']))
    // spot checks of the stored tree
    expect(git(root, 'ls-tree', sha, 'src/train.py')).toMatch(/^100755 /)
    expect(git(root, 'ls-tree', sha, 'new/nested/run.sh')).toMatch(/^100755 /)
    expect(git(root, 'ls-tree', '-r', '--name-only', sha)).not.toMatch(/ignored\.log|\.venv|untracked-not-included|gone/)
  })
})

describe('snapshot: both backends write the same commit', () => {
  it('gives identical shas with fixed dates', async () => {
    process.env.GIT_AUTHOR_DATE = '@1700000000 +0100'
    process.env.GIT_COMMITTER_DATE = '@1700000000 +0100'
    try {
      const root = makeRepo(BASE_FILES)
      const include = editWorkspace(root)
      const fs = await new GitRefsRepository(root, core, { backend: 'fs' }).snapshot({ parent: 'HEAD', message: 'm', include })
      const native = await new GitRefsRepository(root, core, { backend: 'native' }).snapshot({ parent: 'HEAD', message: 'm', include })
      expect(fs).toBe(native)
    } finally {
      delete process.env.GIT_AUTHOR_DATE
      delete process.env.GIT_COMMITTER_DATE
    }
  })
})

describe.each(['fs', 'native'] as const)('snapshot edge cases (%s backend) vs git', (backend) => {
  async function check(root: string, include: string[] = []): Promise<string> {
    const before = untouchedState(root)
    const sha = await new GitRefsRepository(root, core, { backend }).snapshot({ parent: 'HEAD', message: 'snap', include })
    expect(untouchedState(root)).toEqual(before)
    const tree = git(root, 'rev-parse', `${sha}^{tree}`)
    expect(tree).toBe(nativeTree(root, include))
    return sha
  }

  it('handles an unchanged workspace (same tree as HEAD)', async () => {
    const root = makeRepo(BASE_FILES)
    const sha = await check(root)
    expect(git(root, 'rev-parse', `${sha}^{tree}`)).toBe(git(root, 'rev-parse', 'HEAD^{tree}'))
  })

  it('handles an exec bit removed, symlinks changed, and a file replaced by a directory', async () => {
    const root = makeRepo({ 'a.sh': '#!/bin/sh\n', 'b.txt': 'b\n', 'c': 'file\n' })
    chmodSync(join(root, 'a.sh'), 0o755)
    symlinkSync('b.txt', join(root, 'link'))
    git(root, 'add', '-A')
    git(root, 'commit', '-qm', 'exec and link')
    chmodSync(join(root, 'a.sh'), 0o644)
    unlinkSync(join(root, 'link'))
    symlinkSync('a.sh', join(root, 'link'))
    unlinkSync(join(root, 'c'))
    write(root, 'c/inside.txt', 'now a dir\n')
    await check(root)
  })

  it('keeps staged-but-uncommitted changes and reads index version 4', async () => {
    const root = makeRepo(BASE_FILES)
    write(root, 'staged.txt', 'staged new file\n')
    git(root, 'add', 'staged.txt')
    git(root, 'update-index', '--index-version', '4')
    write(root, 'README.md', 'changed after staging\n')
    await check(root)
  })

  it('includes intent-to-add files', async () => {
    const root = makeRepo(BASE_FILES)
    write(root, 'ita.txt', 'intent to add\n')
    git(root, 'add', '-N', 'ita.txt')
    await check(root)
  })

  it('writes the content of a file touched in the same second it was committed (racy git)', async () => {
    const root = makeRepo({ 'r.txt': 'aaaa\n' })
    writeFileSync(join(root, 'r.txt'), 'bbbb\n') // same size, likely the same second as the index
    await check(root)
  })

  it('records a submodule moved to a new commit', async () => {
    const sub = makeRepo({ 'lib.txt': 'v1\n' })
    const root = makeRepo(BASE_FILES)
    git(root, 'submodule', '-q', 'add', sub, 'vendor/sub')
    git(root, 'commit', '-qm', 'add submodule')
    const inner = join(root, 'vendor/sub')
    git(inner, 'config', 'user.name', 'Test User')
    git(inner, 'config', 'user.email', 'test@example.com')
    write(inner, 'lib.txt', 'v2\n')
    git(inner, 'commit', '-qam', 'v2')
    await check(root)
  })

  it('works in a linked worktree (index in its git dir, objects and refs shared)', async () => {
    const root = makeRepo(BASE_FILES)
    const wt = join(root, '..', `${root.split('/').pop()}-wt`)
    git(root, 'worktree', 'add', '-q', '-b', 'side', wt)
    try {
      write(wt, 'params.yaml', 'lr: 0.5\n')
      await check(wt)
    } finally {
      rmSync(wt, { recursive: true, force: true })
    }
  })
})

describe('backend choice', () => {
  it('uses native git by default when it is on PATH, including for content filters', async () => {
    const root = makeRepo({ '.gitattributes': '*.txt text=auto\n', 'a.txt': 'one\n' })
    write(root, 'a.txt', 'one\r\ntwo\r\n')
    const store = new GitRefsRepository(root, core)
    expect(store.snapshotBackend()).toBe('native')
    expect(new GitRefsRepository(root, core, { backend: 'fs' }).snapshotBackend()).toBe('fs')
    const sha = await store.snapshot({ parent: 'HEAD', message: 'crlf' })
    expect(git(root, 'rev-parse', `${sha}^{tree}`)).toBe(nativeTree(root))
  })

  it('asks git for changedFiles when line endings are converted', async () => {
    const root = makeRepo({ '.gitattributes': '*.txt eol=crlf\n', 'a.txt': 'one\n', 'b.txt': 'b\n' })
    rmSync(join(root, 'a.txt'))
    git(root, 'checkout', '--', 'a.txt') // checked out as one\r\n: clean for git, not byte-equal to the blob
    expect(read(root, 'a.txt').toString()).toBe('one\r\n')
    write(root, 'b.txt', 'changed\n')
    expect(await new GitRefsRepository(root, core).changedFiles('HEAD')).toEqual(['b.txt'])
    expect(await new GitRefsRepository(root, core, { backend: 'fs' }).changedFiles('HEAD')).toEqual(['a.txt', 'b.txt']) // documented limit
  })

  it('handles a split index natively, and refuses it in process', async () => {
    const root = makeRepo(BASE_FILES)
    git(root, 'update-index', '--split-index')
    write(root, 'README.md', 'split\n')
    const before = untouchedState(root)
    const sha = await new GitRefsRepository(root, core).snapshot({ parent: 'HEAD', message: 'split' })
    expect(untouchedState(root)).toEqual(before)
    await expect(new GitRefsRepository(root, core, { backend: 'fs' }).snapshot({ parent: 'HEAD', message: 'split' })).rejects.toMatchObject({
      code: 'GIT_ERROR',
    })
    expect(await new GitRefsRepository(root, core).changedFiles('HEAD')).toEqual(['README.md'])
    expect(git(root, 'rev-parse', `${sha}^{tree}`)).toBe(nativeTree(root))
  })

  it('falls back to the default identity and honours GIT_AUTHOR_*', async () => {
    const root = makeRepo(BASE_FILES)
    git(root, 'config', '--unset', 'user.name')
    git(root, 'config', '--unset', 'user.email')
    const store = new GitRefsRepository(root, core, { backend: 'fs' })
    const plain = await store.snapshot({ parent: 'HEAD', message: 'who' })
    expect(git(root, 'log', '-1', '--format=%an <%ae>', plain)).toBe('Trellis <trellis@localhost>')
    process.env.GIT_AUTHOR_NAME = 'Env Author'
    process.env.GIT_AUTHOR_EMAIL = 'env@example.com'
    try {
      const fromEnv = await store.snapshot({ parent: 'HEAD', message: 'who' })
      expect(git(root, 'log', '-1', '--format=%an <%ae>|%cn', fromEnv)).toBe('Env Author <env@example.com>|Trellis')
    } finally {
      delete process.env.GIT_AUTHOR_NAME
      delete process.env.GIT_AUTHOR_EMAIL
    }
  })

  it('refuses a sha256 repository', () => {
    const root = makeRepo(BASE_FILES)
    git(root, 'config', 'extensions.objectformat', 'sha256')
    expect(() => new GitRefsRepository(root, core)).toThrow(expect.objectContaining({ code: 'GIT_ERROR' }))
  })

  it('refuses a missing parent and paths outside the repository', async () => {
    const root = makeRepo(BASE_FILES)
    const store = new GitRefsRepository(root, core)
    await expect(store.snapshot({ parent: 'f'.repeat(40), message: 'x' })).rejects.toMatchObject({ code: 'GIT_ERROR' })
    await expect(store.snapshot({ parent: 'HEAD', message: 'x', include: ['../outside'] })).rejects.toMatchObject({ code: 'PATH_OUTSIDE_REPO' })
  })
})

describe('include paths without git on PATH', () => {
  it('finds the same untracked, not ignored files as `git ls-files --others --exclude-standard`', async () => {
    const root = makeRepo(BASE_FILES)
    const include = editWorkspace(root)
    write(root, 'new/.gitignore', 'skip-me/\n')
    write(root, 'new/skip-me/file.txt', 'ignored by a nested .gitignore\n')
    const store = new GitRefsRepository(root, core) as unknown as {
      untrackedByGit(paths: string[]): Promise<string[]>
      untrackedByWalk(paths: string[], tracked: Set<string>): Promise<string[]>
    }
    const candidates = include.filter((path) => path !== 'params.yaml' && path !== 'missing-file.txt')
    const tracked = new Set(git(root, 'ls-files').split('\n'))
    const byGit = (await store.untrackedByGit(candidates)).sort()
    expect(byGit).toEqual(['dvc.lock', 'new/.gitignore', 'new/nested/dir/file.txt', 'new/nested/run.sh'])
    expect((await store.untrackedByWalk(candidates, tracked)).sort()).toEqual(byGit)
  })
})

describe.each(['fs', 'native'] as const)('snapshot under random edits (%s backend)', (backend) => {
  it('matches git after each of many rounds of edits, staging and commits', async () => {
    const files: Record<string, string> = {}
    for (let d = 0; d < 6; d++) for (let f = 0; f < 6; f++) files[`d${d}/${f % 2 ? 'sub/' : ''}f${f}.txt`] = `${d}/${f}\n`
    const root = makeRepo(files)
    let seed = 42
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const paths = Object.keys(files)
    /**
     * git add -u + includes + write-tree on a copy of the index, leaving the
     * real one alone. The copy keeps the index's mtime (whole second): with a
     * fresh mtime git would trust racily clean entries and miss same-size
     * rewrites made in the same tick (this test caught that).
     */
    const expected = (include: string[]): string => {
      const tmp = join(root, '.git', 'expected-index')
      copyFileSync(join(root, '.git', 'index'), tmp)
      const second = Math.floor(statSync(join(root, '.git', 'index')).mtimeMs / 1000)
      utimesSync(tmp, second, second)
      const env = { ...process.env, GIT_INDEX_FILE: tmp }
      execFileSync('git', ['add', '-u'], { cwd: root, env })
      if (include.length) execFileSync('git', ['add', '--', ...include], { cwd: root, env })
      const tree = execFileSync('git', ['write-tree'], { cwd: root, env, encoding: 'utf8' }).trim()
      rmSync(tmp)
      return tree
    }
    const store = new GitRefsRepository(root, core, { backend })
    for (let round = 0; round < 25; round++) {
      const include: string[] = []
      for (let k = 0; k < 4; k++) {
        const path = paths[rand(paths.length)]!
        const op = rand(7)
        if (op === 0) write(root, path, `round ${round} ${k}\n`)
        else if (op === 1 && existsSync(join(root, path))) unlinkSync(join(root, path))
        else if (op === 2 && existsSync(join(root, path))) chmodSync(join(root, path), rand(2) ? 0o755 : 0o644)
        else if (op === 3) {
          const created = `d${rand(8)}/new${round}-${k}.txt`
          write(root, created, `created ${round}\n`)
          include.push(created)
        } else if (op === 4 && existsSync(join(root, path))) git(root, 'add', '--', path)
        else if (op === 5 && existsSync(join(root, path))) writeFileSync(join(root, path), sameSizeRewrite(root, path))
        else if (op === 6 && rand(3) === 0) git(root, 'commit', '-qam', `round ${round}`, '--allow-empty')
      }
      const before = untouchedState(root)
      const sha = await store.snapshot({ parent: 'HEAD', message: `round ${round}`, include })
      expect(untouchedState(root)).toEqual(before)
      const want = expected(include)
      const got = git(root, 'rev-parse', `${sha}^{tree}`)
      expect(got, `round ${round}`).toBe(want)
    }
    git(root, 'fsck', '--strict', '--no-dangling')
  })
})

/** Same length, different bytes: only the content (or a racy stat) can tell. */
function sameSizeRewrite(root: string, path: string): string {
  const old = read(root, path).toString()
  return old.split('').reverse().join('') === old ? `${old.slice(0, -1)}!` : old.split('').reverse().join('')
}

describe('snapshot from a stored commit (base)', () => {
  it('gives the tree of the work tree snapshot plus the overlay, without reading the work tree again', async () => {
    const root = makeRepo(BASE_FILES)
    const head = git(root, 'rev-parse', 'HEAD')
    editWorkspace(root)
    const store = new GitRefsRepository(root, core)
    const overlay = [
      { path: 'params.yaml', content: 'lr: 0.5\nepochs: 10\n' },
      { path: 'src/deep/a/new.txt', content: 'new\n' },
      { path: 'fresh/dir/f.txt', content: 'f\n', mode: 0o100755 },
      { path: 'README.md', content: '# project, edited\n' },
    ]
    const direct = await store.snapshot({ parent: head, message: 'm', overlay })
    const workspace = await store.snapshot({ parent: head, message: 'workspace' })
    write(root, 'params.yaml', 'changed after the workspace snapshot\n')
    const fromBase = await store.snapshot({ parent: head, message: 'm', overlay, base: workspace })
    expect(git(root, 'rev-parse', `${fromBase}^{tree}`)).toBe(git(root, 'rev-parse', `${direct}^{tree}`))
    expect(git(root, 'rev-parse', `${fromBase}^`)).toBe(head)
    git(root, 'fsck', '--strict', '--no-dangling')
  })
})
