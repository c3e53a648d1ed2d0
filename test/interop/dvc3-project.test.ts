/**
 * DVC 3 projects: 3.x entries (`hash: md5`, plain md5, objects in `.dvc/cache/files/md5`)
 * read and written, legacy 2.x entries and objects still read in the same project,
 * 3.x `.dvc` files, and `trellis init --dvc3`; DVC 3.x itself agrees on each.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { makeRepo, type Repo } from '../support/repo.js'
import { dvc, dvcOk } from '../support/dvc.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

async function trellisOk(r: Repo, args: string[]): Promise<string> {
  const res = await r.run(args)
  if (res.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}

async function agreeUpToDate(r: Repo): Promise<void> {
  expect(JSON.parse(await dvcOk('dvc3', r, ['status', '--json']))).toEqual({})
  expect(JSON.parse(await trellisOk(r, ['status', '--json']))).toEqual({})
}

// plain md5 (3.x) of "a\r\nb\r\n"
const CRLF_MD5 = '59b0d7772f0561efb95518f3cb8abc60'

const objectPath = (r: Repo, md5: string, dvc3: boolean) => r.path(`.dvc/cache/${dvc3 ? 'files/md5/' : ''}${md5.slice(0, 2)}/${md5.slice(2)}`)

describe('DVC 3 projects', () => {
  it('Trellis writes 3.x entries where DVC 3 did, plain md5 and files/md5 objects; DVC 3 runs nothing after it', async () => {
    const r = makeRepo({
      'crlf.txt': 'a\r\nb\r\n',
      'd/x.txt': 'x\r\n',
      'dvc.yaml': 'stages:\n  s:\n    cmd: cat crlf.txt > out.txt && rm -rf od && cp -r d od\n    deps: [crlf.txt, d]\n    outs: [out.txt, od]\n',
    })
    repos.push(r)
    await dvcOk('dvc3', r, ['repro'])
    expect(r.read('dvc.lock')).toContain(`    - path: crlf.txt\n      hash: md5\n      md5: ${CRLF_MD5}\n      size: 6\n`)
    await agreeUpToDate(r)
    expect(await trellisOk(r, ['repro'])).not.toContain('Running stage')

    r.write('d/y.txt', 'y\r\n')
    const before = r.read('dvc.lock')
    expect(await trellisOk(r, ['repro'])).toContain("Running stage 's'")
    const after = r.read('dvc.lock')
    expect(after).not.toBe(before)
    expect(after).toContain(`    - path: crlf.txt\n      hash: md5\n      md5: ${CRLF_MD5}\n      size: 6\n`)
    expect(after).toMatch(/    - path: od\n      hash: md5\n      md5: [0-9a-f]{32}\.dir\n      size: 6\n      nfiles: 2\n/)
    const dir = /path: od\n      hash: md5\n      md5: ([0-9a-f]{32}\.dir)/.exec(after)![1]
    expect(existsSync(objectPath(r, dir, true))).toBe(true)
    expect(existsSync(objectPath(r, CRLF_MD5, true))).toBe(true)
    await agreeUpToDate(r)
    const theirs = await dvcOk('dvc3', r, ['repro'])
    expect(theirs).not.toContain('Running stage')
    expect(r.read('dvc.lock')).toBe(after) // DVC 3 rewrites nothing: the entries are what it writes
  })

  it('legacy 2.x entries and objects keep working in a DVC 3 project; new entries there are 3.x', async () => {
    const r = makeRepo({
      'crlf.txt': 'a\r\nb\r\n',
      'dvc.yaml': 'stages:\n  old:\n    cmd: cat crlf.txt > old.txt\n    deps: [crlf.txt]\n    outs: [old.txt]\n',
    })
    repos.push(r)
    await dvcOk('dvc2', r, ['repro']) // legacy entry, object in .dvc/cache/<ab>/…
    expect(r.read('dvc.lock')).not.toContain('hash: md5')
    r.write('dvc.yaml', `${r.read('dvc.yaml')}  new:\n    cmd: cat old.txt > new.txt\n    deps: [old.txt]\n    outs: [new.txt]\n`)
    await dvcOk('dvc3', r, ['repro']) // adds a 3.x entry: now a DVC 3 project
    const mixed = r.read('dvc.lock')
    expect(mixed).toMatch(/  old:\n(.*\n)*?    - path: crlf.txt\n      md5: /) // still legacy
    expect(mixed).toMatch(/  new:\n(.*\n)*?      hash: md5\n/)
    await agreeUpToDate(r)
    expect(await trellisOk(r, ['repro'])).not.toContain('Running stage')

    // the legacy output is checked out from the legacy cache
    r.write('old.txt', 'tampered\n')
    const status = JSON.parse(await trellisOk(r, ['status', '--json']))
    expect(status).toEqual(JSON.parse(await dvcOk('dvc3', r, ['status', '--json'])))
    await trellisOk(r, ['repro'])
    expect(r.read('old.txt')).toBe('a\r\nb\r\n')

    // a changed legacy stage is rewritten as 3.x (the project's format)
    r.write('crlf.txt', 'c\r\n')
    expect(await trellisOk(r, ['repro'])).toContain("Running stage 'old'")
    expect(r.read('dvc.lock')).toMatch(/  old:\n(.*\n)*?    - path: crlf.txt\n      hash: md5\n/)
    await agreeUpToDate(r)
  })

  it('trellis init --dvc3 starts a project in the 3.x format; DVC 3 agrees, DVC 2.58 cannot read it', async () => {
    const r = makeRepo({}, { init: false, commit: false })
    repos.push(r)
    await trellisOk(r, ['init', '--dvc3'])
    expect(r.read('.trellisrc.yaml')).toContain('dvcFormat: 3')
    r.write('in.txt', 'a\r\n')
    r.write('dvc.yaml', 'stages:\n  s:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n')
    r.commitAll()
    await trellisOk(r, ['repro'])
    expect(r.read('dvc.lock')).toContain('    - path: in.txt\n      hash: md5\n')
    await agreeUpToDate(r)
    expect(await dvcOk('dvc3', r, ['repro'])).not.toContain('Running stage')
    const old = await dvc('dvc2', r, ['status'])
    expect(old.code).not.toBe(0)
    expect(old.stderr).toContain("dvc.lock' validation failed")
    expect(old.stderr).toContain('extra keys not allowed')
  })

  it('a 3.x .dvc file: its data is a dependency Trellis checks with plain md5', async () => {
    const r = makeRepo()
    repos.push(r)
    r.write('data/a.txt', 'a\r\n').write('data/b.txt', 'b\n')
    await dvcOk('dvc3', r, ['add', 'data'])
    expect(r.read('data.dvc')).toMatch(/- md5: [0-9a-f]{32}\.dir\n  size: 5\n  nfiles: 2\n  hash: md5\n  path: data\n/)
    r.write('dvc.yaml', 'stages:\n  s:\n    cmd: cat data/a.txt > out.txt\n    deps: [data]\n    outs: [out.txt]\n')
    r.commitAll()
    await trellisOk(r, ['repro'])
    await agreeUpToDate(r)
    expect(await dvcOk('dvc3', r, ['repro'])).not.toContain('Running stage')
  })
})
