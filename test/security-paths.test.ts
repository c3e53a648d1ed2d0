/**
 * Issue 15, findings 1–4: nothing a pulled experiment, a dvc.lock, dvc.yaml, an undo record
 * or `-S` names makes Trellis write outside the work tree or into `.git`. Each case is a
 * crafted repository (the hostile experiment is built with git plumbing, its tree object
 * written byte by byte, since git's own tools refuse `..` and `.git` entries) driven
 * through the real CLI; "nothing was written" is checked on disk.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writeCacheObject } from './support/dvc-model-experiment.js'
import { makeRepo, type Repo } from './support/repo.js'
import { gitIn, makeTeam, ok, type Team } from './support/team.js'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((f) => f()))

function team(): Team {
  const t = makeTeam({ dvcRemote: false })
  cleanups.push(() => t.remove())
  return t
}

function repo(files: Record<string, string> = {}): Repo {
  const r = makeRepo(files)
  cleanups.push(() => r.remove())
  return r
}

/** A directory outside every repository, holding `files`. */
function outsideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-outside-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

interface TreeEntry {
  mode: string
  name: string
  sha: string
}

/** git's tree order: names compared as bytes, a tree's name with a trailing '/'. */
function sortKey(e: TreeEntry): string {
  return e.mode === '40000' ? `${e.name}/` : e.name
}

/** Write a tree object from raw bytes (`--literally`: git's checks would refuse `..` and `.git`). */
function writeTree(r: Repo, entries: TreeEntry[]): string {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(sortKey(a)), Buffer.from(sortKey(b))))
  const bytes = Buffer.concat(sorted.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])))
  return execFileSync('git', ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { cwd: r.dir, input: bytes, encoding: 'utf8' }).trim()
}

function blob(r: Repo, content: string): string {
  return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: r.dir, input: content, encoding: 'utf8' }).trim()
}

/** The entries of HEAD's root tree. */
function headEntries(r: Repo): TreeEntry[] {
  return r.git('ls-tree', 'HEAD').split('\n').map((line) => {
    const [meta, name] = line.split('\t') as [string, string]
    const [mode, , sha] = meta.split(' ') as [string, string, string]
    return { mode: mode === '040000' ? '40000' : mode, name, sha }
  })
}

/** A one-file chain of trees: `dirs[0]/dirs[1]/.../file`. */
function nested(r: Repo, dirs: string[], file: string, content: string, mode = '100644'): TreeEntry {
  let entry: TreeEntry = { mode, name: file, sha: blob(r, content) }
  for (const dir of [...dirs].reverse()) entry = { mode: '40000', name: dir, sha: writeTree(r, [entry]) }
  return entry
}

const md5 = (s: string) => execFileSync('md5sum', { input: s, encoding: 'utf8' }).split(' ')[0]!

