/**
 * The data commands against real DVC 2.58 (a 2.x project) and DVC 3.x (a DVC 3
 * project, `trellis init --dvc3`): `trellis add` / `commit` write the `.dvc` files,
 * `.gitignore` and cache objects `dvc add` / `dvc commit` write; `dvc pull` gets what
 * `trellis push` sent and `trellis pull` what `dvc push` sent; `dvc status` is clean
 * after `trellis add` and `trellis checkout`; `trellis gc -w -f` keeps what DVC needs
 * (and removes what `dvc gc -w -f` removes).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dvcOk, type DvcName } from '../support/dvc.js'
import { makeRepo, Repo } from '../support/repo.js'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((f) => f()))

async function trellisOk(r: Repo, args: string[]): Promise<string> {
  const res = await r.run(args)
  if (res.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return `${res.stdout}${res.stderr}`
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-data-interop-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

// CRLF text: its md5-dos2unix (2.x) and plain md5 (3.x) hashes differ
const DATA: Record<string, string> = {
  'data/a.txt': 'a\r\nb\r\n',
  'data/sub/b.txt': 'b\n',
  'big.csv': 'x,y\r\n1,2\r\n',
}

/** A project of DVC `name`'s format (DVC 3: `trellis init --dvc3`) holding the untracked DATA. */
async function project(name: DvcName): Promise<Repo> {
  const r = makeRepo({}, { init: false, commit: false })
  cleanups.push(() => r.remove())
  await trellisOk(r, name === 'dvc3' ? ['init', '--dvc3'] : ['init'])
  r.commitAll('init')
  for (const [path, text] of Object.entries(DATA)) r.write(path, text)
  return r
}

/** A git clone of `r` (its data not included). */
function cloneOf(r: Repo): Repo {
  const dir = join(tempDir(), 'clone')
  execFileSync('git', ['clone', '-q', r.dir, dir])
  return new Repo(dir)
}

/** A copy of `r`, work tree, git and cache alike. */
function copyOf(r: Repo): Repo {
  const dir = join(tempDir(), 'copy')
  cpSync(r.dir, dir, { recursive: true, verbatimSymlinks: true })
  return new Repo(dir)
}

/** Every file under the cache, relative to it (the run-cache and Trellis' staging directory aside). */
function cacheFiles(r: Repo): string[] {
  const root = r.path('.dvc/cache')
  const out: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      const rel = relative(root, path)
      if (rel === 'runs' || rel === '.trellis-staging') continue
      if (entry.isDirectory()) walk(path)
      else out.push(rel)
    }
  }
  walk(root)
  return out.sort()
}

async function dvcClean(name: DvcName, r: Repo): Promise<void> {
  expect(JSON.parse(await dvcOk(name, r, ['status', '--json']))).toEqual({})
}

function expectData(r: Repo): void {
  for (const [path, text] of Object.entries(DATA)) expect(r.read(path)).toBe(text)
}

