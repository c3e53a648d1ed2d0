/** `trellis add` and `trellis commit` through the CLI. */
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))
function repo(files: Record<string, string> = {}): Repo {
  const r = makeRepo(files)
  repos.push(r)
  return r
}

describe('trellis add', () => {
  it('writes DVC .dvc files for a file and a directory, caches the data and git-ignores it', async () => {
    const r = repo()
    r.write('data/a.txt', 'a\n').write('data/sub/b.txt', 'b\n').write('raw.csv', 'x,y\n1,2\n')
    const add = await r.run(['add', 'data', 'raw.csv'])
    expect(add.code).toBe(0)
    expect(add.stdout).toBe('\nTo track the changes with git, run:\n\n\tgit add .gitignore data.dvc raw.csv.dvc\n')
    // DVC 2.x's bytes (md5 of "x,y\n1,2\n" and of the manifest of data/)
    expect(r.read('raw.csv.dvc')).toBe('outs:\n- md5: 4f0fd1b6b3d0a3a4a4ec9e1d8ac3d9d2\n  size: 8\n  path: raw.csv\n'.replace('4f0fd1b6b3d0a3a4a4ec9e1d8ac3d9d2', md5('x,y\n1,2\n')))
    expect(r.read('data.dvc')).toMatch(/^outs:\n- md5: [0-9a-f]{32}\.dir\n  size: 4\n  nfiles: 2\n  path: data\n$/)
    expect(r.read('.gitignore')).toBe('/data\n/raw.csv\n')
    expect(existsSync(r.path(`.dvc/cache/${md5('a\n').slice(0, 2)}/${md5('a\n').slice(2)}`))).toBe(true)
    r.commitAll('track data')
    expect((await r.run(['checkout'])).stdout).toBe('')
    rmSync(r.path('data'), { recursive: true, force: true })
    expect((await r.run(['checkout'])).stdout).toBe('A\tdata/\n')
    expect(r.read('data/sub/b.txt')).toBe('b\n')
  })

  it('--no-commit leaves the cache alone; re-adding records new content; -R adds each file; --file names the .dvc file', async () => {
    const r = repo()
    r.write('a.txt', 'one\n').write('imgs/x.png', 'x').write('imgs/y.png', 'y').write('m.bin', 'm')
    await r.run(['add', '--no-commit', 'a.txt'])
    expect(r.read('a.txt.dvc')).toContain(`md5: ${md5('one\n')}`)
    expect(existsSync(r.path('.dvc/cache'))).toBe(false)
    r.write('a.txt', 'two\n')
    await r.run(['add', 'a.txt'])
    expect(r.read('a.txt.dvc')).toContain(`md5: ${md5('two\n')}`)
    const rec = await r.run(['add', '-R', 'imgs'])
    expect(rec.stdout).toContain('git add imgs/.gitignore imgs/x.png.dvc imgs/y.png.dvc')
    expect(r.read('imgs/x.png.dvc')).toContain('path: x.png')
    expect(r.read('imgs/.gitignore')).toBe('/x.png\n/y.png\n')
    await r.run(['add', 'm.bin', '--file', 'meta/model.dvc'])
    expect(r.read('meta/model.dvc')).toContain('path: ../m.bin')
    const both = await r.run(['add', 'a.txt', 'm.bin', '--file', 'x.dvc'])
    expect(both.stderr).toContain('ERROR: cannot use `fname` with multiple targets or `-R|--recursive`')
  })

  it('-o copies an outside path into the project and tracks it there', async () => {
    const r = repo()
    const outside = mkdtempSync(join(tmpdir(), 'trellis-outside-'))
    try {
      writeFileSync(join(outside, 'big.csv'), 'outside\n')
      const add = await r.run(['add', join(outside, 'big.csv'), '-o', 'data/big.csv'])
      expect(add.code).toBe(0)
      expect(r.read('data/big.csv')).toBe('outside\n')
      expect(r.read('data/big.csv.dvc')).toContain('path: big.csv')
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it('refuses paths outside the repository, through a symlink out, inside .git, git-tracked files and stage outputs, writing nothing', async () => {
    const r = repo({ 'dvc.yaml': 'stages:\n  train:\n    cmd: echo m > model.txt\n    outs: [model.txt, out/dir]\n', 'tracked.txt': 'git has me\n' })
    const outside = mkdtempSync(join(tmpdir(), 'trellis-outside-'))
    try {
      writeFileSync(join(outside, 'f'), 'f')
      symlinkSync(outside, r.path('link'))
      r.write('model.txt', 'm').write('out/dir/x', 'x').write('free.txt', 'free')
      const cases: Array<[string[], string]> = [
        [[join(outside, 'f')], "ERROR: cannot track '" + join(outside, 'f') + "': it is outside the repository"],
        [['../x'], "ERROR: cannot track '../x': it is outside the repository"],
        [['link/f'], "ERROR: cannot track 'link/f': 'link' is a symlink to '" + outside + "', which leads outside the work tree"],
        [['.git/config'], "ERROR: cannot track '.git/config': it has a '.git' component"],
        [['tracked.txt'], "ERROR: output 'tracked.txt' is already tracked by SCM (e.g. Git)."],
        [['model.txt'], "ERROR: output 'model.txt' is already specified in stage: 'train'."],
        [['out'], "ERROR: Cannot add 'out', because it is overlapping with other DVC tracked output: 'out/dir'."],
        [['out/dir/x'], "ERROR: Cannot add 'out/dir/x', because it is overlapping with other DVC tracked output: 'out/dir'."],
        [['free.txt', 'missing.txt'], "ERROR: output 'missing.txt' does not exist"],
      ]
      for (const [args, message] of cases) {
        const result = await r.run(['add', ...args])
        expect(result.code, args.join(' ')).not.toBe(0)
        expect(result.stderr, args.join(' ')).toContain(message)
        expect(result.stderr).toContain('hint:')
      }
      expect(existsSync(r.path('free.txt.dvc'))).toBe(false)
      expect(existsSync(r.path('.gitignore'))).toBe(false)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })
})

describe('trellis commit', () => {
  it('records a manual edit of an output in dvc.lock and the cache; asks unless -f, refuses without a terminal', async () => {
    const r = repo({ 'dvc.yaml': 'stages:\n  train:\n    cmd: echo model > model.txt\n    deps: [dvc.yaml]\n    outs: [model.txt]\n' })
    expect((await r.run(['repro'])).code).toBe(0)
    chmodSync(r.path('model.txt'), 0o644)
    r.write('model.txt', 'hand-tuned\n')
    const lockBefore = r.read('dvc.lock')
    const refused = await r.run(['commit'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("ERROR: unable to commit changed stage: 'train' without confirmation: stdin is not a terminal.")
    expect(refused.stderr).toContain('Use `-f|--force` to force.')
    expect(r.read('dvc.lock')).toBe(lockBefore)
    const forced = await r.run(['commit', '-f', 'train'])
    expect(forced.code).toBe(0)
    expect(r.read('dvc.lock')).toContain(`md5: ${md5('hand-tuned\n')}`)
    expect(existsSync(r.path(`.dvc/cache/${md5('hand-tuned\n').slice(0, 2)}/${md5('hand-tuned\n').slice(2)}`))).toBe(true)
    expect((await r.run(['status'])).stdout).toContain('up to date')
    // nothing changed: nothing to ask
    expect((await r.run(['commit'])).code).toBe(0)
  })

  it('updates a .dvc file after its data changed (-d takes upstream stages too)', async () => {
    const r = repo({ 'dvc.yaml': 'stages:\n  use:\n    cmd: cat raw.csv > copy.csv\n    deps: [raw.csv]\n    outs: [copy.csv]\n' })
    r.write('raw.csv', 'v1\n')
    await r.run(['add', 'raw.csv'])
    await r.run(['repro'])
    chmodSync(r.path('raw.csv'), 0o644)
    r.write('raw.csv', 'v2\n')
    const commit = await r.run(['commit', '-f', '-d', 'use'])
    expect(commit.code).toBe(0)
    expect(r.read('raw.csv.dvc')).toContain(`md5: ${md5('v2\n')}`)
    expect(r.read('dvc.lock')).toContain(`md5: ${md5('v2\n')}`)
    const unknown = await r.run(['commit', 'nope'])
    expect(unknown.stderr).toContain("ERROR: 'nope' does not exist as an output or a stage name")
  })
})

describe('DVC 3 projects', () => {
  const dvc3Object = (r: Repo, hash: string) => existsSync(r.path(`.dvc/cache/files/md5/${hash.slice(0, 2)}/${hash.slice(2)}`))
  const legacyObject = (r: Repo, hash: string) => existsSync(r.path(`.dvc/cache/${hash.slice(0, 2)}/${hash.slice(2)}`))

  it('add and commit write 3.x entries (plain md5, hash: md5, objects in files/md5) after init --dvc3', async () => {
    const r = makeRepo({}, { init: false, commit: false })
    repos.push(r)
    expect((await r.run(['init', '--dvc3'])).code).toBe(0)
    r.write('dvc.yaml', 'stages:\n  train:\n    cmd: echo model > model.txt\n    deps: [dvc.yaml]\n    outs: [model.txt]\n')
    r.commitAll('init')
    // CRLF text: its plain md5 (3.x) is not its md5-dos2unix (2.x)
    r.write('crlf.txt', 'a\r\nb\r\n')
    expect((await r.run(['add', 'crlf.txt'])).code).toBe(0)
    const plain = md5('a\r\nb\r\n')
    expect(plain).not.toBe(md5('a\nb\n'))
    expect(r.read('crlf.txt.dvc')).toBe(`outs:\n- md5: ${plain}\n  size: 6\n  hash: md5\n  path: crlf.txt\n`)
    expect([dvc3Object(r, plain), legacyObject(r, plain)]).toEqual([true, false])

    chmodSync(r.path('crlf.txt'), 0o644)
    r.write('crlf.txt', 'c\r\n')
    expect((await r.run(['commit', '-f', 'crlf.txt.dvc'])).code).toBe(0)
    expect(r.read('crlf.txt.dvc')).toBe(`outs:\n- md5: ${md5('c\r\n')}\n  size: 3\n  hash: md5\n  path: crlf.txt\n`)
    expect(dvc3Object(r, md5('c\r\n'))).toBe(true)

    expect((await r.run(['repro'])).code).toBe(0)
    chmodSync(r.path('model.txt'), 0o644)
    r.write('model.txt', 'hand-tuned\r\n')
    expect((await r.run(['commit', '-f', 'train'])).code).toBe(0)
    expect(r.read('dvc.lock')).toContain(`    - path: model.txt\n      hash: md5\n      md5: ${md5('hand-tuned\r\n')}\n`)
    expect([dvc3Object(r, md5('hand-tuned\r\n')), legacyObject(r, md5('hand-tuned\r\n'))]).toEqual([true, false])
    expect((await r.run(['status'])).stdout).toContain('up to date')
  })

  it('a project holding any 3.x entry gets 3.x entries from add; a 2.x project keeps 2.x ones', async () => {
    const r = repo()
    r.write('two.txt', 'two\r\n')
    expect((await r.run(['add', 'two.txt'])).code).toBe(0)
    expect(r.read('two.txt.dvc')).not.toContain('hash:')
    expect(legacyObject(r, md5('two\n'))).toBe(true)
    // a 3.x entry, as DVC 3 wrote it
    r.write('three.txt', 'three\n')
    r.write('three.txt.dvc', `outs:\n- md5: ${md5('three\n')}\n  size: 6\n  hash: md5\n  path: three.txt\n`)
    r.write('new.txt', 'new\r\n')
    expect((await r.run(['add', 'new.txt'])).code).toBe(0)
    expect(r.read('new.txt.dvc')).toBe(`outs:\n- md5: ${md5('new\r\n')}\n  size: 5\n  hash: md5\n  path: new.txt\n`)
    expect(dvc3Object(r, md5('new\r\n'))).toBe(true)
  })
})

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex')
}
