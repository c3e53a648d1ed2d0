/**
 * What a killed command, an over-long name or a crafted manifest leaves behind (issue 15,
 * finding 8): temp files of interrupted cache writes are cleaned by the next command that
 * takes the project lock, names are checked before anything runs, and a manifest that nests
 * a `.dir` fails `exp pull` itself. And (finding 9) a repository whose objects live in an
 * alternate object directory (`git clone --shared`) runs and shows experiments.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeRepo, Repo } from './support/repo.js'
import { makeTeam, ok, plumbExp, type Team } from './support/team.js'

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn()
})

function repo(files: Record<string, string>): Repo {
  const r = makeRepo(files)
  cleanup.push(() => r.remove())
  return r
}

function team(): Team {
  const t = makeTeam()
  cleanup.push(() => t.remove())
  return t
}

/** The pid of a process that has exited (what a kill -9'ed writer leaves in its file names). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(child.stdout)
}

/** Every file name in the cache's shards (`xx/...`). */
function shardFiles(r: Repo): string[] {
  const cache = r.path('.dvc/cache')
  if (!existsSync(cache)) return []
  return readdirSync(cache)
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .flatMap((d) => readdirSync(join(cache, d)).map((f) => `${d}/${f}`))
}

describe('temp files of killed cache writes', () => {
  it('are removed by the next command that takes the project lock, and never land in a shard', async () => {
    const r = repo({ 'dvc.yaml': 'stages:\n  s:\n    cmd: node -e "require(\'fs\').writeFileSync(\'out.txt\', \'x\'.repeat(100000))"\n    outs: [out.txt]\n' })
    const staging = r.path('.dvc/cache/.trellis-staging')
    mkdirSync(staging, { recursive: true })
    const dead = deadPid()
    writeFileSync(join(staging, `${dead}-0.tmp`), 'half an object')
    writeFileSync(join(staging, `${dead}-1.tmp`), 'another half')
    const live = `${process.pid}-0.tmp` // a writer that is still running (this test)
    writeFileSync(join(staging, live), 'being written')

    await ok(r, ['status']) // read-only: takes no lock, touches nothing
    expect(readdirSync(staging).sort()).toEqual([`${dead}-0.tmp`, `${dead}-1.tmp`, live].sort())

    await ok(r, ['repro'])
    expect(readdirSync(staging)).toEqual([live])
    const objects = shardFiles(r)
    expect(objects).toHaveLength(1)
    expect(objects[0]).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{30}$/)
    const status = await ok(r, ['status'])
    expect(status.stdout).toContain('Data and pipelines are up to date.')
  })
})

describe('experiment names', () => {
  it('a 300-character -n name is refused before the stage runs', async () => {
    const r = repo({ 'dvc.yaml': 'stages:\n  s:\n    cmd: node -e "require(\'fs\').writeFileSync(\'ran.txt\', \'1\')"\n    outs: [ran.txt]\n' })
    const res = await r.run(['exp', 'run', '-n', 'n'.repeat(300)])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/^ERROR: Invalid exp name 'n{40}\.\.\.': 300 bytes long, the limit is 250\n\s+hint: /)
    expect(r.exists('ran.txt')).toBe(false)
    expect(r.git('for-each-ref', 'refs/exps')).toBe('')
    const queued = await r.run(['exp', 'run', '--queue', '-n', 'é'.repeat(126)]) // 252 bytes
    expect(queued.code).not.toBe(0)
    expect(queued.stderr).toContain('252 bytes long')
    await ok(r, ['exp', 'run', '-n', 'n'.repeat(250)])
    expect(r.exists('ran.txt')).toBe(true)
  })
})

