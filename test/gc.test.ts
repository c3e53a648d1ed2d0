/**
 * `trellis gc`: what each scope keeps, confirmation, counts and bytes, -c on the DVC remote,
 * DVC 3 objects (files/md5), and the leftover temp files of older versions' interrupted writes.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const TRAIN = "const fs=require('fs');const s=/seed: *(\\d+)/.exec(fs.readFileSync('params.yaml','utf8'))[1];fs.writeFileSync('model.txt','model '+s+'\\n')\n"
const DVC_YAML = 'stages:\n  train:\n    cmd: node train.cjs\n    deps: [train.cjs]\n    params: [seed]\n    outs: [model.txt]\n'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((f) => f()))

const md5 = (text: string) => createHash('md5').update(text).digest('hex')
const model = (seed: number) => md5(`model ${seed}\n`)
const inCache = (r: Repo, hash: string) => existsSync(r.path(`.dvc/cache/${hash.slice(0, 2)}/${hash.slice(2)}`))

async function ok(r: Repo, args: string[]) {
  const result = await r.run(args)
  if (result.code !== 0) throw new Error(`trellis ${args.join(' ')}: ${result.stderr}`)
  return result
}

/** main records model 1; branch `other` records model 2; the workspace (main) ran seed 3 then back to 1. */
async function setup(storage?: string, dvc3 = false): Promise<Repo> {
  const files: Record<string, string> = { 'dvc.yaml': DVC_YAML, 'train.cjs': TRAIN, 'params.yaml': 'seed: 1\n' }
  if (storage) files['.dvc/config'] = `[core]\n    remote = s\n['remote "s"']\n    url = ${storage}\n`
  if (dvc3) files['.trellisrc.yaml'] = 'dvcFormat: 3\n'
  const r = makeRepo(files)
  cleanups.push(() => r.remove())
  await ok(r, ['repro'])
  r.commitAll('model 1')
  r.git('checkout', '-q', '-b', 'other')
  r.write('params.yaml', 'seed: 2\n')
  await ok(r, ['repro'])
  r.commitAll('model 2')
  r.git('checkout', '-q', 'main')
  await ok(r, ['checkout', '-f'])
  r.write('params.yaml', 'seed: 3\n')
  await ok(r, ['repro'])
  r.write('params.yaml', 'seed: 1\n')
  await ok(r, ['repro'])
  return r
}

