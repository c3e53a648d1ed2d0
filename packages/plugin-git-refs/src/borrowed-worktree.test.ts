/** What the experiment queue needs from the store: reflog queues, overlays, borrowed work trees. */
import { chmodSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitRefsRepository } from './git-repository.js'
import { cleanupRepos, core, git, isolateGitEnv, makeRepo, read, untouchedState, write } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

const ZERO = '0'.repeat(40)

describe('reflog queue', () => {
  it('reads a reflog and drops entries as `git reflog delete --updateref --rewrite` does', async () => {
    const root = makeRepo()
    const store = new GitRefsRepository(root, core)
    const head = git(root, 'rev-parse', 'HEAD')
    const shas: string[] = []
    for (let i = 0; i < 3; i++) {
      write(root, 'README.md', `# v${i}\n`)
      const sha = await store.snapshot({ parent: head, message: `entry ${i}` })
      await store.writeRef('refs/exps/stash', sha, { reflogMessage: `commit: dvc-exp:${head}:${head}:n${i}` })
      shas.push(sha)
    }
    const log = await store.readReflog('refs/exps/stash')
    expect(log.map((e) => [e.old, e.sha, e.message])).toEqual([
      [ZERO, shas[0], `commit: dvc-exp:${head}:${head}:n0`],
      [shas[0], shas[1], `commit: dvc-exp:${head}:${head}:n1`],
      [shas[1], shas[2], `commit: dvc-exp:${head}:${head}:n2`],
    ])
    expect(git(root, 'reflog', 'show', '--format=%H', 'refs/exps/stash').split('\n')).toEqual([shas[2], shas[1], shas[0]])

    await store.dropReflogEntries('refs/exps/stash', [shas[1]])
    expect((await store.readReflog('refs/exps/stash')).map((e) => [e.old, e.sha])).toEqual([
      [ZERO, shas[0]],
      [shas[0], shas[2]],
    ])
    expect(git(root, 'rev-parse', 'refs/exps/stash')).toBe(shas[2])
    expect(git(root, 'reflog', 'show', '--format=%H %gs', 'refs/exps/stash').split('\n')).toEqual([
      `${shas[2]} commit: dvc-exp:${head}:${head}:n2`,
      `${shas[0]} commit: dvc-exp:${head}:${head}:n0`,
    ])
    await store.dropReflogEntries('refs/exps/stash', [shas[2]]) // the newest: the ref moves back
    expect(git(root, 'rev-parse', 'refs/exps/stash')).toBe(shas[0])
    await store.dropReflogEntries('refs/exps/stash', [shas[0]]) // the last: ref and reflog go
    expect(git(root, 'for-each-ref', 'refs/exps/')).toBe('')
    expect(await store.readReflog('refs/exps/stash')).toEqual([])
    await store.dropReflogEntries('refs/exps/stash', [shas[0]]) // nothing left: no-op
  })
})

describe.each(['fs', 'native'] as const)('snapshot overlay and borrowed work trees (%s backend)', (backend) => {
  it('overlay files replace or add content in the commit only', async () => {
    const root = makeRepo({ 'params.yaml': 'lr: 0.1\n', 'src/a.py': 'a\n' })
    const head = git(root, 'rev-parse', 'HEAD')
    write(root, 'src/a.py', 'a changed\n')
    const before = untouchedState(root)
    const store = new GitRefsRepository(root, core, { backend })
    const sha = await store.snapshot({
      parent: head,
      message: 'queued',
      overlay: [
        { path: 'params.yaml', content: 'lr: 0.5\n' },
        { path: '.dvc/tmp/repro.dat', content: new Uint8Array([0x80, 2, 0x2e]) },
        { path: 'run.sh', content: '#!/bin/sh\n', mode: 0o100755 },
      ],
    })
    expect(untouchedState(root)).toEqual(before)
    expect(read(root, 'params.yaml').toString()).toBe('lr: 0.1\n')
    expect(git(root, 'show', `${sha}:params.yaml`)).toBe('lr: 0.5')
    expect(git(root, 'show', `${sha}:src/a.py`)).toBe('a changed')
    expect(git(root, 'ls-tree', sha, 'run.sh')).toMatch(/^100755 /)
    expect(git(root, 'cat-file', '-s', `${sha}:.dvc/tmp/repro.dat`)).toBe('3')
    git(root, 'fsck', '--strict', '--no-dangling')
  })

  it('checks a commit out into a work tree that borrows the objects, and snapshots it', async () => {
    const root = makeRepo({ 'params.yaml': 'lr: 0.1\n', 'src/run.sh': '#!/bin/sh\n', '.gitignore': '*.log\n/.dvc/tmp/\n' })
    chmodSync(join(root, 'src/run.sh'), 0o755)
    symlinkSync('params.yaml', join(root, 'link.yaml'))
    git(root, 'add', '-A')
    git(root, 'commit', '-qm', 'second')
    const baseline = git(root, 'rev-parse', 'HEAD~1')
    const head = git(root, 'rev-parse', 'HEAD')
    const store = new GitRefsRepository(root, core, { backend })
    const before = untouchedState(root)
    const dir = join(root, '.dvc', 'tmp', 'exps', 'w1')
    await store.checkoutTree(head, dir, { head: baseline })
    expect(readdirSync(dir).sort()).toEqual(['.git', '.gitignore', 'link.yaml', 'params.yaml', 'src'])
    expect(statSync(join(dir, 'src/run.sh')).mode & 0o111).not.toBe(0)
    expect(readlinkSync(join(dir, 'link.yaml'))).toBe('params.yaml')
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(baseline)
    expect(git(dir, 'rev-parse', '--show-toplevel')).toBe(dir)
    expect(git(dir, 'diff', '--name-only')).toBe('') // index = the commit's tree, files as checked out
    expect(readdirSync(join(dir, '.git', 'objects')).sort()).toEqual(['info']) // nothing copied
    expect(await store.pathType(head, 'src')).toBe('dir')
    expect(await store.pathType(head, 'src/run.sh')).toBe('file')
    expect(await store.pathType(head, 'link.yaml')).toBe('symlink')
    expect(await store.pathType(head, 'nope')).toBeNull()

    write(dir, 'params.yaml', 'lr: 0.9\n')
    write(dir, 'dvc.lock', 'schema: "2.0"\n')
    write(dir, 'run.log', 'ignored\n')
    rmSync(join(dir, 'src/run.sh'))
    const sha = await store.snapshot({ parent: baseline, message: 'exp', include: ['dvc.lock', 'run.log'], workTree: dir })
    expect(git(root, 'rev-parse', `${sha}^`)).toBe(baseline)
    expect(git(root, 'ls-tree', '-r', '--name-only', sha).split('\n').sort()).toEqual(['.gitignore', 'dvc.lock', 'link.yaml', 'params.yaml'])
    expect(git(root, 'show', `${sha}:params.yaml`)).toBe('lr: 0.9') // the objects are in the main repository
    git(root, 'fsck', '--strict', '--no-dangling')
    expect(readdirSync(join(dir, '.git', 'objects')).sort()).toEqual(['info'])
    expect(untouchedState(root)).toEqual(before)
    await expect(store.checkoutTree(head, dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    writeFileSync(join(root, 'not-a-worktree'), '')
    await expect(store.snapshot({ parent: head, message: 'x', workTree: join(root, 'src') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
