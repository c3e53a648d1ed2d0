/**
 * Every kind of bad input: one clear ERROR line naming the file (and line),
 * a non-zero exit, and nothing changed on disk.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterAll(() => repos.forEach((r) => r.remove()))

/**
 * Every file under the repo except .git, with its content. `.dvc/tmp/lock` is left out: it
 * is DVC's flock file, which stays after every run (holding the last holder's pid), as with DVC.
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      if (name === '.git') continue
      const p = rel ? `${rel}/${name}` : name
      if (p === '.dvc/tmp/lock') continue
      if (statSync(join(dir, p)).isDirectory()) walk(p)
      else out[p] = readFileSync(join(dir, p), 'latin1')
    }
  }
  walk('')
  return out
}

async function expectRejected(files: Record<string, string>, args: string[], pattern: RegExp) {
  const r = makeRepo(files)
  repos.push(r)
  const before = snapshot(r.dir)
  const res = await r.run(args)
  expect(res.code).not.toBe(0)
  const errors = res.stderr.split('\n').filter((l) => l.startsWith('ERROR:'))
  expect(errors, res.stderr).toHaveLength(1)
  expect(errors[0]).toMatch(pattern)
  expect(res.stderr).not.toMatch(/\n\s+at /) // no stack trace without -v
  expect(snapshot(r.dir)).toEqual(before)
  return res
}

const ok = 'stages:\n  s:\n    cmd: echo hi > out.txt\n    outs:\n    - out.txt\n'

describe('bad input', () => {
  it('invalid YAML names the file and line', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  s:\n    cmd: [unclosed\n    outs: x\n' }, ['repro'], /dvc\.yaml.*line \d+/)
  })
  it('duplicate keys', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  s:\n    cmd: a\n    cmd: b\n' }, ['repro'], /dvc\.yaml.*line 4/)
  })
  it('unknown keys', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  s:\n    cmd: a\n    outz:\n    - x\n' }, ['repro'], /dvc\.yaml.*extra keys not allowed.*outz.*line 4/)
  })
  it('wrong types', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  s:\n    cmd: a\n    frozen: maybe\n' }, ['repro'], /dvc\.yaml.*expected bool.*line 4/)
    await expectRejected({ 'dvc.yaml': 'stages:\n  s:\n    cmd: a\n    deps: foo\n' }, ['status'], /dvc\.yaml.*expected a list.*line 4/)
  })
  it('undefined ${var}', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  s:\n    cmd: echo ${nope.x}\n', 'params.yaml': 'a: 1\n' }, ['repro'], /dvc\.yaml.*Could not find 'nope\.x'/)
  })
  it('a cycle', async () => {
    await expectRejected(
      { 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: y\n    deps: [a.txt]\n    outs: [b.txt]\n' },
      ['repro'],
      /both a dependency and an output in stages: a, b/,
    )
  })
  it('an output declared twice or inside another output', async () => {
    await expectRejected(
      { 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    outs: [o]\n  b:\n    cmd: y\n    outs: [o]\n' },
      ['repro'],
      /output 'o' is specified in more than one stage: a, b/,
    )
    await expectRejected(
      { 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    outs: [data]\n  b:\n    cmd: y\n    outs: [data/sub]\n' },
      ['repro'],
      /'data'.*'data\/sub'.*overlap/,
    )
  })
  it('an out that is also a dep of the same stage', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    deps: [f]\n    outs: [f]\n', f: '1' }, ['repro'], /'f' is specified as an output and as a dependency of stage 'a'/)
  })
  it('a path that escapes the repository', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    deps: [../x]\n' }, ['repro'], /'\.\.\/x'.*dvc\.yaml/)
    await expectRejected({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    outs: [/tmp/x]\n' }, ['repro'], /'\/tmp\/x'.*dvc\.yaml/)
  })
  it('a missing dependency that no stage produces', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    deps: [nope.csv]\n' }, ['repro'], /dependency 'nope\.csv' of stage 'a' \(dvc\.yaml:\d+\) does not exist/)
  })
  it('a missing params file or key', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    params: [lr]\n    outs: [o]\n' }, ['repro'], /params\.yaml/)
    await expectRejected({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    params: [lr]\n    outs: [o]\n', 'params.yaml': 'other: 1\n' }, ['repro'], /Parameters 'lr' are missing from 'params\.yaml'/)
  })
  it('a binary file as metrics', async () => {
    await expectRejected({ 'dvc.yaml': 'stages:\n  a:\n    cmd: x\n    metrics: [m.bin]\n', 'm.bin': '\x00\x01\x02binary' }, ['metrics', 'show'], /binary file .*m\.bin.* cannot be used as metrics/)
  })
  it('a target that does not exist', async () => {
    await expectRejected({ 'dvc.yaml': ok }, ['repro', 'nope'], /Stage 'nope' not found inside 'dvc\.yaml'/)
    await expectRejected({ 'dvc.yaml': ok }, ['repro', 'sub/dvc.yaml'], /'sub\/dvc\.yaml' does not exist/)
  })
  it('not a git repository / not initialised', async () => {
    const r = makeRepo({ 'dvc.yaml': ok }, { init: false })
    repos.push(r)
    const res = await r.run(['repro'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/^ERROR: .*not a Trellis\/DVC project.*\n.*trellis init/)
    const tmp = mkdtempSync(join(tmpdir(), 'trellis-nogit-'))
    try {
      const nogit = await r.run(['status'], { cwd: join('..', tmp.split('/').pop()!) })
      expect(nogit.code).not.toBe(0)
      expect(nogit.stderr).toMatch(/ERROR: .*is not a git repository/)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})

/** Nested anchors whose aliases expand to 9^9 nodes ("billion laughs"), under `key`. */
function laughs(key: string): string {
  let text = `${key}:\n  l0: &l0 [x, x, x, x, x, x, x, x, x]\n`
  for (let i = 1; i <= 9; i++) text += `  l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`
  return text
}

