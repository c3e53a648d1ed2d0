import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commitDvcExperiment, commitDvcProject, md5, trainOutputs } from './support/dvc-model-experiment.js'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

/** A trained DVC project at lr 0.1, committed. */
function project(): Repo {
  const r = makeRepo({}, { commit: false })
  repos.push(r)
  commitDvcProject(r, '0.1')
  return r
}

/** Every workspace file (not .git, the DVC cache or .dvc/tmp): type, exec bit, content. */
function workspace(r: Repo): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(r.dir, rel))) {
      const path = rel ? `${rel}/${name}` : name
      if (path === '.git' || path === '.dvc/cache' || path === '.dvc/tmp') continue
      const st = lstatSync(r.path(path))
      if (st.isDirectory()) walk(path)
      else if (st.isSymbolicLink()) out[path] = `symlink -> ${readlinkSync(r.path(path))}`
      else out[path] = `${st.mode & 0o100 ? 'x' : '-'} ${readFileSync(r.path(path), 'utf8')}`
    }
  }
  walk('')
  return out
}

/** HEAD, the branch, the index and every ref. */
function gitState(r: Repo): Record<string, string> {
  return {
    head: r.git('rev-parse', 'HEAD'),
    branch: r.git('symbolic-ref', 'HEAD'),
    index: createHash('sha1').update(readFileSync(r.path('.git/index'))).digest('hex'),
    refs: r.git('for-each-ref', '--format=%(refname) %(objectname)'),
  }
}

const EXEC_APPLY = 'refs/exps/exec/EXEC_APPLY'
const refOrNull = (r: Repo, ref: string): string | null => {
  try {
    return r.git('rev-parse', '--verify', '-q', ref)
  } catch {
    return null
  }
}

