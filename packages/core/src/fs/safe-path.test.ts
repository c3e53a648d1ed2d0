import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../errors.js'
import { WorkTreeGuard, unsafeName } from './safe-path.js'

describe('unsafeName: what git refuses to check out', () => {
  it.each([
    ['.git/hooks/pre-commit', '.git'],
    ['.GIT/hooks/x', '.GIT'],
    ['sub/.git/hooks/x', '.git'],
    ['sub/.Git', '.Git'],
    ['.git./config', '.git.'],
    ['.git /config', '.git '],
    ['.git::$INDEX_ALLOCATION/x', '.git::'],
    ['GIT~1/hooks/x', 'GIT~1'],
    ['.g\u200cit/hooks/x', '.g'],
    ['a\\.git\\hooks', '.git'],
    ['../escaped.txt', "'..'"],
    ['a/../../x', "'..'"],
    ['./x', "'.'"],
    ['a//b', 'empty component'],
    ['a/', 'empty component'],
    ['/etc/passwd', 'absolute'],
    ['C:/x', 'absolute'],
    ['', 'empty'],
    ['a\0b', 'NUL'],
    ['.dvc/tmp/exps/apply-undo/PENDING', '.dvc/tmp'],
    ['.dvc/cache/ab/cdef', '.dvc/cache'],
    ['sub/.DVC/config.local', '.DVC/config.local'],
  ])('%j is refused (%s)', (path, why) => {
    expect(unsafeName(path)).toContain(why)
  })

  it.each(['a/b.txt', '.gitignore', '.gitattributes', '.github/workflows/ci.yml', '.gitx', 'git~2', '.dvc/config', '.dvc/.gitignore', 'x/.dvcignore', 'data/.dvc', 'my.git', '...', '..a'])(
    '%j is fine',
    (path) => {
      expect(unsafeName(path)).toBeUndefined()
    },
  )

  it("Trellis' own files in DVC's internals pass with `internal`; .git never does", () => {
    expect(unsafeName('.dvc/config.local', { internal: true })).toBeUndefined()
    expect(unsafeName('.dvc/tmp/repro.dat', { internal: true })).toBeUndefined()
    expect(unsafeName('.git/config', { internal: true })).toContain('.git')
  })

  it('a .gitmodules (or its NTFS short names) may not be a symlink, but may be a file', () => {
    expect(unsafeName('.gitmodules', { symlink: true })).toContain('symlink')
    expect(unsafeName('sub/GITMOD~1', { symlink: true })).toContain('symlink')
    expect(unsafeName('.gitmodules')).toBeUndefined()
  })
})