describe('parse limits (linear time, aliases bounded)', () => {
  const stage = 'stages:\n  s:\n    cmd: echo hi\n    params: [k1]\n'
  it('a duplicate key at the end of a 100k-key params.yaml is named with its line', async () => {
    let params = ''
    for (let i = 0; i < 100_000; i++) params += `k${i}: ${i}\n`
    params += 'k7: again\n'
    await expectRejected({ 'dvc.yaml': stage, 'params.yaml': params }, ['status'], /params\.yaml.*Map keys must be unique.*line 100001/)
  })
  it('billion-laughs anchors in params.yaml and dvc.yaml', async () => {
    await expectRejected({ 'dvc.yaml': stage, 'params.yaml': laughs('big') }, ['status'], /params\.yaml.*aliases expand to more than 1000000 nodes.*line 8/)
    await expectRejected({ 'dvc.yaml': `${stage}${laughs('plots')}` }, ['status'], /'dvc\.yaml' is invalid: aliases expand to more than 1000000 nodes.*line 12/)
  })
  it('recursive and unknown aliases: params.yaml, dvc.yaml vars, -S values', async () => {
    await expectRejected({ 'dvc.yaml': stage, 'params.yaml': 'k1: 1\nloop: &a [*a]\n' }, ['status'], /params\.yaml.*alias '\*a' refers to its own anchor.*line 2/)
    await expectRejected({ 'dvc.yaml': `vars:\n  - x: &v {self: *v}\n${stage}` }, ['status'], /'dvc\.yaml' is invalid: alias '\*v' refers to its own anchor.*line 2/)
    await expectRejected({ 'dvc.yaml': stage, 'params.yaml': 'k1: 1\nk2: *nowhere\n' }, ['status'], /params\.yaml.*alias '\*nowhere' has no anchor.*line 2/)
    // -S values follow DVC 3's override grammar, where YAML anchors are not syntax: a clear error, never a crash
    await expectRejected({ 'dvc.yaml': stage, 'params.yaml': 'k1: 1\n' }, ['exp', 'run', '-S', 'foo=&a [*a]'], /Invalid -S 'foo=&a \[\*a\]' at position 8/)
    await expectRejected({ 'dvc.yaml': stage, 'params.yaml': 'k1: 1\n' }, ['exp', 'run', '-S', 'foo=*x'], /1 parameter is missing from 'params\.yaml': foo/)
  })
})
