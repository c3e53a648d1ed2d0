/** repro's selection options, special stage kinds, data sources and lock migration. */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const log = (name: string, cmd: string) => `echo ${name} >> ran.log && ${cmd}`
const CHAIN = `stages:
  a:
    cmd: ${log('a', 'cat in.txt > a.txt')}
    deps: [in.txt]
    outs: [a.txt]
  b:
    cmd: ${log('b', 'cat a.txt > b.txt')}
    deps: [a.txt]
    outs: [b.txt]
  c:
    cmd: ${log('c', 'cat b.txt > c.txt')}
    deps: [b.txt]
    outs: [c.txt]
  other:
    cmd: ${log('other', 'echo o > o.txt')}
    outs: [o.txt]
`
const ran = (r: Repo) => (r.exists('ran.log') ? r.read('ran.log').trim().split('\n') : [])
const reset = (r: Repo) => r.write('ran.log', '')

function chain(): Repo {
  const r = makeRepo({ 'dvc.yaml': CHAIN, 'in.txt': '1', '.gitignore': 'ran.log\n' })
  repos.push(r)
  return r
}

describe('repro options', () => {
  it('-s, --downstream, -p, -P, -f and --force-downstream select the right stages', async () => {
    const r = chain()
    expect((await r.run(['repro', 'b'])).code).toBe(0)
    expect(ran(r)).toEqual(['a', 'b'])
    reset(r)
    r.write('in.txt', '2')
    expect((await r.run(['repro', '--downstream', 'a'])).code).toBe(0)
    expect(ran(r)).toEqual(['a', 'b', 'c'])
    reset(r)
    expect((await r.run(['repro', '-P'])).code).toBe(0)
    expect(ran(r)).toEqual(['other'])
    reset(r)
    expect((await r.run(['repro', '-f', '-s', 'a'])).code).toBe(0)
    expect(ran(r)).toEqual(['a'])
    reset(r)
    expect((await r.run(['repro', '-f', '-p', 'b'])).code).toBe(0)
    expect(ran(r)).toEqual(['a', 'b', 'c'])
    reset(r)
    r.write('in.txt', '3')
    expect((await r.run(['repro', '--force-downstream', 'c'])).code).toBe(0)
    expect(ran(r)).toEqual(['a', 'b', 'c'])
  })

  it('-s of a stage whose input no stage in the run produces fails clearly', async () => {
    const r = chain()
    const res = await r.run(['repro', '-s', 'b'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("ERROR: failed to reproduce 'b': dependency 'a.txt' does not exist")
  })

  it('frozen stages only verify their outputs; persist outputs survive a run; always_changed always runs', async () => {
    const r = makeRepo({
      'dvc.yaml': `stages:\n  f:\n    cmd: ${log('f', 'echo f > f.txt')}\n    outs: [f.txt]\n  p:\n    cmd: ${log('p', 'echo x >> p.txt')}\n    outs:\n    - p.txt:\n        persist: true\n  ac:\n    cmd: ${log('ac', 'true')}\n    always_changed: true\n`,
      '.gitignore': 'ran.log\n',
    })
    repos.push(r)
    expect((await r.run(['repro'])).code).toBe(0)
    expect(ran(r)).toEqual(['f', 'p', 'ac'])
    r.write('dvc.yaml', r.read('dvc.yaml').replace('  f:\n', '  f:\n    frozen: true\n'))
    reset(r)
    await r.run(['repro', '-f'])
    expect(ran(r)).toEqual(['p', 'ac'])
    expect(r.read('p.txt')).toBe('x\nx\n')
    ;(await import('node:fs')).rmSync(r.path('f.txt'))
    const missing = await r.run(['repro', 'f'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain("missing data 'source': f.txt")
    reset(r)
    await r.run(['repro', 'ac'])
    expect(ran(r)).toEqual(['ac'])
  })

  it('uses .dvc data sources as nodes of the DAG and rewrites them when the data changes', async () => {
    const r = makeRepo({
      'data.xml.dvc': 'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  path: data.xml\n',
      'data.xml': 'foo',
      'dvc.yaml': `stages:\n  use:\n    cmd: ${log('use', 'cat data.xml > used.txt')}\n    deps: [data.xml]\n    outs: [used.txt]\n`,
      '.gitignore': 'ran.log\n',
    })
    repos.push(r)
    expect((await r.run(['repro'])).code).toBe(0)
    expect(ran(r)).toEqual(['use'])
    expect(r.read('data.xml.dvc')).toBe('outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  path: data.xml\n')
    r.write('data.xml', 'bar!')
    const status = JSON.parse((await r.run(['status', '--json'])).stdout)
    expect(status['data.xml.dvc']).toEqual([{ 'changed outs': { 'data.xml': 'modified' } }])
    reset(r)
    const res = await r.run(['repro'])
    expect(res.stdout).toContain("Verifying data sources in stage: 'data.xml.dvc'")
    expect(ran(r)).toEqual(['use'])
    expect(r.read('data.xml.dvc')).toMatch(/^outs:\n- md5: [0-9a-f]{32}\n  size: 4\n  path: data\.xml\n$/)
  })

  it('reads a DVC 1.x lock file and migrates it to schema 2.0', async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  s:\n    cmd: cat in.txt > out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n',
      'in.txt': 'foo',
      'dvc.lock': 's:\n  cmd: cat in.txt > out.txt\n  deps:\n  - path: in.txt\n    md5: acbd18db4cc2f85cedef654fccc4a4d8\n  outs:\n  - path: out.txt\n    md5: 00000000000000000000000000000000\n',
    })
    repos.push(r)
    const res = await r.run(['repro'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain("Migrating lock file 'dvc.lock' from v1 to v2")
    expect(r.read('dvc.lock')).toMatch(/^schema: '2\.0'\nstages:\n {2}s:\n {4}cmd: cat in.txt > out.txt\n/)
  })
})
