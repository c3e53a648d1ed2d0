/**
 * Progress on stderr through the real CLI (`src/progress.ts`): hashing a big directory
 * dependency in `repro` / `status`, a big directory output restored from the cache by
 * `repro` (run-cache) and `exp apply`, and the entries of `exp run --run-all`. `script` gives
 * the CLI a pty; with -q or when stderr is piped nothing is printed and stdout is unchanged.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI, makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const FILES = 300
const COUNT = "const fs=require('fs');fs.writeFileSync('count.txt',fs.readdirSync('data').length+' '+fs.readFileSync('params.yaml','utf8'))\n"

function project(): Repo {
  const files: Record<string, string> = {
    'dvc.yaml': 'stages:\n  count:\n    cmd: node count.cjs\n    deps: [count.cjs, data]\n    params: [lr]\n    outs: [count.txt]\n',
    'params.yaml': 'lr: 0.1\n',
    'count.cjs': COUNT,
  }
  for (let i = 0; i < FILES; i++) files[`data/f${i}`] = `file ${i}\n`
  const repo = makeRepo(files)
  repos.push(repo)
  return repo
}

const WRITE_OUT = `const fs=require('fs');const lr=fs.readFileSync('params.yaml','utf8').trim();fs.mkdirSync('out');for(let i=0;i<${FILES};i++)fs.writeFileSync('out/f'+i,i+' '+lr+'\\n')\n`

function outputProject(): Repo {
  const repo = makeRepo({
    'dvc.yaml': 'stages:\n  write:\n    cmd: node write.cjs\n    deps: [write.cjs]\n    params: [lr]\n    outs: [out]\n',
    'params.yaml': 'lr: 0.1\n',
    'write.cjs': WRITE_OUT,
  })
  repos.push(repo)
  return repo
}

/** The CLI on a pty (stdout and stderr both go to it: `script` prints what the terminal shows). */
function onTty(repo: Repo, args: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, TRELLIS_PROGRESS_DELAY_MS: '0', NO_COLOR: '1' }
  delete env.NODE_ENV
  return execFileSync('script', ['-qec', `'${process.execPath}' '${CLI}' ${args}`, '/dev/null'], { cwd: repo.dir, env, encoding: 'utf8' })
}

const ESC = '\u001B'

describe('progress', () => {
  it('hashing a directory in repro and status shows files done/total on a terminal, nothing with -q or when piped', async () => {
    const repo = project()
    const shown = onTty(repo, 'repro')
    expect(shown).toMatch(new RegExp(`Hashing\\.\\.\\. \\d+/${FILES} files`))
    expect(shown).toContain(`Hashing... ${FILES}/${FILES} files`)
    expect(shown).toContain("Running stage 'count':")
    expect(repo.read('count.txt')).toBe(`${FILES} lr: 0.1\n`)

    const rewrite = (tag: string) => {
      for (let i = 0; i < FILES; i++) repo.write(`data/f${i}`, `file ${i} ${tag}\n`)
    }
    rewrite('a')
    expect(onTty(repo, 'status')).toMatch(new RegExp(`Hashing\\.\\.\\. \\d+/${FILES} files[^]*count:`))
    rewrite('b')
    expect(onTty(repo, 'status -q')).toBe('')
    rewrite('c')
    const piped = await repo.run(['status'], { env: { TRELLIS_PROGRESS_DELAY_MS: '0' } })
    expect([piped.stdout, piped.stderr]).toEqual(['count:\n\tchanged deps:\n\t\tmodified:           data\n', ''])
    rewrite('d')
    const quiet = onTty(repo, 'repro -q')
    expect(quiet).toBe('')
    expect(repo.read('count.txt')).toBe(`${FILES} lr: 0.1\n`)
  })

  it('a directory output restored from the cache (repro from the run-cache, exp apply) shows files done/total on a terminal', async () => {
    const repo = outputProject()
    const ok = async (args: string[]) => expect((await repo.run(args)).code).toBe(0)
    await ok(['repro'])
    repo.write('params.yaml', 'lr: 0.2\n')
    await ok(['repro'])
    repo.write('params.yaml', 'lr: 0.1\n')
    const restored = onTty(repo, 'repro')
    expect(restored).toContain("Stage 'write' is cached - skipping run, checking out outputs")
    expect(restored).toContain(`Checkout... ${FILES}/${FILES} files`)
    expect(repo.read('out/f7')).toBe('7 lr: 0.1\n')
    repo.commitAll('baseline')
    await ok(['exp', 'run', '-n', 'high', '-S', 'lr=0.3'])
    await ok(['exp', 'run', '-n', 'higher', '-S', 'lr=0.4'])
    const applied = onTty(repo, 'exp apply high')
    expect(applied).toContain(`Checkout... ${FILES}/${FILES} files`)
    expect(repo.read('out/f7')).toBe('7 lr: 0.3\n')
    expect(onTty(repo, 'exp apply higher -q')).toBe('')
    expect(repo.read('out/f7')).toBe('7 lr: 0.4\n')
    const piped = await repo.run(['exp', 'apply', 'high'], { env: { TRELLIS_PROGRESS_DELAY_MS: '0' } })
    expect(piped.stderr).toBe('')
    expect(piped.stdout).not.toContain('Checkout')
    expect(repo.read('out/f7')).toBe('7 lr: 0.3\n')
  })

  it('exp run --run-all shows experiments done/total on a terminal beside the queue lines; nothing more when piped, nothing with -q', async () => {
    const repo = project()
    await repo.run(['repro'])
    repo.commitAll('reproduced')
    const queue = async (lr: string) => expect((await repo.run(['exp', 'run', '--queue', '-S', `lr=${lr}`])).code).toBe(0)
    await queue('0.2')
    await queue('0.3')
    const shown = onTty(repo, 'exp run --run-all')
    expect(shown).toContain('Running 2 queued experiment(s), 1 at a time')
    expect(shown).toMatch(/Running experiment '[0-9a-f]{7}'/)
    expect(shown).toMatch(/Running experiments\.\.\. (\S )?1\/2 experiments/)
    expect(shown).toContain('Running experiments... 2/2 experiments')
    expect(shown).toContain('Queue run: 2 reproduced.')

    await queue('0.4')
    expect(onTty(repo, 'exp run --run-all -q')).toBe('')
    await queue('0.5')
    const piped = await repo.run(['exp', 'run', '--run-all'], { env: { TRELLIS_PROGRESS_DELAY_MS: '0' } })
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('')
    expect(piped.stdout).toMatch(/^Running 1 queued experiment\(s\), 1 at a time; logs: trellis queue logs <entry>\nRunning experiment '[0-9a-f]{7}' in .*\nReproduced experiment '[^']+' from '[0-9a-f]{7}' \(\d+\.\d s\)\n\nQueue run: 1 reproduced\.\n/)
    expect(piped.stdout).not.toContain(ESC)
    expect(piped.stdout).not.toContain('experiments...')
  })
})
