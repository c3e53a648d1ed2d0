/**
 * `.dvcignore` (root and nested) against real DVC: directory hashes, sizes and nfiles
 * leave ignored files out exactly as DVC does, a negated pattern re-includes a file,
 * an ignored dvc.yaml is not collected, and a `.dvcignore` inside a hashed directory
 * is refused with DVC's message.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from '../support/repo.js'
import { dvc, dvcOk, type DvcName } from '../support/dvc.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const FILES = {
  '.dvcignore': 'data/tmp/\n*.log\n!keep.log\nign/\n',
  'sub/.dvcignore': '  *.tmp  \n# a comment\n',
  'data/a.txt': 'a\n',
  'data/tmp/t.txt': 't\n',
  'data/x.log': 'l\n',
  'data/keep.log': 'k\n',
  'data/.git': 'gitdir: elsewhere\n', // DVC's built-in pattern
  'sub/data/s.txt': 's\n',
  'sub/data/s.tmp': 's2\n',
  'dvc.yaml': 'stages:\n  s:\n    cmd: echo x > out.txt\n    deps: [data, sub/data]\n    outs: [out.txt]\n',
  'ign/dvc.yaml': 'stages:\n  never:\n    cmd: exit 1\n    deps: [missing]\n',
}

// the deps section, without DVC 3's `hash: md5` lines (no CRLF here: the md5 values are equal)
const depsOf = (lock: string) => lock.slice(lock.indexOf('deps:'), lock.indexOf('outs:')).replaceAll('      hash: md5\n', '')

describe.each<DvcName>(['dvc2', 'dvc3'])('.dvcignore with %s', (name) => {
  it('directory hashes leave out ignored files exactly as DVC does; ignored pipelines are not collected', async () => {
    const ours = makeRepo(FILES)
    const theirs = makeRepo(FILES)
    repos.push(ours, theirs)
    const res = await ours.run(['repro'])
    expect(res.code, res.stderr).toBe(0)
    await dvcOk(name, theirs, ['repro'])
    const lock = ours.read('dvc.lock')
    expect(lock).toContain('    - path: data\n')
    expect(lock).toMatch(/path: data\n(.*\n)*?      size: 4\n      nfiles: 2\n/) // a.txt + keep.log
    expect(depsOf(lock)).toBe(depsOf(theirs.read('dvc.lock')))
    // and each finds the other's work up to date, including over every collected pipeline
    expect(JSON.parse(await dvcOk(name, ours, ['status', '--json']))).toEqual({})
    const st = await theirs.run(['status', '--json'])
    expect(JSON.parse(st.stdout)).toEqual({})
    // touching an ignored file changes nothing
    ours.write('data/tmp/t.txt', 'changed\n')
    ours.write('sub/data/s.tmp', 'changed\n')
    expect(JSON.parse((await ours.run(['status', '--json'])).stdout)).toEqual({})
    expect(JSON.parse(await dvcOk(name, ours, ['status', '--json']))).toEqual({})
    // a file no pattern covers does
    ours.write('data/new.txt', 'n\n')
    expect(JSON.parse((await ours.run(['status', '--json'])).stdout)).toEqual({ s: [{ 'changed deps': { data: 'modified' } }] })
  })

  it('a .dvcignore inside a hashed directory is refused, with the message DVC gives', async () => {
    const files = { ...FILES, 'data/.dvcignore': 'a.txt\n' }
    const ours = makeRepo(files)
    const theirs = makeRepo(files)
    repos.push(ours, theirs)
    const res = await ours.run(['repro'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain(`.dvcignore file should not be in collected dir path: '${ours.path('data')}'`)
    expect(ours.exists('dvc.lock')).toBe(false)
    const dvcRes = await dvc(name, theirs, ['repro'])
    expect(dvcRes.code).not.toBe(0)
    // DVC 2.x names the file ('…/data/.dvcignore'), 3.x the directory, as Trellis does
    expect(dvcRes.stderr).toContain(`.dvcignore file should not be in collected dir path: '${theirs.path('data')}`)
  })
})