/** A pid that is not running (a child that has exited). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!
}

const addRemote = (r: Repo, storage: string) => r.write('.dvc/config', `${r.read('.dvc/config')}[core]\n    remote = storage\n['remote "storage"']\n    url = ${storage}\n`)

describe.each<DvcName>(['dvc2', 'dvc3'])('data commands with %s', (name) => {
  const objects = name === 'dvc3' ? 'files/md5/' : ''

  it('trellis add writes what dvc add writes; dvc status is clean after it and after trellis checkout', async () => {
    const r = await project(name)
    const twin = await project(name)
    await trellisOk(r, ['add', 'data', 'big.csv'])
    await dvcOk(name, twin, ['add', 'data', 'big.csv'])
    for (const file of ['data.dvc', 'big.csv.dvc', '.gitignore']) expect(r.read(file)).toBe(twin.read(file))
    if (name === 'dvc3') expect(r.read('data.dvc')).toMatch(/  hash: md5\n  path: data\n/)
    else expect(r.read('data.dvc')).not.toContain('hash:')
    expect(cacheFiles(r)).toEqual(cacheFiles(twin))
    expect(cacheFiles(r).every((f) => f.startsWith(objects) && /^[0-9a-f]{2}\/[0-9a-f]{30}(\.dir)?$/.test(f.slice(objects.length)))).toBe(true)
    await dvcClean(name, r)
    r.commitAll('track data')

    rmSync(r.path('data'), { recursive: true, force: true })
    rmSync(r.path('big.csv'))
    const out = await trellisOk(r, ['checkout'])
    expect(out).toContain('A\tdata/')
    expect(out).toContain('A\tbig.csv')
    expectData(r)
    await dvcClean(name, r)
  })

  it('trellis commit after an edit records what dvc commit records', async () => {
    const r = await project(name)
    const twin = await project(name)
    await trellisOk(r, ['add', 'data'])
    await dvcOk(name, twin, ['add', 'data'])
    for (const repo of [r, twin]) {
      rmSync(repo.path('data/a.txt'), { force: true })
      repo.write('data/a.txt', 'edited\r\n')
      repo.write('data/c.txt', 'new\r\n')
    }
    await trellisOk(r, ['commit', '-f', 'data.dvc'])
    await dvcOk(name, twin, ['commit', '-f', 'data.dvc'])
    expect(r.read('data.dvc')).toBe(twin.read('data.dvc'))
    expect(cacheFiles(r)).toEqual(cacheFiles(twin))
    await dvcClean(name, r)
  })

  it('dvc pull gets what trellis push sent, trellis pull what dvc push sent', async () => {
    const storage = tempDir()
    const r = await project(name)
    addRemote(r, storage)
    await trellisOk(r, ['add', 'data', 'big.csv'])
    r.commitAll('track data')
    expect(await trellisOk(r, ['push'])).toContain('4 files pushed')
    const pushed = readdirSync(join(storage, objects), { recursive: true }).filter((f) => statSync(join(storage, objects, f)).isFile())
    expect(pushed).toHaveLength(4)

    const c = cloneOf(r)
    await dvcOk(name, c, ['pull'])
    expectData(c)
    await dvcClean(name, c)

    const storage2 = tempDir()
    const theirs = await project(name)
    addRemote(theirs, storage2)
    await dvcOk(name, theirs, ['add', 'data', 'big.csv'])
    theirs.commitAll('track data')
    await dvcOk(name, theirs, ['push'])
    const c2 = cloneOf(theirs)
    const pulled = await trellisOk(c2, ['pull'])
    expect(pulled).toContain('4 files fetched')
    expectData(c2)
    await dvcClean(name, c2)
  })

  it('trellis gc -w -f removes what dvc gc -w -f removes and never what dvc status and dvc checkout need; it clears leftover temp files', async () => {
    const r = await project(name)
    if (name === 'dvc3') {
      // a legacy (2.x) entry in the DVC 3 project, and a legacy object nothing uses any more
      r.write('legacy.txt', 'old\r\n')
      await dvcOk('dvc2', r, ['add', 'legacy.txt'])
      rmSync(r.path('legacy.txt'))
      r.write('legacy.txt', 'legacy\r\n')
      await dvcOk('dvc2', r, ['add', 'legacy.txt'])
      expect(r.read('legacy.txt.dvc')).not.toContain('hash:')
    }
    await trellisOk(r, ['add', 'data', 'big.csv'])
    r.commitAll('v1')
    rmSync(r.path('big.csv'))
    r.write('big.csv', 'x,y\r\n3,4\r\n')
    r.write('data/sub/b.txt', 'b2\n')
    await trellisOk(r, ['add', 'data', 'big.csv'])
    r.commitAll('v2')

    const twin = copyOf(r)
    // an interrupted write of an older Trellis, beside a live one's
    const shard = r.path(`.dvc/cache/${objects}ab`)
    const dead = `.${'c'.repeat(30)}.${deadPid()}-0.tmp`
    const live = `.${'d'.repeat(30)}.${process.pid}-0.tmp`
    r.write(`.dvc/cache/${objects}ab/${dead}`, 'partial')
    r.write(`.dvc/cache/${objects}ab/${live}`, 'writing')

    const before = cacheFiles(twin)
    await dvcOk(name, twin, ['gc', '-w', '-f'])
    const kept = cacheFiles(twin)
    const removed = before.filter((f) => !kept.includes(f))
    expect(removed.length).toBe(name === 'dvc3' ? 4 : 3) // the old big.csv, b.txt and data's .dir (+ the old legacy object)
    if (name === 'dvc3') expect(removed.some((f) => !f.startsWith('files/'))).toBe(true)

    const out = await trellisOk(r, ['gc', '-w', '-f'])
    expect(out).toContain(`Removed ${removed.length} objects`)
    expect(out).toContain('Removed 1 leftover temp file of interrupted cache writes (7 B).')
    expect(readdirSync(shard)).toEqual([live])
    rmSync(join(shard, live))
    expect(cacheFiles(r)).toEqual(kept)

    await dvcClean(name, r)
    rmSync(r.path('data'), { recursive: true, force: true })
    rmSync(r.path('big.csv'))
    await dvcOk(name, r, ['checkout'])
    expect(r.read('big.csv')).toBe('x,y\r\n3,4\r\n')
    expect(r.read('data/sub/b.txt')).toBe('b2\n')
    await dvcClean(name, r)
  })
})