describe('a pulled experiment cannot write into .git or outside the work tree (findings 1, 2)', () => {
  it('exp pull + exp apply of a hostile tree refuses every bad path and writes nothing; --undo deletes nothing', async () => {
    const { alice, bob, base } = team()
    const outside = outsideDir({ 'pw.txt': 'secret\n' })
    const stolen = 'attacker content\n'
    const stolenMd5 = md5(stolen)

    // the attacker's experiment: HEAD's tree plus hostile entries, pushed with plain git
    const fullTree = headEntries(alice)
    const headTree = fullTree.filter((e) => e.name !== 'dvc.yaml')
    const tree = writeTree(alice, [
      ...headTree,
      nested(alice, ['.git', 'hooks'], 'pre-commit', '#!/bin/sh\ntouch PWNED\n', '100755'),
      nested(alice, ['.GIT', 'hooks'], 'post-checkout', '#!/bin/sh\n', '100755'),
      nested(alice, ['sub', '.git', 'hooks'], 'x', '#!/bin/sh\n', '100755'),
      { mode: '120000', name: 'lnk', sha: blob(alice, outside) },
      { mode: '100644', name: 'dvc.yaml', sha: blob(alice, 'stages:\n  steal:\n    cmd: "true"\n    outs:\n    - lnk/pw.txt\n') },
      { mode: '100644', name: 'dvc.lock', sha: blob(alice, `schema: '2.0'\nstages:\n  steal:\n    cmd: 'true'\n    outs:\n    - path: lnk/pw.txt\n      md5: ${stolenMd5}\n      size: ${stolen.length}\n`) },
    ])
    // and one that only climbs out of the work tree: a tree entry named '..'
    const escapeTree = writeTree(alice, [...fullTree, nested(alice, ['..'], 'escaped.txt', 'escaped\n')])
    const head = alice.git('rev-parse', 'HEAD')
    const push = (name: string, t: string) => {
      const sha = alice.git('commit-tree', '-p', head, '-m', name, t)
      const ref = `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/${name}`
      alice.git('update-ref', ref, sha)
      alice.git('push', '-q', 'origin', `${ref}:${ref}`)
      return [ref, sha] as const
    }
    const [ref, sha] = push('hostile', tree)
    push('escape', escapeTree)

    await ok(bob, ['exp', 'pull', 'origin', 'hostile', 'escape', '--no-cache'])
    expect(bob.git('rev-parse', ref)).toBe(sha)
    writeCacheObject(bob, stolen) // the output's object is there: only the path check can stop it
    // the project lock and state db live in .dvc/tmp: anything else changing is a write
    const status = () => bob.git('status', '--porcelain', '--ignored', '--untracked-files=all').split('\n').filter((l) => !l.startsWith('!! .dvc/tmp/'))
    const before = status()

    const apply = await bob.run(['exp', 'apply', 'hostile'])
    expect(apply.code).not.toBe(0)
    const lines = apply.stderr.trim().split('\n')
    expect(lines[0]).toBe('ERROR: refusing to write 4 paths:')
    expect(apply.stderr).toContain("'.git/hooks/pre-commit' (in the experiment's tree): it has a '.git' component")
    expect(apply.stderr).toContain("'.GIT/hooks/post-checkout' (in the experiment's tree): it has a '.GIT' component")
    expect(apply.stderr).toContain("'sub/.git/hooks/x' (in the experiment's tree): it has a '.git' component")
    expect(apply.stderr).toContain(`'lnk/pw.txt' (an output in the applied dvc.lock or .dvc files): 'lnk' is a symlink to '${outside}', which leads outside the work tree`)
    expect(apply.stderr).toMatch(/hint: Nothing was written\./)
    expect(apply.stderr).not.toContain('    at ') // no stack trace

    // nothing written anywhere
    expect(readFileSync(join(outside, 'pw.txt'), 'utf8')).toBe('secret\n')
    expect(existsSync(bob.path('.git/hooks/pre-commit'))).toBe(false)
    expect(existsSync(bob.path('.GIT'))).toBe(false)
    expect(existsSync(bob.path('sub'))).toBe(false)
    expect(existsSync(bob.path('lnk'))).toBe(false)
    expect(existsSync(join(base, 'escaped.txt'))).toBe(false)
    expect(status()).toEqual(before)
    expect(gitIn(bob.dir, 'for-each-ref', 'refs/exps/exec')).toBe('')

    const escape = await bob.run(['exp', 'apply', 'escape'])
    expect(escape.code).not.toBe(0)
    expect(escape.stderr).toContain("ERROR: refusing to write '../escaped.txt' (in the experiment's tree): it has a '..' component")
    expect(existsSync(join(base, 'escaped.txt'))).toBe(false)
    expect(status()).toEqual(before)

    const undo = await bob.run(['exp', 'apply', '--undo'])
    expect(undo.code).not.toBe(0)
    expect(undo.stderr).toContain('Nothing to undo')
    expect(readFileSync(join(outside, 'pw.txt'), 'utf8')).toBe('secret\n')
  })

  it('an undo record (or an interrupted apply) naming an output behind an outward symlink deletes nothing', async () => {
    const r = repo({ 'params.yaml': 'lr: 1\n' })
    const outside = outsideDir({ 'pw.txt': 'secret\n' })
    symlinkSync(outside, r.path('lnk'))
    const head = r.git('rev-parse', 'HEAD')
    // what the record says apply wrote there is exactly what is there: undo would remove it
    const record = { version: 1, applied: head, name: 'x', head, execApply: null, dvcRoot: '', files: [], outputs: [{ path: 'lnk/pw.txt', before: null, after: { md5: md5('secret\n') } }] }
    const tree = writeTree(r, [{ mode: '100644', name: 'record.json', sha: blob(r, JSON.stringify(record)) }])
    const sha = r.git('commit-tree', '-m', `trellis: undo record of exp apply ${head} (x)`, tree)
    r.git('update-ref', 'refs/exps/exec/TRELLIS_APPLY_UNDO', sha)

    const undo = await r.run(['exp', 'apply', '--undo'])
    expect(undo.code).not.toBe(0)
    expect(undo.stderr).toContain(`ERROR: refusing to write 'lnk/pw.txt' (an output in the undo record): 'lnk' is a symlink to '${outside}', which leads outside the work tree`)
    expect(readFileSync(join(outside, 'pw.txt'), 'utf8')).toBe('secret\n')

    // the journal of an interrupted apply is rolled back by the next apply: same check
    mkdirSync(r.path('.dvc/tmp/exps/apply-undo'), { recursive: true })
    writeFileSync(r.path('.dvc/tmp/exps/apply-undo/PENDING'), JSON.stringify({ record: sha, operation: 'apply' }))
    const apply = await r.run(['exp', 'apply', 'anything'])
    expect(apply.code).not.toBe(0)
    expect(apply.stderr).toContain("ERROR: refusing to write 'lnk/pw.txt'")
    expect(readFileSync(join(outside, 'pw.txt'), 'utf8')).toBe('secret\n')
  })
})