describe('trellis gc', () => {
  it('needs a scope; -r needs -c; without -f it refuses when stdin is not a terminal, removing nothing', async () => {
    const r = await setup()
    const none = await r.run(['gc'])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain('ERROR: Either of `-w|--workspace`, `-a|--all-branches`, `-T|--all-tags` `--all-experiments`, `--all-commits`, `--date` or `--rev` needs to be set.')
    expect((await r.run(['gc', '-w', '-r', 's'])).stderr).toContain('ERROR: `--remote` requires `--cloud` or `--not-in-remote`')
    const refused = await r.run(['gc', '-w'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('WARNING: This will remove all cache except items used in the workspace of the current repo.')
    expect(refused.stderr).toContain('ERROR: Refusing to remove 2 objects (16 B) without confirmation: stdin is not a terminal.')
    expect(inCache(r, model(3))).toBe(true)
  })

  it('-a keeps branch tips; -w keeps the workspace and HEAD only; reports count and bytes', async () => {
    const r = await setup()
    const a = await ok(r, ['gc', '-a', '-f'])
    expect(a.stdout).toBe('Removed 1 object (8 B) from the cache.\n')
    expect([inCache(r, model(1)), inCache(r, model(2)), inCache(r, model(3))]).toEqual([true, true, false])
    expect((await ok(r, ['gc', '-a', '-T', '-f'])).stdout).toBe("No unused 'local' cache to remove.\n")
    expect((await ok(r, ['gc', '-w', '-f'])).stdout).toBe('Removed 1 object (8 B) from the cache.\n')
    expect([inCache(r, model(1)), inCache(r, model(2))]).toEqual([true, false])
    expect((await ok(r, ['status'])).stdout).toContain('up to date')
  })

  it('--all-commits keeps every commit, --all-experiments every experiment', async () => {
    const r = await setup()
    // (--temp: the workspace and its EXEC_APPLY, whose data gc always keeps, stay as they are)
    await ok(r, ['exp', 'run', '--temp', '-S', 'seed=5'])
    expect(inCache(r, model(5))).toBe(true)
    await ok(r, ['gc', '--all-commits', '--all-experiments', '-f'])
    expect([inCache(r, model(1)), inCache(r, model(2)), inCache(r, model(3)), inCache(r, model(5))]).toEqual([true, true, false, true])
    await ok(r, ['gc', '--all-commits', '-f'])
    expect([inCache(r, model(2)), inCache(r, model(5))]).toEqual([true, false])
  })

  it('keeps what exp apply --undo restores and the applied experiment', async () => {
    const r = await setup()
    await ok(r, ['exp', 'run', '-n', 'five', '-S', 'seed=5'])
    r.write('params.yaml', 'seed: 3\n')
    await ok(r, ['repro'])
    await ok(r, ['exp', 'apply', '-f', 'five'])
    expect(r.read('model.txt')).toBe('model 5\n')
    await ok(r, ['gc', '-w', '-f'])
    expect([inCache(r, model(2)), inCache(r, model(3)), inCache(r, model(5))]).toEqual([false, true, true])
    await ok(r, ['exp', 'apply', '--undo'])
    expect(r.read('model.txt')).toBe('model 3\n')
  })

  it('removes the temp files interrupted cache writes of older versions left in the shards, never counting them as objects', async () => {
    const r = await setup()
    const shard = r.path(`.dvc/cache/${model(1).slice(0, 2)}`)
    const gone = spawnSync(process.execPath, ['-e', '']).pid! // a writer that is not running any more
    const dead = `.${model(1).slice(2)}.${gone}-0.tmp`
    const live = `.${model(1).slice(2)}.${process.pid}-1.tmp` // a writer still running: left alone
    writeFileSync(join(shard, dead), 'part')
    writeFileSync(join(shard, live), 'writing')
    const gc = await ok(r, ['gc', '-w', '-f'])
    expect(gc.stdout).toBe('Removed 2 objects (16 B) from the cache.\nRemoved 1 leftover temp file of interrupted cache writes (4 B).\n')
    expect(readdirSync(shard).filter((f) => f.startsWith('.'))).toEqual([live])
    writeFileSync(join(shard, dead), 'part')
    expect((await ok(r, ['gc', '-w', '-f'])).stdout).toBe("No unused 'local' cache to remove.\nRemoved 1 leftover temp file of interrupted cache writes (4 B).\n")
    expect((await ok(r, ['gc', '-w', '-f'])).stdout).toBe("No unused 'local' cache to remove.\n")
    expect(inCache(r, model(1))).toBe(true)
  })

  it('collects DVC 3 objects (files/md5) too, keeping each kind for its own entries', async () => {
    const r = await setup(undefined, true)
    const dvc3 = (seed: number) => existsSync(r.path(`.dvc/cache/files/md5/${model(seed).slice(0, 2)}/${model(seed).slice(2)}`))
    expect(r.read('dvc.lock')).toContain('hash: md5')
    expect([dvc3(1), dvc3(2), dvc3(3)]).toEqual([true, true, true])
    // a 2.x object of the same hex as a used DVC 3 one: no 2.x entry uses it
    mkdirSync(r.path(`.dvc/cache/${model(1).slice(0, 2)}`), { recursive: true })
    writeFileSync(r.path(`.dvc/cache/${model(1).slice(0, 2)}/${model(1).slice(2)}`), 'model 1\n')
    expect((await ok(r, ['gc', '-a', '-f'])).stdout).toBe('Removed 2 objects (16 B) from the cache.\n')
    expect([dvc3(1), dvc3(2), dvc3(3), inCache(r, model(1))]).toEqual([true, true, false, false])
    expect((await ok(r, ['gc', '-w', '-f'])).stdout).toBe('Removed 1 object (8 B) from the cache.\n')
    expect([dvc3(1), dvc3(2)]).toEqual([true, false])
    expect((await ok(r, ['status'])).stdout).toContain('up to date')
  })

  it('-c collects the DVC 3 objects of the remote (files/md5) too', async () => {
    const base = mkdtempSync(join(tmpdir(), 'trellis-gc-'))
    cleanups.push(() => rmSync(base, { recursive: true, force: true }))
    const storage = join(base, 'storage')
    const r = await setup(storage, true)
    await ok(r, ['push', '-a'])
    const dvc3 = join(storage, 'files', 'md5')
    const listed = () => readdirSync(dvc3).flatMap((d) => readdirSync(join(dvc3, d)).map((f) => d + f)).sort()
    expect(listed()).toEqual([model(1), model(2)].sort())
    // a 2.x object at the remote's root: no 2.x entry uses it
    mkdirSync(join(storage, model(1).slice(0, 2)))
    writeFileSync(join(storage, model(1).slice(0, 2), model(1).slice(2)), 'model 1\n')
    const c = await ok(r, ['gc', '-w', '-c', '-f'])
    expect(c.stdout).toBe("Removed 2 objects (16 B) from the cache.\nRemoved 2 objects from DVC remote 's'.\n")
    expect(listed()).toEqual([model(1)])
    expect(existsSync(join(storage, model(1).slice(0, 2), model(1).slice(2)))).toBe(false)
  })

  it('-c also removes the DVC remote\'s unused objects', async () => {
    const base = mkdtempSync(join(tmpdir(), 'trellis-gc-'))
    cleanups.push(() => rmSync(base, { recursive: true, force: true }))
    const storage = join(base, 'storage')
    const r = await setup(storage)
    await ok(r, ['push', '-a'])
    await ok(r, ['gc', '-a', '-f']) // model 3 was never pushed
    const listed = () => readdirSync(storage).flatMap((d) => readdirSync(join(storage, d)).map((f) => d + f)).sort()
    expect(listed()).toEqual([model(1), model(2)].sort())
    const c = await ok(r, ['gc', '-w', '-c', '-f'])
    expect(c.stdout).toBe("Removed 1 object (8 B) from the cache.\nRemoved 1 object from DVC remote 's'.\n")
    expect(listed()).toEqual([model(1)])
  })
})