describe('exp pull of a manifest that nests a directory', () => {
  it('fails the pull with an ERROR naming the manifest, instead of "not in cache" at apply', async () => {
    const { alice, bob, storage } = team()
    const put = (data: string, suffix = ''): string => {
      const md5 = createHash('md5').update(data).digest('hex')
      mkdirSync(join(storage, md5.slice(0, 2)), { recursive: true })
      writeFileSync(join(storage, md5.slice(0, 2), md5.slice(2) + suffix), data)
      return md5 + suffix
    }
    const file = put('inner\n')
    const inner = put(JSON.stringify([{ md5: file, relpath: 'f.txt' }]), '.dir')
    const outer = put(JSON.stringify([{ md5: inner, relpath: 'sub' }]), '.dir')
    alice.write('dvc.yaml', 'stages:\n  make:\n    cmd: echo\n    outs: [data]\n')
    alice.write('dvc.lock', `schema: '2.0'\nstages:\n  make:\n    cmd: echo\n    outs:\n    - path: data\n      md5: ${outer}\n      size: 6\n      nfiles: 1\n`)
    alice.git('add', '-A')
    const tree = alice.git('write-tree')
    alice.git('reset', '-q', '--hard')
    plumbExp(alice, 'nested', tree)
    await ok(alice, ['exp', 'push', 'origin', 'nested', '--no-cache'])

    const pull = await bob.run(['exp', 'pull', 'origin', 'nested'])
    expect(pull.code, pull.stderr).not.toBe(0)
    expect(pull.stderr).toMatch(new RegExp(`ERROR: .*${outer.replace('.', '\\.')}.*lists 'sub' with hash '${inner.replace('.', '\\.')}': a manifest may only list files`))
    expect(pull.stderr).not.toMatch(/\n\s+at /)
  })
})


describe('git alternates (git clone --shared)', () => {
  it('exp run and exp show work when the objects are in objects/info/alternates or GIT_ALTERNATE_OBJECT_DIRECTORIES', async () => {
    const origin = repo({
      'dvc.yaml': 'stages:\n  train:\n    cmd: node train.cjs\n    deps: [train.cjs]\n    params: [lr]\n    metrics:\n    - m.json:\n        cache: false\n',
      'params.yaml': 'lr: 0.1\n',
      'train.cjs': "const fs=require('fs');fs.writeFileSync('m.json',JSON.stringify({lr:fs.readFileSync('params.yaml','utf8').trim()}))\n",
    })
    origin.git('gc', '-q') // the objects in a pack, as in a CI cache
    const base = mkdtempSync(join(tmpdir(), 'trellis-alternates-'))
    cleanup.push(() => rmSync(base, { recursive: true, force: true }))
    const objects = origin.path('.git/objects')
    for (const [name, viaEnv] of [['shared', false], ['env', true]] as const) {
      const dir = join(base, name)
      execFileSync('git', ['clone', '-q', '--shared', origin.dir, dir])
      const clone = new Repo(dir)
      const env: Record<string, string> = {}
      if (viaEnv) {
        rmSync(clone.path('.git/objects/info/alternates'))
        env.GIT_ALTERNATE_OBJECT_DIRECTORIES = objects
      }
      expect(readdirSync(clone.path('.git/objects')).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]) // no object of its own
      const run = await ok(clone, ['exp', 'run', '-n', `alt-${name}`, '-S', 'lr=0.5'], env)
      expect(run.stdout).toContain(`alt-${name}`)
      const show = await ok(clone, ['exp', 'show', '--md'], env)
      expect(show.stdout).toContain(`alt-${name}`)
      expect(show.stdout).toContain('0.5')
    }
  })
})

