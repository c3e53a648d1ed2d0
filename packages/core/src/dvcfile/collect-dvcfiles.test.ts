import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../errors.js'
import { collectDvcFiles } from './collect-dvcfiles.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'trellis-collect-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: root, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })
}

async function write(path: string, text = ''): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true })
  await writeFile(join(root, path), text)
}

describe('collectDvcFiles', () => {
  it('lists tracked and untracked, non-ignored dvc.yaml and *.dvc files, sorted', async () => {
    git('init', '-q')
    await write('.gitignore', '.venv/\n/ignored.dvc\n')
    await write('dvc.yaml', 'stages: {}\n')
    await write('sub/dvc.yaml', 'stages: {}\n')
    await write('data/raw.dvc', 'outs: []\n')
    await write('data.xml.dvc', 'outs: []\n')
    await write('ignored.dvc', 'outs: []\n')
    await write('.venv/lib/pkg/dvc.yaml', 'stages: {}\n')
    await write('.venv/lib/pkg/x.dvc', '')
    await write('.dvc/config', '')
    await write('.dvc/tmp/a.dvc', '')
    await write('dvc.yml', '')
    await write('notdvc.yaml', '')
    git('add', 'dvc.yaml', 'data/raw.dvc')
    git('commit', '-qm', 'init')
    expect(await collectDvcFiles(root)).toEqual(['data.xml.dvc', 'data/raw.dvc', 'dvc.yaml', 'sub/dvc.yaml'])
  })

  it('leaves out tracked files deleted from the working tree', async () => {
    git('init', '-q')
    await write('a/dvc.yaml', 'stages: {}\n')
    await write('b/dvc.yaml', 'stages: {}\n')
    git('add', '.')
    git('commit', '-qm', 'init')
    await rm(join(root, 'a/dvc.yaml'))
    expect(await collectDvcFiles(root)).toEqual(['b/dvc.yaml'])
  })

  it('does not walk ignored directories (a large .venv costs nothing)', async () => {
    git('init', '-q')
    await write('.gitignore', '.venv/\n')
    await write('dvc.yaml', 'stages: {}\n')
    await Promise.all(Array.from({ length: 2000 }, (_, i) => write(`.venv/lib/m${i % 50}/f${i}.py`)))
    // correctness only; speed is a benchmark concern
    expect(await collectDvcFiles(root)).toEqual(['dvc.yaml'])
  })

  it('fails with NOT_A_GIT_REPO outside a repository', async () => {
    const error = await collectDvcFiles(root).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TrellisError)
    expect((error as TrellisError).code).toBe('NOT_A_GIT_REPO')
  })
})
