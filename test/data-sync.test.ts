/**
 * `trellis push | fetch | pull | checkout` between a project, a directory DVC
 * remote and a clone, driven through the CLI.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI, Repo, makeRepo } from './support/repo.js'

const MAKE = "const fs=require('fs');fs.mkdirSync('data',{recursive:true});for(const n of ['a','b','c'])fs.writeFileSync('data/'+n,n+require('fs').readFileSync('seed.txt','utf8'));fs.writeFileSync('model.txt','model '+fs.readFileSync('seed.txt','utf8'));fs.writeFileSync('local.txt','local')\n"
const DVC_YAML = 'stages:\n  make:\n    cmd: node make.cjs\n    deps: [make.cjs, seed.txt]\n    outs:\n    - data\n    - model.txt\n    - local.txt:\n        push: false\n'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((f) => f()))

interface Setup {
  alice: Repo
  bob: Repo
  storage: string
}

async function ok(repo: Repo, args: string[]) {
  const result = await repo.run(args)
  if (result.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`)
  return result
}

/** alice reproduces and commits; bob is a clone with no data; storage is core.remote of both. */
async function setup(): Promise<Setup> {
  const base = mkdtempSync(join(tmpdir(), 'trellis-data-'))
  const storage = join(base, 'storage')
  const alice = makeRepo({
    'dvc.yaml': DVC_YAML,
    'make.cjs': MAKE,
    'seed.txt': '1\n',
    '.dvc/config': `[core]\n    remote = storage # shared\n['remote "storage"']\n    url = ${storage}\n`,
  })
  cleanups.push(() => alice.remove(), () => rmSync(base, { recursive: true, force: true }))
  await ok(alice, ['repro'])
  alice.commitAll('data')
  const bob = new Repo(join(base, 'bob'))
  execFileSync('git', ['clone', '-q', alice.dir, bob.dir])
  return { alice, bob, storage }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

function objects(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((d) => d.length === 2)
    .flatMap((d) => readdirSync(join(dir, d)).map((f) => d + f))
    .sort()
}

describe('push / fetch / pull', () => {
  it('push sends what the remote lacks, pull makes it in a clone; both say when everything is up to date', async () => {
    const { alice, bob, storage } = await setup()
    const push = await ok(alice, ['push'])
    // 3 files of data/, its .dir manifest and model.txt; local.txt is push: false
    expect(push.stdout).toBe('5 files pushed\n')
    expect(push.stderr).toBe('')
    expect(objects(storage)).toHaveLength(5)
    expect(objects(storage).some((o) => o.endsWith('.tmp'))).toBe(false)
    expect((await ok(alice, ['push'])).stdout).toBe('Everything is up to date.\n')

    const pull = await ok(bob, ['pull'])
    expect(pull.stdout).toBe('A\tdata/\nA\tmodel.txt\n2 files added and 5 files fetched\n')
    expect(pull.stderr).toBe('')
    expect(bob.read('data/b')).toBe('b1\n')
    expect(bob.read('model.txt')).toBe('model 1\n')
    const again = await bob.run(['pull', 'make'])
    expect(again.stdout).toBe('Everything is up to date.\n')
  })

  it('fetch fills the cache only; targets narrow what moves; -j is accepted', async () => {
    const { alice, bob } = await setup()
    await ok(alice, ['push'])
    const fetch = await ok(bob, ['fetch', 'model.txt', '-j', '2'])
    expect(fetch.stdout).toBe('1 file fetched\n')
    expect(bob.exists('model.txt')).toBe(false)
    expect(objects(bob.path('.dvc/cache'))).toHaveLength(1)
    expect((await ok(bob, ['fetch', 'data'])).stdout).toBe('4 files fetched\n')
    const co = await ok(bob, ['checkout', 'data', 'model.txt'])
    expect(co.stdout).toBe('A\tdata/\nA\tmodel.txt\n')
  })

  it('lists objects missing on the remote, fetches the rest, and fails with DVC\'s count', async () => {
    const { alice, bob, storage } = await setup()
    await ok(alice, ['push', 'data'])
    const pull = await bob.run(['pull'])
    expect(pull.code).toBe(1)
    expect(pull.stderr).toMatch(/WARNING: Some of the cache files do not exist neither locally nor on remote. Missing cache files:\nname: model.txt, md5: [0-9a-f]{32}\n/)
    expect(pull.stderr).toContain('ERROR: failed to pull data from the cloud: 1 file failed to download')
    // the rest was fetched and checked out
    expect(pull.stdout).toContain('A\tdata/\n')
    expect(bob.read('data/a')).toBe('a1\n')
    expect(objects(storage)).toHaveLength(4)
  })

  it('a corrupt object on the remote never enters the cache', async () => {
    const { alice, bob, storage } = await setup()
    await ok(alice, ['push', 'model.txt'])
    const [obj] = objects(storage)
    const path = join(storage, obj!.slice(0, 2), obj!.slice(2))
    chmodSync(path, 0o644)
    writeFileSync(path, 'tampered')
    const fetch = await bob.run(['fetch', 'model.txt'])
    expect(fetch.code).toBe(1)
    expect(fetch.stderr).toContain('corrupt')
    expect(objects(bob.path('.dvc/cache'))).toEqual([])
  })

  it('-a / -T / --all-commits also push the data of other revisions', async () => {
    const { alice, storage } = await setup()
    alice.git('checkout', '-q', '-b', 'other')
    alice.write('seed.txt', '2\n')
    await ok(alice, ['repro'])
    alice.commitAll('seed 2')
    alice.git('tag', 'v2')
    alice.git('checkout', '-q', 'main')
    await ok(alice, ['checkout', '-f'])
    expect((await ok(alice, ['push'])).stdout).toBe('5 files pushed\n')
    expect((await ok(alice, ['push', '-T'])).stdout).toBe('5 files pushed\n')
    expect(objects(storage)).toHaveLength(10)
    expect((await ok(alice, ['push', '-a'])).stdout).toBe('Everything is up to date.\n')
    expect((await ok(alice, ['push', '--all-commits'])).stdout).toBe('Everything is up to date.\n')
  })

  it('-R selects the stages under a directory; pull refuses to overwrite uncommitted changes unless -f, which saves them first', async () => {
    const { alice, bob, storage } = await setup()
    alice.write('sub/dvc.yaml', 'stages:\n  s:\n    cmd: echo sub > s.txt\n    outs: [s.txt]\n')
    await ok(alice, ['repro', 'sub/dvc.yaml'])
    alice.commitAll('sub')
    expect((await ok(alice, ['push', '-R', 'sub'])).stdout).toBe('1 file pushed\n')
    expect(objects(storage)).toEqual([md5('sub\n')])
    bob.git('pull', '-q')
    bob.write('sub/s.txt', 'mine\n')
    const refused = await bob.run(['pull', '-R', 'sub'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("ERROR: checkout would overwrite uncommitted changes in: 'sub/s.txt'")
    expect(bob.read('sub/s.txt')).toBe('mine\n')
    expect((await ok(bob, ['pull', '-R', 'sub', '-f'])).stdout).toBe('M\tsub/s.txt\n1 file modified\n')
    expect(bob.read('sub/s.txt')).toBe('sub\n')
    expect(objects(bob.path('.dvc/cache'))).toContain(md5('mine\n'))
    rmSync(bob.path('sub/s.txt'))
    expect((await ok(bob, ['checkout', '-R', 'sub'])).stdout).toBe('A\tsub/s.txt\n')
  })

  it('names an unknown remote, an unknown target, and a remote kind Trellis cannot reach', async () => {
    const { alice } = await setup()
    const remote = await alice.run(['push', '-r', 'nope'])
    expect(remote.code).toBe(1)
    expect(remote.stderr).toContain("ERROR: DVC remote 'nope' is not configured")
    const target = await alice.run(['push', 'nothing-here'])
    expect(target.stderr).toContain("ERROR: 'nothing-here' does not exist as an output or a stage name in 'dvc.yaml'")
    await ok(alice, ['remote', 'add', 's3', 's3://bucket/path'])
    const s3 = await alice.run(['pull', '-r', 's3'])
    expect(s3.code).toBe(1)
    expect(s3.stderr).toContain("ERROR: DVC remote 's3' (s3://bucket/path) is of a kind Trellis cannot reach: there is no s3:// support built in")
  })
})

describe('progress', () => {
  it('shows done/total on a terminal (script gives the CLI a pty), nothing with -q or when piped', async () => {
    const { alice } = await setup()
    const env: NodeJS.ProcessEnv = { ...process.env, TRELLIS_PROGRESS_DELAY_MS: '0', NO_COLOR: '1' }
    delete env.NODE_ENV
    const onTty = (args: string) => execFileSync('script', ['-qec', `'${process.execPath}' '${CLI}' ${args}`, '/dev/null'], { cwd: alice.dir, env, encoding: 'utf8' })
    const shown = onTty('push')
    expect(shown).toMatch(/Pushing\.\.\. \d+\/5 files/)
    expect(shown).toContain('5 files pushed')
    expect(onTty('push -q')).toBe('')
    rmSync(alice.path('model.txt'))
    const piped = await alice.run(['checkout'], { env: { TRELLIS_PROGRESS_DELAY_MS: '0' } })
    expect([piped.stdout, piped.stderr]).toEqual(['A\tmodel.txt\n', ''])
  })
})

describe('http remote (read-only)', () => {
  it('fetch and pull from an http(s) remote laid out like the cache; push to it is refused', async () => {
    const { alice, bob, storage } = await setup()
    await ok(alice, ['push'])
    const server = createServer((req, res) => {
      const file = join(storage, decodeURIComponent(new URL(req.url!, 'http://x').pathname))
      if (!file.startsWith(storage) || !existsSync(file)) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200)
      if (req.method === 'HEAD') res.end()
      else res.end(readFileSync(file))
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    cleanups.push(() => server.close())
    const port = (server.address() as { port: number }).port
    await ok(bob, ['remote', 'add', '--local', 'web', `http://user:secret@127.0.0.1:${port}/`])
    expect((await ok(bob, ['remote', 'list'])).stdout).toContain(`web\thttp://user:***@127.0.0.1:${port}/`)
    const pull = await ok(bob, ['pull', '-r', 'web'])
    expect(pull.stdout).toBe('A\tdata/\nA\tmodel.txt\n2 files added and 5 files fetched\n')
    expect(bob.read('data/c')).toBe('c1\n')
    // what the remote has is not pushed again; something new cannot be pushed there
    expect((await ok(bob, ['push', '-r', 'web'])).stdout).toBe('Everything is up to date.\n')
    bob.write('new.txt', 'new')
    await ok(bob, ['add', 'new.txt'])
    const push = await bob.run(['push', '-r', 'web'])
    expect(push.code).toBe(1)
    expect(push.stderr).toContain("is an http remote, which Trellis (like DVC for plain http) only reads from")
    expect(push.stderr).not.toContain('secret')
  })
})

describe('checkout', () => {
  it('restores deleted outputs (A), replaces changed ones whose content is cached (M), and is quiet when nothing changed', async () => {
    const { alice } = await setup()
    rmSync(alice.path('model.txt'))
    expect((await ok(alice, ['checkout'])).stdout).toBe('A\tmodel.txt\n')
    expect((await ok(alice, ['checkout'])).stdout).toBe('')
    expect((await ok(alice, ['checkout', '-s'])).stdout).toBe('No changes.\n')
    // content that is in the cache (another output's) is not work to protect
    const a = alice.read('data/a')
    chmodSync(alice.path('model.txt'), 0o644)
    rmSync(alice.path('model.txt'))
    writeFileSync(alice.path('model.txt'), a)
    expect((await ok(alice, ['checkout', 'make'])).stdout).toBe('M\tmodel.txt\n')
    expect(alice.read('model.txt')).toBe('model 1\n')
  })

  it('refuses to overwrite uncommitted changes, naming them, and writes nothing; -f saves them in the cache first', async () => {
    const { alice } = await setup()
    rmSync(alice.path('model.txt'))
    rmSync(alice.path('data/c'))
    writeFileSync(alice.path('data/new'), 'my work')
    const refused = await alice.run(['checkout'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("ERROR: checkout would overwrite uncommitted changes in: 'data'")
    expect(refused.stderr).toContain('hint:')
    expect(alice.exists('model.txt')).toBe(false)
    expect(alice.read('data/new')).toBe('my work')
    const forced = await ok(alice, ['checkout', '-f'])
    expect(forced.stdout).toBe('A\tmodel.txt\nM\tdata/\n')
    expect(alice.exists('data/new')).toBe(false)
    expect(alice.read('data/c')).toBe('c1\n')
    // the replaced content is in the cache
    expect(objects(alice.path('.dvc/cache'))).toContain(md5('my work'))
  })

  it('--relink re-makes unchanged outputs with the current link type', async () => {
    const { alice } = await setup()
    alice.write('.dvc/config', alice.read('.dvc/config') + '[cache]\n    type = symlink\n')
    const relink = await ok(alice, ['checkout', '--relink'])
    expect(relink.stdout).toBe('Relinked successfully\n')
    expect(lstatSync(alice.path('model.txt')).isSymbolicLink()).toBe(true)
    expect(lstatSync(alice.path('data/a')).isSymbolicLink()).toBe(true)
  })

  it('fails after the rest when objects are missing from the cache, naming them', async () => {
    const { bob } = await setup()
    const co = await bob.run(['checkout'])
    expect(co.code).toBe(1)
    expect(co.stderr).toContain('ERROR: Checkout failed for following targets:\ndata\nmodel.txt\nlocal.txt\nIs your cache up to date?')
    expect((await bob.run(['checkout', 'nope'])).stderr).toContain("ERROR: 'nope' does not exist as an output or a stage name")
  })
})
