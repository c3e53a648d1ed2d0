/**
 * A small team for the sharing tests: a project (the one `exp run` tests use),
 * a bare git remote it pushes to as `origin`, a clone of that remote, and a
 * directory DVC remote `storage` (core.remote), all in one temp directory.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { Repo, makeRepo, type RunResult } from './repo.js'

const TRAIN =
  "const fs=require('fs');const lr=Number(/lr: *([0-9.e-]+)/.exec(fs.readFileSync('params.yaml','utf8'))[1]);" +
  "fs.writeFileSync('model.txt','model '+lr+'\\n');fs.writeFileSync('metrics.json',JSON.stringify({loss:1-lr}))\n"

const DVC_YAML =
  'stages:\n  train:\n    cmd: node train.cjs\n    deps: [train.cjs]\n    params: [train.lr]\n    outs: [model.txt]\n' +
  '    metrics:\n    - metrics.json:\n        cache: false\n'

export interface Team {
  /** Holds remote.git, storage/ and bob/. */
  base: string
  /** The bare git remote (`origin` of alice). */
  bare: string
  /** The directory DVC remote. */
  storage: string
  /** The teammate who runs experiments. */
  alice: Repo
  /** The teammate who pulls them (a clone of the remote). */
  bob: Repo
  remove(): void
}

export function makeTeam(options: { dvcRemote?: boolean } = {}): Team {
  const base = mkdtempSync(join(tmpdir(), 'trellis-team-'))
  const storage = join(base, 'storage')
  const files: Record<string, string> = { 'dvc.yaml': DVC_YAML, 'params.yaml': 'train:\n  lr: 0.1\n', 'train.cjs': TRAIN }
  if (options.dvcRemote !== false) files['.dvc/config'] = `[core]\n    remote = storage\n['remote "storage"']\n    url = ${storage}\n`
  const alice = makeRepo(files)
  const bare = join(base, 'remote.git')
  execFileSync('git', ['clone', '-q', '--bare', alice.dir, bare])
  alice.git('remote', 'add', 'origin', bare)
  const bob = new Repo(join(base, 'bob'))
  execFileSync('git', ['clone', '-q', bare, bob.dir])
  return {
    base,
    bare,
    storage,
    alice,
    bob,
    remove() {
      alice.remove()
      rmSync(base, { recursive: true, force: true })
    },
  }
}

export const gitIn = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim()

/** `<ref> <sha>` of each experiment ref (helper refs left out). */
export const expRefs = (dir: string) =>
  gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/exps').split('\n').filter((l) => l && !l.includes('/exec/'))

export const allRefs = (dir: string) => gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)').split('\n').filter(Boolean)

/** The md5 that `rev`'s dvc.lock records for an output. */
export const lockedMd5 = (r: Repo, rev: string, out: string) => new RegExp(`- path: ${out}\\n\\s+md5: ([0-9a-f]{32})`).exec(r.git('show', `${rev}:dvc.lock`))![1]!

export const inStorage = (storage: string, md5: string) => existsSync(join(storage, md5.slice(0, 2), md5.slice(2)))

/**
 * An experiment made with git plumbing (no pipeline run): a commit on HEAD with
 * `tree` (default HEAD's), under refs/exps/<HEAD>/<name>. Returns [ref, sha].
 */
export function plumbExp(r: Repo, name: string, tree = 'HEAD^{tree}'): [string, string] {
  const head = r.git('rev-parse', 'HEAD')
  const sha = r.git('commit-tree', '-p', head, '-m', `plumbing ${name}`, tree)
  const ref = `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/${name}`
  r.git('update-ref', ref, sha)
  return [ref, sha]
}

export async function ok(r: Repo, args: string[], env?: Record<string, string>): Promise<RunResult> {
  const res = await r.run(args, { env })
  expect(res.code, `${args.join(' ')}\n${res.stdout}\n${res.stderr}`).toBe(0)
  return res
}