describe('trellis exp apply', () => {
  it('brings params, dvc.lock, metrics and the cached output into the workspace, and nothing else', async () => {
    const r = project()
    const head = r.git('rev-parse', 'HEAD')
    const exp = commitDvcExperiment(r, { name: 'exp-a', lr: '0.5', files: { 'notes/added.md': 'from the experiment\n' } })
    r.write('scratch.txt', 'untracked, mine\n').write('train.sh', `${r.read('train.sh')}# my uncommitted edit\n`)
    const before = gitState(r)

    const res = await r.run(['exp', 'apply', 'exp-a'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toContain("Changes for experiment 'exp-a' have been applied to your current workspace.")
    expect(res.stdout).toMatch(/modified: +params\.yaml/)
    expect(res.stdout).toMatch(/added: +notes\/added\.md/)
    expect(res.stdout).toMatch(/output: +model\.pkl/)
    expect(res.stdout).toContain('trellis exp apply --undo')
    expect(res.stdout).toContain('trellis exp branch exp-a <branch>')

    expect(r.read('params.yaml')).toBe(exp.params)
    expect(r.read('dvc.lock')).toBe(exp.lock)
    expect(r.read('metrics.json')).toBe(exp.metrics)
    expect(r.read('model.pkl')).toBe(trainOutputs('0.5').model)
    expect(r.read('notes/added.md')).toBe('from the experiment\n')
    // untracked files and unrelated uncommitted edits stay
    expect(r.read('scratch.txt')).toBe('untracked, mine\n')
    expect(r.read('train.sh')).toContain('# my uncommitted edit')
    // HEAD, the branch, the index and refs/stash are untouched; EXEC_APPLY records the experiment
    const after = gitState(r)
    expect(after.head).toBe(head)
    expect(after.branch).toBe(before.branch)
    expect(after.index).toBe(before.index)
    expect(refOrNull(r, 'refs/stash')).toBeNull()
    expect(refOrNull(r, EXEC_APPLY)).toBe(exp.sha)
    expect(r.git('status', '--porcelain').split('\n').map((line) => line.trim()).sort()).toEqual(['?? notes/', '?? scratch.txt', 'M dvc.lock', 'M metrics.json', 'M params.yaml', 'M train.sh'])
    // the pipeline is consistent with what was applied (except the user's own train.sh edit)
    r.write('train.sh', r.read('train.sh').replace('# my uncommitted edit\n', ''))
    expect((await r.run(['status'])).stdout).toBe('Data and pipelines are up to date.\n')
  })

  it('links cached outputs per cache.type', async () => {
    const r = project()
    r.write('.dvc/config.local', '[cache]\n    type = symlink\n')
    const exp = commitDvcExperiment(r, { name: 'exp-sym', lr: '0.7' })
    const res = await r.run(['exp', 'apply', exp.sha.slice(0, 10)])
    expect(res.code).toBe(0)
    const model = r.path('model.pkl')
    expect(lstatSync(model).isSymbolicLink()).toBe(true)
    const hash = md5(exp.model)
    expect(readlinkSync(model)).toBe(r.path(`.dvc/cache/${hash.slice(0, 2)}/${hash.slice(2)}`))
    expect(readFileSync(model, 'utf8')).toBe(exp.model)
  })

  it('refuses, naming the files and changing nothing, when uncommitted changes would be overwritten', async () => {
    const r = project()
    const exp = commitDvcExperiment(r, { name: 'exp-a', lr: '0.5', files: { 'new.txt': 'experiment\n' } })
    r.write('params.yaml', 'lr: 0.3\n') // an edit that differs from the experiment's
    r.write('new.txt', 'my own file\n') // untracked, where the experiment adds one
    r.write('scratch.txt', 'untracked\n')
    const files = workspace(r)
    const git = gitState(r)

    const res = await r.run(['exp', 'apply', 'exp-a'])
    expect(res.code).not.toBe(0)
    expect(res.stdout).toBe('')
    expect(res.stderr).toContain("ERROR: Cannot apply 'exp-a': your workspace has uncommitted changes that the experiment would overwrite:")
    expect(res.stderr).toContain('\tparams.yaml (modified in the workspace)')
    expect(res.stderr).toContain('\tnew.txt (a file that is not in HEAD is in the way)')
    expect(res.stderr).not.toContain('dvc.lock')
    expect(res.stderr).toMatch(/hint: Nothing was changed\..*--force/)
    expect(workspace(r)).toEqual(files)
    expect(gitState(r)).toEqual(git)

    // the same edit as the experiment's is no conflict
    r.write('params.yaml', exp.params)
    rmSync(r.path('new.txt'))
    const ok = await r.run(['exp', 'apply', 'exp-a'])
    expect(ok.code).toBe(0)
    expect(r.read('new.txt')).toBe('experiment\n')
    expect(r.read('scratch.txt')).toBe('untracked\n')
  })

  it('refuses to replace an output that is not in the cache', async () => {
    const r = project()
    commitDvcExperiment(r, { name: 'exp-a', lr: '0.5' })
    r.write('model.pkl', 'hand-made model, never cached\n')
    const files = workspace(r)
    const res = await r.run(['exp', 'apply', 'exp-a'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('\tmodel.pkl (output not in the cache)')
    expect(workspace(r)).toEqual(files)
  })

  it('--force overwrites after saving everything, and --undo restores exactly the previous workspace', async () => {
    const r = project()
    const exp = commitDvcExperiment(r, { name: 'exp-a', lr: '0.5', files: { 'train.sh': null, 'extra/new.txt': 'new\n' } })
    r.write('params.yaml', 'lr: 0.3\n# mine\n')
    r.write('extra/new.txt', 'my untracked file in the way\n')
    r.write('scratch.txt', 'untracked\n')
    r.write('model.pkl', 'hand-made model, never cached\n')
    chmodSync(r.path('train.sh'), 0o755)
    const files = workspace(r)
    const git = gitState(r)

    const forced = await r.run(['exp', 'apply', '--force', 'exp-a'])
    expect(forced.stderr).toBe('')
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain('Overwrote uncommitted changes to')
    expect(r.read('params.yaml')).toBe(exp.params)
    expect(r.read('model.pkl')).toBe(exp.model)
    expect(r.read('extra/new.txt')).toBe('new\n')
    expect(r.exists('train.sh')).toBe(false)
    expect(r.read('scratch.txt')).toBe('untracked\n')
    expect(refOrNull(r, EXEC_APPLY)).toBe(exp.sha)

    const undo = await r.run(['exp', 'apply', '--undo'])
    expect(undo.stderr).toBe('')
    expect(undo.code).toBe(0)
    expect(undo.stdout).toContain("Undid the apply of experiment 'exp-a'")
    expect(workspace(r)).toEqual(files)
    expect(statSync(r.path('train.sh')).mode & 0o100).toBe(0o100)
    expect(gitState(r)).toEqual(git) // EXEC_APPLY and the undo record are gone again

    const again = await r.run(['exp', 'apply', '--undo'])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('Nothing to undo')
  })

  it('undoes successive applies one at a time, and refuses to undo over later edits', async () => {
    const r = project()
    const a = commitDvcExperiment(r, { name: 'exp-a', lr: '0.5' })
    const b = commitDvcExperiment(r, { name: 'exp-b', lr: '0.9' })
    const original = workspace(r)
    expect((await r.run(['exp', 'apply', 'exp-a'])).code).toBe(0)
    const afterA = workspace(r)
    expect(await r.run(['exp', 'apply', 'exp-b'])).toMatchObject({ code: 0, stderr: '' })
    expect(r.read('params.yaml')).toBe(b.params)
    expect(refOrNull(r, EXEC_APPLY)).toBe(b.sha)

    r.write('params.yaml', 'lr: 42\n')
    const refused = await r.run(['exp', 'apply', '--undo'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('\tparams.yaml (changed since it was applied)')
    expect(r.read('params.yaml')).toBe('lr: 42\n')
    expect(r.exists('.dvc/tmp/exps/apply-undo/PENDING')).toBe(false) // a refused undo leaves nothing to recover
    r.write('params.yaml', b.params)

    expect((await r.run(['exp', 'apply', '--undo'])).code).toBe(0)
    expect(workspace(r)).toEqual(afterA)
    expect(refOrNull(r, EXEC_APPLY)).toBe(a.sha)
    expect((await r.run(['exp', 'apply', '--undo'])).code).toBe(0)
    expect(workspace(r)).toEqual(original)
    expect(refOrNull(r, EXEC_APPLY)).toBeNull()
  })

  it('rolls back an apply that a crash interrupted before doing anything else', async () => {
    const r = project()
    commitDvcExperiment(r, { name: 'exp-a', lr: '0.5' })
    const b = commitDvcExperiment(r, { name: 'exp-b', lr: '0.9' })
    const original = workspace(r)
    expect((await r.run(['exp', 'apply', 'exp-a'])).code).toBe(0)
    // As if the process died halfway: the journal still names the record, one file is back, one is not.
    const record = r.git('rev-parse', 'refs/exps/exec/TRELLIS_APPLY_UNDO')
    r.write('.dvc/tmp/exps/apply-undo/PENDING', JSON.stringify({ record, operation: 'apply' }))
    r.write('params.yaml', 'lr: 0.1\n')

    const res = await r.run(['exp', 'apply', 'exp-b'])
    expect(res.code).toBe(0)
    expect(res.stderr).toContain("WARNING: an interrupted apply of 'exp-a' was rolled back first")
    expect(r.exists('.dvc/tmp/exps/apply-undo/PENDING')).toBe(false)
    expect(r.read('params.yaml')).toBe(b.params)
    expect(r.read('model.pkl')).toBe(b.model)
    // exp-b's undo goes straight back to the original workspace: exp-a's record was consumed by the rollback
    expect((await r.run(['exp', 'apply', '--undo'])).code).toBe(0)
    expect(workspace(r)).toEqual(original)
    expect((await r.run(['exp', 'apply', '--undo'])).stderr).toContain('Nothing to undo')
  })

  it('refuses, before writing anything, when an output is missing from the cache', async () => {
    const r = project()
    const exp = commitDvcExperiment(r, { name: 'exp-a', lr: '0.5', cacheOutput: false })
    const files = workspace(r)
    const res = await r.run(['exp', 'apply', 'exp-a'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain(`these outputs of the experiment are not in the cache:\n\tmodel.pkl (${md5(exp.model)})`)
    expect(res.stderr).toContain('Nothing was changed')
    expect(workspace(r)).toEqual(files)
    expect(refOrNull(r, EXEC_APPLY)).toBeNull()
  })

  it('rejects unknown names, and experiments of another baseline', async () => {
    const r = project()
    const old = commitDvcExperiment(r, { name: 'exp-old', lr: '0.5' })
    r.write('README.md', 'moved on\n').commitAll('second')
    const files = workspace(r)

    const unknown = await r.run(['exp', 'apply', 'no-such-exp'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain("ERROR: 'no-such-exp' is not an experiment name, ref or git revision")

    const notExp = await r.run(['exp', 'apply', 'HEAD~1'])
    expect(notExp.code).not.toBe(0)
    expect(notExp.stderr).toContain("ERROR: 'HEAD~1' does not appear to be an experiment commit.")

    const other = await r.run(['exp', 'apply', 'exp-old'])
    expect(other.code).not.toBe(0)
    expect(other.stderr).toContain(`'exp-old' is an experiment of baseline '${old.baseline.slice(0, 7)}'`)
    expect(other.stderr).toContain("not of the current HEAD 'main'")
    expect(workspace(r)).toEqual(files)
  })

  it('resolves a name used by several baselines toward HEAD, else fails listing the refs', async () => {
    const r = project()
    const first = commitDvcExperiment(r, { name: 'dup', lr: '0.2' })
    r.write('README.md', 'two\n')
    const second = r.commitAll('second')
    const mine = commitDvcExperiment(r, { name: 'dup', lr: '0.3' })
    expect(mine.baseline).toBe(second)

    const res = await r.run(['exp', 'apply', 'dup'])
    expect(res.code).toBe(0)
    expect(r.read('params.yaml')).toBe(mine.params)
    expect((await r.run(['exp', 'apply', '--undo'])).code).toBe(0)

    r.write('README.md', 'three\n').commitAll('third')
    const ambiguous = await r.run(['exp', 'apply', 'dup'])
    expect(ambiguous.code).not.toBe(0)
    expect(ambiguous.stderr).toContain("'dup' is ambiguous")
    expect(ambiguous.stderr).toContain(`\t${first.ref}`)
    expect(ambiguous.stderr).toContain(`\t${mine.ref}`)
    // a full ref is never ambiguous (but still has to be HEAD's)
    const full = await r.run(['exp', 'apply', mine.ref])
    expect(full.stderr).toContain('is an experiment of baseline')
  })

  it('applies an earlier checkpoint of a checkpoint experiment', async () => {
    const r = project()
    const c1 = commitDvcExperiment(r, { name: 'ckpt', lr: '0.4', writeRef: false })
    const c2 = commitDvcExperiment(r, { name: 'ckpt', lr: '0.45', parent: c1.sha })
    const res = await r.run(['exp', 'apply', c1.sha])
    expect(res.code).toBe(0)
    expect(r.read('params.yaml')).toBe(c1.params)
    expect(r.read('model.pkl')).toBe(c1.model)
    expect(refOrNull(r, EXEC_APPLY)).toBe(c1.sha)
    expect(c2.sha).not.toBe(c1.sha)
  })

  it('handles a file becoming a directory and back, symlinks and exec bits, and undoes them', async () => {
    const r = project()
    r.write('x', 'a file\n').write('d/inside.txt', 'in a dir\n').write('tool.sh', 'echo\n')
    r.commitAll('shapes')
    const exp = commitDvcExperiment(r, { name: 'shapes', lr: '0.5', files: { x: null, 'x/now-a-dir.txt': 'x is a dir\n', 'd/inside.txt': null, d: 'd is a file\n' } })
    // exec bit and a symlink, written into the experiment with plain git on top of it
    const env = { ...process.env, GIT_INDEX_FILE: r.path('.git/tmp-index') }
    const git = (...args: string[]) => execFileSync('git', args, { cwd: r.dir, env, encoding: 'utf8' }).trim()
    git('read-tree', exp.sha)
    git('update-index', '--chmod=+x', 'tool.sh')
    const link = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: r.dir, input: 'params.yaml', encoding: 'utf8' }).trim()
    git('update-index', '--add', '--cacheinfo', `120000,${link},link-to-params`)
    const sha = execFileSync('git', ['commit-tree', git('write-tree'), '-p', r.git('rev-parse', 'HEAD'), '-m', 'dvc: commit experiment 00'], { cwd: r.dir, encoding: 'utf8' }).trim()
    rmSync(r.path('.git/tmp-index'))
    r.git('update-ref', exp.ref, sha)
    const original = workspace(r)

    const res = await r.run(['exp', 'apply', 'shapes'])
    expect(res).toMatchObject({ code: 0, stderr: '' })
    expect(r.read('x/now-a-dir.txt')).toBe('x is a dir\n')
    expect(r.read('d')).toBe('d is a file\n')
    expect(statSync(r.path('tool.sh')).mode & 0o100).toBe(0o100)
    expect(readlinkSync(r.path('link-to-params'))).toBe('params.yaml')
    expect(r.git('status', '--porcelain', '--', 'tool.sh', 'x', 'd')).not.toBe('')

    expect(await r.run(['exp', 'apply', '--undo'])).toMatchObject({ code: 0, stderr: '' })
    expect(workspace(r)).toEqual(original)
    expect(r.git('status', '--porcelain')).toBe('')
  })

  it('checks out directory outputs made by trellis repro', async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  prepare:\n    cmd: mkdir -p out && cp params.yaml out/a.txt && echo fixed > out/b.txt\n    deps: [params.yaml]\n    outs: [out]\n',
      'params.yaml': 'n: 1\n',
    })
    repos.push(r)
    expect((await r.run(['repro'])).code).toBe(0)
    const baseline = r.commitAll('baseline')
    // the variation, reproduced and committed as an experiment (via a throw-away branch)
    r.write('params.yaml', 'n: 2\n')
    expect((await r.run(['repro'])).code).toBe(0)
    r.git('checkout', '-q', '-b', 'tmp')
    const sha = r.commitAll('dvc: commit experiment 11')
    r.git('checkout', '-q', 'main')
    r.git('branch', '-q', '-D', 'tmp')
    r.git('update-ref', `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/dir-exp`, sha)
    expect((await r.run(['repro'])).code).toBe(0) // back to the baseline's out/ (from the run-cache)
    expect(r.read('out/a.txt')).toBe('n: 1\n')
    const original = workspace(r)

    const res = await r.run(['exp', 'apply', 'dir-exp'])
    expect(res).toMatchObject({ code: 0, stderr: '' })
    expect(res.stdout).toMatch(/output: +out\n/)
    expect(r.read('out/a.txt')).toBe('n: 2\n')
    expect(r.read('out/b.txt')).toBe('fixed\n')
    expect((await r.run(['status'])).stdout).toBe('Data and pipelines are up to date.\n')
    expect((await r.run(['exp', 'apply', '--undo'])).code).toBe(0)
    expect(workspace(r)).toEqual(original)
  })

  it('works in a project initialised with --subdir (paths relative to the git root and the DVC root)', async () => {
    const r = makeRepo({}, { init: false, commit: false })
    repos.push(r)
    r.write('sub/dvc.yaml', 'stages:\n  s:\n    cmd: cp params.yaml model.txt\n    deps: [params.yaml]\n    outs: [model.txt]\n').write('sub/params.yaml', 'n: 1\n')
    expect((await r.run(['init', '--subdir', '-q'], { cwd: 'sub' })).code).toBe(0)
    expect((await r.run(['repro', '-q'], { cwd: 'sub' })).code).toBe(0)
    const baseline = r.commitAll('baseline')
    r.write('sub/params.yaml', 'n: 2\n')
    expect((await r.run(['repro', '-q'], { cwd: 'sub' })).code).toBe(0)
    r.git('checkout', '-q', '-b', 'tmp')
    const sha = r.commitAll('dvc: commit experiment 22')
    r.git('checkout', '-q', 'main')
    r.git('branch', '-q', '-D', 'tmp')
    r.git('update-ref', `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/sub-exp`, sha)
    expect((await r.run(['repro', '-q'], { cwd: 'sub' })).code).toBe(0)
    expect(r.read('sub/model.txt')).toBe('n: 1\n')

    const res = await r.run(['exp', 'apply', 'sub-exp'], { cwd: 'sub' })
    expect(res).toMatchObject({ code: 0, stderr: '' })
    expect(res.stdout).toMatch(/modified: +sub\/params\.yaml\n/)
    expect(res.stdout).toMatch(/output: +sub\/model\.txt\n/)
    expect(r.read('sub/model.txt')).toBe('n: 2\n')
    expect((await r.run(['status'], { cwd: 'sub' })).stdout).toBe('Data and pipelines are up to date.\n')
    expect((await r.run(['exp', 'apply', '--undo'], { cwd: 'sub' })).code).toBe(0)
    expect(r.read('sub/model.txt')).toBe('n: 1\n')
    expect(r.git('status', '--porcelain')).toBe('')
  })
})
