/**
 * exp push / exp pull between a Trellis clone and a DVC clone, over a bare git remote and
 * a local DVC remote: the experiment's refs and its cached outputs travel both ways.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Repo } from '../support/repo.js'
import { dvcOk, type DvcName } from '../support/dvc.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

async function trellisOk(r: Repo, args: string[]): Promise<string> {
  const res = await r.run(args)
  if (res.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}

const PROJECT: Record<string, string> = {
  'params.yaml': 'lr: 0.1\n',
  'train.sh': 'lr=$(sed -n "s/^lr: //p" params.yaml)\nprintf \'{"acc": %s}\' "$lr" > m.json\necho "model $lr" > model.txt\n',
  'dvc.yaml': 'stages:\n  train:\n    cmd: sh train.sh\n    deps: [train.sh]\n    params: [lr]\n    outs: [model.txt]\n    metrics:\n    - m.json:\n        cache: false\n',
}

/** A bare git remote holding the baseline, a DVC remote directory, and two clones sharing them. */
async function team(): Promise<{ ours: Repo; theirs: Repo }> {
  const top = mkdtempSync(join(tmpdir(), 'trellis-interop-team-'))
  dirs.push(top)
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } })
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(top, 'remote.git')])
  mkdirSync(join(top, 'storage'))
  const seed = new Repo(join(top, 'seed'))
  mkdirSync(seed.dir)
  git(seed.dir, 'init', '-q', '-b', 'main')
  await trellisOk(seed, ['init', '-q'])
  for (const [k, v] of Object.entries(PROJECT)) seed.write(k, v)
  seed.write('.dvc/config', `[core]\n    remote = storage\n['remote "storage"']\n    url = ${join(top, 'storage')}\n`)
  await trellisOk(seed, ['repro'])
  git(seed.dir, 'add', '-A')
  git(seed.dir, 'commit', '-qm', 'baseline')
  git(seed.dir, 'remote', 'add', 'origin', join(top, 'remote.git'))
  git(seed.dir, 'push', '-q', 'origin', 'main')
  const clone = (name: string) => {
    git(top, 'clone', '-q', join(top, 'remote.git'), name)
    return new Repo(join(top, name))
  }
  return { ours: clone('ours'), theirs: clone('theirs') }
}

describe.each<DvcName>(['dvc2', 'dvc3'])('exp push / pull with %s', (name) => {
  it('Trellis pushes an experiment; DVC pulls it, with its data, and applies it', async () => {
    const { ours, theirs } = await team()
    await trellisOk(ours, ['repro'])
    await trellisOk(ours, ['exp', 'run', '-S', 'lr=0.5', '-n', 'from-trellis'])
    await trellisOk(ours, ['exp', 'push', 'origin', 'from-trellis'])
    await dvcOk(name, theirs, ['exp', 'pull', 'origin', 'from-trellis'])
    await dvcOk(name, theirs, ['exp', 'apply', 'from-trellis'])
    expect(theirs.read('params.yaml')).toBe('lr: 0.5\n')
    expect(theirs.read('model.txt')).toBe('model 0.5\n')
  })

  it('DVC pushes an experiment; Trellis pulls it, with its data, and applies it', async () => {
    const { ours, theirs } = await team()
    await dvcOk(name, theirs, ['exp', 'run', '-S', 'lr=0.7', '-n', 'from-dvc'])
    await dvcOk(name, theirs, ['exp', 'push', 'origin', 'from-dvc'])
    await trellisOk(ours, ['exp', 'pull', 'origin', 'from-dvc'])
    await trellisOk(ours, ['exp', 'apply', 'from-dvc'])
    expect(ours.read('params.yaml')).toBe('lr: 0.7\n')
    expect(ours.read('model.txt')).toBe('model 0.7\n')
  })
})