describe('the object cache through the CLI: verify, repair, unsafe manifests', () => {
  const stage = 'stages:\n  s:\n    cmd: echo made >> runs.log && cat in.txt > out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n'
  const objectOf = (r: Repo) => {
    const md5 = /md5: ([0-9a-f]{32})/.exec(r.read('dvc.lock'))![1]!
    return r.path(`.dvc/cache/${md5.slice(0, 2)}/${md5.slice(2)}`)
  }

  it('a writable object is rehashed: a corrupt one is dropped and the stage runs again, a good one is made read-only', async () => {
    const r = repo({ 'dvc.yaml': stage, 'in.txt': 'content\n', '.gitignore': 'runs.log\n' })
    await ok(r, ['repro'])
    const object = objectOf(r)
    expect(statSync(object).mode & 0o777).toBe(0o444)

    chmodSync(object, 0o644) // writable and intact: trusted after a rehash, protected again
    rmSync(r.path('out.txt'))
    await ok(r, ['repro'])
    expect(r.read('runs.log')).toBe('made\n') // restored from the (run-)cache, not run
    expect(statSync(object).mode & 0o777).toBe(0o444)

    chmodSync(object, 0o644) // writable and corrupt: dropped, so the stage runs again
    writeFileSync(object, 'tampered\n')
    rmSync(r.path('out.txt'))
    await ok(r, ['repro'])
    expect(r.read('runs.log')).toBe('made\nmade\n')
    expect(r.read('out.txt')).toBe('content\n')
    expect(readFileSync(object, 'utf8')).toBe('content\n')
    expect(statSync(object).mode & 0o777).toBe(0o444)
  })

  it('exp apply does not use a manifest whose paths leave the output, and writes nothing', async () => {
    const r = repo({ 'dvc.yaml': 'stages:\n  make:\n    cmd: echo\n    outs: [data]\n' })
    const put = (data: string, suffix = ''): string => {
      const md5 = createHash('md5').update(data).digest('hex')
      const dir = r.path(`.dvc/cache/${md5.slice(0, 2)}`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, md5.slice(2) + suffix), data, { mode: 0o444 })
      return md5 + suffix
    }
    const file = put('escaped\n')
    const manifest = put(JSON.stringify([{ md5: file, relpath: '../escape.txt' }]), '.dir')
    r.write('dvc.lock', `schema: '2.0'\nstages:\n  make:\n    cmd: echo\n    outs:\n    - path: data\n      md5: ${manifest}\n      size: 8\n      nfiles: 1\n`)
    r.git('add', 'dvc.lock')
    const tree = r.git('write-tree')
    r.git('reset', '-q', '--hard')
    plumbExp(r, 'unsafe', tree)
    const res = await r.run(['exp', 'apply', 'unsafe'])
    expect(res.code).not.toBe(0)
    // such a manifest never counts as present in the cache
    expect(res.stderr).toMatch(new RegExp(`^ERROR: Cannot apply 'unsafe': these outputs of the experiment are not in the cache:\\n\\tdata \\(${manifest.replace('.', '\\.')}\\)`))
    expect(res.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(join(r.dir, '..', 'escape.txt'))).toBe(false)
    expect(r.exists('data')).toBe(false)
    expect(r.exists('dvc.lock')).toBe(false)
  })
})

describe('exp apply: the outputs plan', () => {
  it('checks out .dvc-file outputs and outputs named through vars files the experiment changes; --undo restores them', async () => {
    const r = repo({})
    const put = (data: string): string => {
      const md5 = createHash('md5').update(data).digest('hex')
      const dir = r.path(`.dvc/cache/${md5.slice(0, 2)}`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, md5.slice(2)), data, { mode: 0o444 })
      return md5
    }
    const dotDvc = (md5: string) => `outs:\n- md5: ${md5}\n  size: 4\n  path: data.txt\n`
    const lock = (out: string, md5: string) => `schema: '2.0'\nstages:\n  make:\n    cmd: echo\n    outs:\n    - path: ${out}\n      md5: ${md5}\n      size: 4\n    - path: m.json\n      md5: 0123456789abcdef0123456789abcdef\n      size: 2\n`
    const dvcYaml = 'vars: [config.yaml]\nstages:\n  make:\n    cmd: echo\n    outs:\n    - ${name}.bin\n    - m.json:\n        cache: false\n'
    r.write('data.txt', 'old\n').write('data.txt.dvc', dotDvc(put('old\n')))
    r.write('config.yaml', 'name: first\n').write('dvc.yaml', dvcYaml).write('dvc.lock', lock('first.bin', put('bin1')))
    r.write('first.bin', 'bin1').write('.gitignore', '/data.txt\n/first.bin\n/other.bin\n')
    r.commitAll('baseline')

    r.write('data.txt.dvc', dotDvc(put('new\n'))).write('config.yaml', 'name: other\n').write('dvc.lock', lock('other.bin', put('bin2')))
    r.git('add', '-A')
    const tree = r.git('write-tree')
    r.git('reset', '-q', '--hard')
    plumbExp(r, 'changed', tree)

    await ok(r, ['exp', 'apply', 'changed'])
    expect(r.read('data.txt')).toBe('new\n')
    expect(r.read('other.bin')).toBe('bin2')
    expect(r.read('first.bin')).toBe('bin1') // no longer an output after apply: left alone
    expect(r.exists('m.json')).toBe(false) // not cached: nothing to check out

    await ok(r, ['exp', 'apply', '--undo'])
    expect(r.read('data.txt')).toBe('old\n')
    expect(r.read('config.yaml')).toBe('name: first\n')
    expect(r.exists('other.bin')).toBe(false)
  })
})
