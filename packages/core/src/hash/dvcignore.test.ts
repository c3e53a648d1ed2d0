import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { DvcIgnore } from './dvcignore.js'
import { walkFiles, walkFilesWith } from './dir-hash.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trellis-dvcignore-'))
  dirs.push(root)
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true })
    writeFileSync(join(root, rel), content)
  }
  return root
}

describe('DvcIgnore', () => {
  it('applies root and nested files, negation, directory-only patterns and the built-ins', () => {
    const root = tree({
      '.dvcignore': '*.log\n!keep.log\nbuild/\n/anchored.txt\n',
      'sub/.dvcignore': 'local.txt\n!*.log\n',
    })
    const ig = new DvcIgnore(root)
    expect(ig.isIgnored('x.log')).toBe(true)
    expect(ig.isIgnored('a/keep.log')).toBe(false)
    expect(ig.isIgnored('a/build/x.txt')).toBe(true)
    expect(ig.isIgnored('a/build')).toBe(false) // a file named build: directory-only pattern
    expect(ig.isIgnored('anchored.txt')).toBe(true)
    expect(ig.isIgnored('a/anchored.txt')).toBe(false)
    expect(ig.isIgnored('sub/local.txt')).toBe(true)
    expect(ig.isIgnored('local.txt')).toBe(false)
    expect(ig.isIgnored('sub/x.log')).toBe(false) // the nested file's negation comes last
    expect(ig.isIgnored('sub/build/x.log')).toBe(true) // an ignored ancestor wins
    expect(ig.isIgnored('a/.git/config')).toBe(true)
    expect(ig.isIgnored('.dvc/config')).toBe(true)
  })

  it('filters a directory walk and refuses a .dvcignore inside it', () => {
    const root = tree({
      '.dvcignore': 'data/tmp/\n*.log\n',
      'data/a.txt': 'a',
      'data/tmp/t.txt': 't',
      'data/x.log': 'l',
      'other/.dvcignore': 'a\n',
      'other/a': 'a',
    })
    const ig = new DvcIgnore(root)
    const seen: string[] = []
    walkFilesWith(join(root, 'data'), (rel) => seen.push(rel), ig.walkFilter('data'))
    expect(seen).toEqual(['a.txt'])
    expect(walkFiles(join(root, 'data')).map((f) => f.relpath).sort()).toEqual(['a.txt', 'tmp/t.txt', 'x.log'])
    expect(() => walkFilesWith(join(root, 'other'), () => {}, ig.walkFilter('other'))).toThrow(
      `.dvcignore file should not be in collected dir path: '${join(root, 'other')}'`,
    )
  })
})