describe('WorkTreeGuard: paths resolved through the real filesystem', () => {
  let base: string
  let root: string
  let outside: string
  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'trellis-guard-')))
    root = join(base, 'repo')
    outside = join(base, 'outside')
    mkdirSync(join(root, '.git', 'hooks'), { recursive: true })
    mkdirSync(join(root, 'real'), { recursive: true })
    mkdirSync(outside)
    writeFileSync(join(outside, 'p.yaml'), 'a: 1\n')
    writeFileSync(join(root, 'real', 'p.yaml'), 'a: 1\n')
  })
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  const refusal = (fn: () => unknown): TrellisError => {
    try {
      fn()
    } catch (error) {
      if (error instanceof TrellisError) return error
      throw error
    }
    throw new Error('not refused')
  }

  it('plain paths (existing or not) resolve inside the root', () => {
    const guard = new WorkTreeGuard(root)
    expect(guard.path('real/p.yaml')).toBe(join(root, 'real', 'p.yaml'))
    expect(guard.path('new/dir/file')).toBe(join(root, 'new', 'dir', 'file'))
  })

  it('a parent symlink leading outside is refused, naming the link and its target', () => {
    symlinkSync(outside, join(root, 'lnk'))
    const error = refusal(() => new WorkTreeGuard(root).path('lnk/p.yaml', { source: 'dvc.lock' }))
    expect(error.code).toBe('UNSAFE_PATH')
    expect(error.message).toBe(`refusing to write 'lnk/p.yaml' (dvc.lock): 'lnk' is a symlink to '${outside}', which leads outside the work tree`)
  })

  it('a relative symlink climbing out, and one through another link, are refused', () => {
    symlinkSync('../outside', join(root, 'up'))
    symlinkSync('up', join(root, 'chain'))
    expect(refusal(() => new WorkTreeGuard(root).path('chain/x')).message).toContain("'chain' is a symlink to 'up'")
    expect(refusal(() => new WorkTreeGuard(root).path('up/x')).code).toBe('UNSAFE_PATH')
  })

  it('a parent symlink staying inside is followed; one into .git is refused', () => {
    symlinkSync('real', join(root, 'alias'))
    symlinkSync('.git', join(root, 'g'))
    expect(new WorkTreeGuard(root).path('alias/p.yaml')).toBe(join(root, 'real', 'p.yaml'))
    expect(refusal(() => new WorkTreeGuard(root).path('g/hooks/post-checkout')).message).toContain("through the symlink 'g' it is '.git/hooks/post-checkout'")
  })

  it("final 'replace' names the link itself; 'follow' edits an inside target and refuses an outside one", () => {
    symlinkSync('real/p.yaml', join(root, 'in.yaml'))
    symlinkSync(join(outside, 'p.yaml'), join(root, 'out.yaml'))
    const guard = new WorkTreeGuard(root)
    expect(guard.path('out.yaml')).toBe(join(root, 'out.yaml'))
    expect(guard.path('in.yaml', { final: 'follow' })).toBe(join(root, 'real', 'p.yaml'))
    expect(refusal(() => guard.path('out.yaml', { final: 'follow' })).message).toContain("'out.yaml': it is a symlink to")
  })

  it('a symlink the same write set creates is followed as if it were there; a planned deletion is not', () => {
    const guard = new WorkTreeGuard(root)
    guard.plan('lnk', { symlink: outside })
    expect(guard.check('lnk', { symlink: true })).toBe(join(root, 'lnk'))
    expect(guard.check('lnk/pw.txt', { source: 'dvc.lock' })).toBeUndefined()
    symlinkSync(outside, join(root, 'gone'))
    guard.plan('gone', null)
    expect(guard.check('gone/x')).toBe(join(root, 'gone', 'x'))
    expect(guard.refused).toEqual([{ path: 'lnk/pw.txt', source: 'dvc.lock', reason: `'lnk' is a symlink to '${outside}', which leads outside the work tree` }])
    expect(refusal(() => guard.assertSafe()).message).toContain("refusing to write 'lnk/pw.txt'")
  })

  it('a planned symlink below an in-repo symlinked directory is found where it will really be', () => {
    symlinkSync('real', join(root, 'alias'))
    const guard = new WorkTreeGuard(root)
    guard.plan('alias/x', { symlink: outside })
    expect(guard.check('real/x/pw.txt')).toBeUndefined()
    expect(guard.check('alias/x/pw.txt')).toBeUndefined()
    expect(guard.refused.map((r) => r.path)).toEqual(['real/x/pw.txt', 'alias/x/pw.txt'])
  })

  it('every refusal of a set is reported in one error', () => {
    const guard = new WorkTreeGuard(root)
    for (const p of ['.git/hooks/x', 'ok.txt', '../x']) guard.check(p)
    const error = refusal(() => guard.assertSafe())
    expect(error.message.split('\n')[0]).toBe('refusing to write 2 paths:')
    expect(error.message).toContain("\t'.git/hooks/x': it has a '.git' component")
    expect(error.message).toContain("\t'../x': it has a '..' component")
    expect(error.hint).toContain('Nothing was written.')
  })

  it('a symlink loop is refused, not followed for ever', () => {
    symlinkSync('b', join(root, 'a'))
    symlinkSync('a', join(root, 'b'))
    expect(refusal(() => new WorkTreeGuard(root).path('a/x')).message).toContain('too many levels of symbolic links')
  })

  it('a root reached through a symlink: links back into it stay inside', () => {
    const alias = join(base, 'alias')
    symlinkSync(root, alias)
    symlinkSync(join(root, 'real'), join(root, 'abs'))
    expect(new WorkTreeGuard(alias).path('abs/p.yaml')).toBe(join(root, 'real', 'p.yaml'))
  })
})