describe('symlinks that stay inside the work tree still work', () => {
  it('exp apply of a tree adding an in-repo symlink writes its output through it', async () => {
    const r = repo({ 'store/.keep': '' })
    const model = 'model bytes\n'
    writeCacheObject(r, model)
    const tree = writeTree(r, [
      ...headEntries(r),
      { mode: '120000', name: 'models', sha: blob(r, 'store') },
      { mode: '100644', name: 'dvc.yaml', sha: blob(r, 'stages:\n  train:\n    cmd: "true"\n    outs:\n    - models/m.txt\n') },
      { mode: '100644', name: 'dvc.lock', sha: blob(r, `schema: '2.0'\nstages:\n  train:\n    cmd: 'true'\n    outs:\n    - path: models/m.txt\n      md5: ${md5(model)}\n      size: ${model.length}\n`) },
    ])
    const head = r.git('rev-parse', 'HEAD')
    r.git('update-ref', `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/linked`, r.git('commit-tree', '-p', head, '-m', 'linked', tree))
    await ok(r, ['exp', 'apply', 'linked'])
    expect(lstatSync(r.path('models')).isSymbolicLink()).toBe(true)
    expect(r.read('store/m.txt')).toBe(model)
  })
})

describe('repro never follows a symlink out of the work tree (finding 3)', () => {
  it('an output under a symlinked directory is refused before the stage runs or anything is deleted', async () => {
    const outside = outsideDir({ precious: 'keep me\n' })
    const r = repo({ 'dvc.yaml': 'stages:\n  make:\n    cmd: touch ran && echo new > link/precious\n    outs:\n    - link/precious\n' })
    symlinkSync(outside, r.path('link'))
    const res = await r.run(['repro'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain(`ERROR: refusing to write 2 paths:
\t'link/precious' (output of stage 'make', dvc.yaml:2): 'link' is a symlink to '${outside}', which leads outside the work tree
\t'link/.gitignore' (the .gitignore of output 'link/precious'): 'link' is a symlink to '${outside}', which leads outside the work tree
  hint: Nothing was written.`)
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep me\n')
    expect(existsSync(join(outside, '.gitignore'))).toBe(false)
    expect(r.exists('ran')).toBe(false)
    expect(r.exists('dvc.lock')).toBe(false)
  })

  it('a symlink a stage makes is checked again when a later stage writes through it', async () => {
    const outside = outsideDir({ precious: 'keep me\n' })
    const r = repo({
      'dvc.yaml': `stages:\n  a:\n    cmd: ln -s ${outside} link && echo a > a.txt\n    outs:\n    - a.txt\n  b:\n    cmd: touch ran && echo new > link/precious\n    deps:\n    - a.txt\n    outs:\n    - link/precious\n`,
    })
    const res = await r.run(['repro'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain(`refusing to write 'link/precious' (an output): 'link' is a symlink to '${outside}', which leads outside the work tree`)
    expect(res.stderr).toContain('hint: This path was not written.')
    expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep me\n')
    expect(r.exists('ran')).toBe(false)
  })

  it("an output inside .git (any case, any depth) is refused with the dvc.yaml line, and the hook is not written", async () => {
    const r = repo({ 'dvc.yaml': 'stages:\n  hook:\n    cmd: echo pwned > .git/hooks/pre-commit\n    outs:\n    - .git/hooks/pre-commit\n  deep:\n    cmd: "true"\n    outs:\n    - vendor/.Git/config\n' })
    const res = await r.run(['repro'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("'.git/hooks/pre-commit' (output of stage 'hook', dvc.yaml:2): it has a '.git' component")
    expect(res.stderr).toContain("'vendor/.Git/config' (output of stage 'deep', dvc.yaml:6): it has a '.Git' component")
    expect(r.exists('.git/hooks/pre-commit')).toBe(false)
  })

  it('a .gitignore that is a symlink out of the tree is refused; one pointing inside is edited at its target', async () => {
    const outside = outsideDir({ gitignore: '# theirs\n' })
    const r = repo({ 'dvc.yaml': 'stages:\n  make:\n    cmd: echo m > model.txt\n    outs:\n    - model.txt\n' })
    symlinkSync(join(outside, 'gitignore'), r.path('.gitignore'))
    const res = await r.run(['repro'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("ERROR: refusing to write '.gitignore' (the .gitignore of output 'model.txt'): it is a symlink to")
    expect(readFileSync(join(outside, 'gitignore'), 'utf8')).toBe('# theirs\n')
    expect(r.exists('model.txt')).toBe(false)

    rmSync(r.path('.gitignore'))
    r.write('conf/ignore', '# ours\n')
    symlinkSync('conf/ignore', r.path('.gitignore'))
    await ok(r, ['repro'])
    expect(lstatSync(r.path('.gitignore')).isSymbolicLink()).toBe(true)
    expect(r.read('conf/ignore')).toBe('# ours\n/model.txt\n')
  })
})

describe('-S never edits a file outside the work tree (finding 4)', () => {
  const DVC_YAML = 'stages:\n  s:\n    cmd: cat conf.yaml > out.txt\n    deps: [conf.yaml]\n    outs: [out.txt]\n'

  it('through a symlinked directory or a symlinked file leading out: refused, nothing runs', async () => {
    const outside = outsideDir({ 'p.yaml': 'key: 1\n' })
    const r = repo({ 'dvc.yaml': DVC_YAML, 'conf.yaml': 'lr: 1\n' })
    symlinkSync(outside, r.path('dir'))
    symlinkSync(join(outside, 'p.yaml'), r.path('out.yaml'))
    r.commitAll('links')

    const viaDir = await r.run(['exp', 'run', '-S', 'dir/p.yaml:key=9'])
    expect(viaDir.code).not.toBe(0)
    expect(viaDir.stderr).toContain(`ERROR: refusing to write 'dir/p.yaml' (-S): 'dir' is a symlink to '${outside}', which leads outside the work tree`)
    const viaFile = await r.run(['exp', 'run', '-S', 'out.yaml:key=9'])
    expect(viaFile.code).not.toBe(0)
    expect(viaFile.stderr).toContain(`ERROR: refusing to write 'out.yaml' (-S): it is a symlink to '${join(outside, 'p.yaml')}', which leads outside the work tree`)
    expect(readFileSync(join(outside, 'p.yaml'), 'utf8')).toBe('key: 1\n')
    expect(lstatSync(r.path('out.yaml')).isSymbolicLink()).toBe(true)
    expect(r.exists('out.txt')).toBe(false)
  })

  it('a symlinked params file inside the work tree is edited at its target, and stays a symlink', async () => {
    const r = repo({ 'dvc.yaml': DVC_YAML, 'real/conf.yaml': 'lr: 1 # the rate\n' })
    symlinkSync('real/conf.yaml', r.path('conf.yaml'))
    r.commitAll('link')
    await ok(r, ['exp', 'run', '-S', 'conf.yaml:lr=5'])
    expect(lstatSync(r.path('conf.yaml')).isSymbolicLink()).toBe(true)
    expect(r.read('real/conf.yaml')).toBe('lr: 5 # the rate\n')
    expect(r.read('out.txt')).toBe('lr: 5 # the rate\n')
  })
})
