import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ExpRefTips } from './exp-ref-tips.js'

let dir: string
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim()

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-ref-tips-'))
  git('init', '-q', '-b', 'main')
  git('commit', '-q', '--allow-empty', '-m', 'a')
  git('commit', '-q', '--allow-empty', '-m', 'b')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const REF = (baseline: string, name: string) => `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`

describe('ExpRefTips', () => {
  it('reads loose and packed refs, the loose one winning', () => {
    const [a, b] = [git('rev-parse', 'HEAD~1'), git('rev-parse', 'HEAD')]
    git('update-ref', REF(a, 'x'), a)
    git('pack-refs', '--all')
    git('update-ref', REF(a, 'y'), b)
    const tips = new ExpRefTips(join(dir, '.git'))
    tips.load()
    expect(Object.fromEntries(tips.all())).toEqual({ [REF(a, 'x')]: a, [REF(a, 'y')]: b })
    git('update-ref', REF(a, 'x'), b) // a loose file now overrides the packed entry
    expect(tips.readPath(REF(a, 'x'))).toEqual([REF(a, 'x')])
    expect(tips.tip(REF(a, 'x'))).toBe(b)
  })

  it('a new directory is walked; a removed one forgets its refs; packed-refs changes are diffed', () => {
    const [a, b] = [git('rev-parse', 'HEAD~1'), git('rev-parse', 'HEAD')]
    const tips = new ExpRefTips(join(dir, '.git'))
    tips.load()
    git('update-ref', REF(b, 'p'), a)
    git('update-ref', REF(b, 'q'), b)
    const baselineDir = `refs/exps/${b.slice(0, 2)}/${b.slice(2)}`
    expect(tips.readPath(baselineDir).sort()).toEqual([baselineDir, REF(b, 'p'), REF(b, 'q')].sort())
    expect(tips.tip(REF(b, 'q'))).toBe(b)
    git('update-ref', '-d', REF(b, 'p'))
    git('update-ref', '-d', REF(b, 'q'))
    rmSync(join(dir, '.git', baselineDir), { recursive: true, force: true })
    expect(tips.readPath(baselineDir)).toEqual(expect.arrayContaining([REF(b, 'p'), REF(b, 'q')]))
    expect(tips.all().size).toBe(0)
    git('update-ref', REF(a, 'z'), a)
    git('pack-refs', '--all')
    expect(tips.reloadPacked()).toEqual([REF(a, 'z')])
    expect(tips.reloadPacked()).toEqual([])
  })
})
