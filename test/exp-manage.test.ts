import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commitDvcExperiment, commitDvcProject, type DvcExperiment } from './support/dvc-model-experiment.js'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
const dirs: string[] = []
afterEach(() => {
  repos.splice(0).forEach((r) => r.remove())
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }))
})

function project(): Repo {
  const r = makeRepo({}, { commit: false })
  repos.push(r)
  commitDvcProject(r, '0.1')
  return r
}

const expRefs = (r: Repo): string[] => r.git('for-each-ref', '--format=%(refname)', 'refs/exps/').split('\n').filter(Boolean)
const refOrNull = (r: Repo, ref: string): string | null => {
  try {
    return r.git('rev-parse', '--verify', '-q', ref)
  } catch {
    return null
  }
}

/**
 * Baselines: `v1` (tagged, first commit) with exp-a and exp-b; `lonely` (no
 * tag or branch: a commit amended away) with exp-gone; `side` (branch tip)
 * with exp-side; HEAD (`main`) with exp-c and exp-d.
 */
function history(): { r: Repo; v1: string; lonely: string; side: string; head: string; exps: Record<string, DvcExperiment> } {
  const r = project()
  const v1 = r.git('rev-parse', 'HEAD')
  r.git('tag', '-a', 'v1', '-m', 'release 1')
  const exps: Record<string, DvcExperiment> = {}
  exps['exp-a'] = commitDvcExperiment(r, { name: 'exp-a', lr: '0.2' })
  exps['exp-b'] = commitDvcExperiment(r, { name: 'exp-b', lr: '0.3' })
  r.write('README.md', 'amended away\n')
  const lonely = r.commitAll('soon amended')
  exps['exp-gone'] = commitDvcExperiment(r, { name: 'exp-gone', lr: '0.4' })
  r.git('reset', '-q', '--hard', v1)
  r.git('checkout', '-q', '-b', 'side')
  r.write('side.txt', 'side\n')
  const side = r.commitAll('side work')
  exps['exp-side'] = commitDvcExperiment(r, { name: 'exp-side', lr: '0.5' })
  r.git('checkout', '-q', 'main')
  r.write('README.md', 'main moves on\n')
  const head = r.commitAll('main work')
  exps['exp-c'] = commitDvcExperiment(r, { name: 'exp-c', lr: '0.6' })
  exps['exp-d'] = commitDvcExperiment(r, { name: 'exp-d', lr: '0.7' })
  return { r, v1, lonely, side, head, exps }
}

describe('trellis exp list', () => {
  it("lists HEAD's experiments by default, every baseline with --all, and bare names with --names-only", async () => {
    const { r, v1, lonely, side, head } = history()
    const mine = await r.run(['exp', 'list'])
    expect(mine).toMatchObject({ code: 0, stderr: '' })
    expect(mine.stdout).toBe('main:\n\texp-c\n\texp-d\n')
    expect((await r.run(['exp', 'list', '--names-only'])).stdout).toBe('exp-c\nexp-d\n')
    expect((await r.run(['exp', 'list', '--rev', 'v1'])).stdout).toBe('refs/tags/v1:\n\texp-a\n\texp-b\n')
    expect((await r.run(['exp', 'list', '--rev', 'side'])).stdout).toBe('side:\n\texp-side\n')

    const groups: Record<string, string> = {
      [v1]: 'refs/tags/v1:\n\texp-a\n\texp-b\n',
      [lonely]: `${lonely.slice(0, 7)}:\n\texp-gone\n`,
      [side]: 'side:\n\texp-side\n',
      [head]: 'main:\n\texp-c\n\texp-d\n',
    }
    const order = Object.keys(groups).sort() // refs/exps/<baseline>/… sort by baseline sha
    expect((await r.run(['exp', 'list', '--all'])).stdout).toBe(order.map((sha) => groups[sha]).join(''))
    expect((await r.run(['exp', 'list', '-A', '--names-only'])).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'exp-a',
      'exp-b',
      'exp-c',
      'exp-d',
      'exp-gone',
      'exp-side',
    ])
    const json = JSON.parse((await r.run(['exp', 'list', '--all', '--json'])).stdout)
    expect(json).toEqual({ [v1]: ['exp-a', 'exp-b'], [lonely]: ['exp-gone'], [side]: ['exp-side'], [head]: ['exp-c', 'exp-d'] })

    const bad = await r.run(['exp', 'list', '--rev', 'nope'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain("ERROR: 'nope' is not a git revision")
  })

  it("lists a git remote's experiments", async () => {
    const { r, head, v1 } = history()
    const bare = mkdtempSync(join(tmpdir(), 'trellis-remote-'))
    dirs.push(bare)
    r.git('init', '-q', '--bare', bare)
    r.git('remote', 'add', 'origin', bare)
    r.git('push', '-q', 'origin', 'main', `${r.git('rev-parse', 'refs/exps/' + head.slice(0, 2) + '/' + head.slice(2) + '/exp-c')}:refs/exps/${head.slice(0, 2)}/${head.slice(2)}/exp-c`)
    r.git('push', '-q', 'origin', `refs/exps/${v1.slice(0, 2)}/${v1.slice(2)}/exp-a:refs/exps/${v1.slice(0, 2)}/${v1.slice(2)}/exp-a`)
    expect((await r.run(['exp', 'list', 'origin'])).stdout).toBe('main:\n\texp-c\n')
    expect((await r.run(['exp', 'list', bare, '--all', '--names-only'])).stdout.split('\n').filter(Boolean).sort()).toEqual(['exp-a', 'exp-c'])
    const missing = await r.run(['exp', 'list', 'no-such-remote'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain("cannot list the refs of git remote 'no-such-remote'")
  })
})

describe('trellis exp branch', () => {
  it('creates a branch at the experiment tip, and refuses an existing branch', async () => {
    const r = project()
    const head = r.git('rev-parse', 'HEAD')
    const exp = commitDvcExperiment(r, { name: 'exp-a', lr: '0.5' })
    const res = await r.run(['exp', 'branch', 'exp-a', 'tuned'])
    expect(res).toMatchObject({ code: 0, stderr: '' })
    expect(res.stdout).toBe("Git branch 'tuned' has been created from experiment 'exp-a'.\nTo switch to the new branch run:\n\n\tgit checkout tuned\n")
    expect(r.git('rev-parse', 'refs/heads/tuned')).toBe(exp.sha)
    expect(r.git('reflog', 'show', '--format=%gs', 'refs/heads/tuned')).toBe("dvc: Created from experiment 'exp-a'")
    expect(r.git('rev-parse', 'HEAD')).toBe(head)
    expect(r.git('symbolic-ref', 'HEAD')).toBe('refs/heads/main')

    const again = await r.run(['exp', 'branch', 'exp-a', 'tuned'])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain("ERROR: Git branch 'tuned' already exists.")
    const existing = await r.run(['exp', 'branch', 'exp-a', 'main'])
    expect(existing.stderr).toContain("Git branch 'main' already exists.")
    expect(r.git('rev-parse', 'main')).toBe(head)

    const unknown = await r.run(['exp', 'branch', 'nope', 'x'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain("'nope' is not an experiment name")
    const invalid = await r.run(['exp', 'branch', 'exp-a', 'bad..name'])
    expect(invalid.stderr).toContain("'bad..name' is not a valid branch name")
  })

  it('takes the tip of the experiment even when an earlier checkpoint is named, by sha or full ref', async () => {
    const r = project()
    const c1 = commitDvcExperiment(r, { name: 'ckpt', lr: '0.4', writeRef: false })
    const c2 = commitDvcExperiment(r, { name: 'ckpt', lr: '0.45', parent: c1.sha })
    expect((await r.run(['exp', 'branch', c1.sha.slice(0, 8), 'from-checkpoint'])).code).toBe(0)
    expect(r.git('rev-parse', 'from-checkpoint')).toBe(c2.sha)
    expect((await r.run(['exp', 'branch', c2.ref, 'from-ref'])).code).toBe(0)
    expect(r.git('rev-parse', 'from-ref')).toBe(c2.sha)
    const notExp = await r.run(['exp', 'branch', 'HEAD', 'x'])
    expect(notExp.stderr).toContain("'HEAD' does not appear to be an experiment commit.")
  })
})

describe('trellis exp remove', () => {
  it('resolves every name first: one bad name and nothing is removed', async () => {
    const { r } = history()
    const before = expRefs(r)
    const res = await r.run(['exp', 'remove', 'exp-c', 'nope', 'exp-d', 'nada'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("ERROR: 'nope;nada' are not valid experiment names")
    expect(res.stderr).toContain('Nothing was removed')
    expect(expRefs(r)).toEqual(before)
    const one = await r.run(['exp', 'remove', 'nope'])
    expect(one.stderr).toContain("ERROR: 'nope' is not a valid experiment name")
  })

  it('removes by name, full ref and tip sha, and drops EXEC_APPLY/EXEC_CHECKPOINT pointing into them', async () => {
    const { r, exps } = history()
    r.git('update-ref', 'refs/exps/exec/EXEC_APPLY', exps['exp-c']!.sha)
    r.git('update-ref', 'refs/exps/exec/EXEC_CHECKPOINT', exps['exp-side']!.sha)
    const res = await r.run(['exp', 'remove', 'exp-c', exps['exp-a']!.ref, exps['exp-side']!.sha.slice(0, 9)])
    expect(res).toMatchObject({ code: 0, stderr: '' })
    expect(res.stdout).toBe('Removed experiments: exp-c,exp-a,exp-side\n')
    expect(expRefs(r).map((ref) => ref.split('/').pop()).sort()).toEqual(['exp-b', 'exp-d', 'exp-gone'])
    expect(refOrNull(r, 'refs/exps/exec/EXEC_APPLY')).toBeNull()
    expect(refOrNull(r, 'refs/exps/exec/EXEC_CHECKPOINT')).toBeNull()
    // EXEC_APPLY pointing elsewhere stays
    r.git('update-ref', 'refs/exps/exec/EXEC_APPLY', exps['exp-d']!.sha)
    expect((await r.run(['exp', 'remove', 'exp-b'])).stdout).toBe('Removed experiments: exp-b\n')
    expect(refOrNull(r, 'refs/exps/exec/EXEC_APPLY')).toBe(exps['exp-d']!.sha)
  })

  it('resolves a name used by several baselines toward HEAD, else asks for the full ref', async () => {
    const r = project()
    const old = commitDvcExperiment(r, { name: 'dup', lr: '0.2' })
    r.write('README.md', 'two\n').commitAll('second')
    const mine = commitDvcExperiment(r, { name: 'dup', lr: '0.3' })
    expect((await r.run(['exp', 'remove', 'dup'])).stdout).toBe('Removed experiments: dup\n')
    expect(expRefs(r)).toEqual([old.ref])
    expect(refOrNull(r, mine.ref)).toBeNull()
    commitDvcExperiment(r, { name: 'dup', lr: '0.3' })
    r.write('README.md', 'three\n').commitAll('third')
    const ambiguous = await r.run(['exp', 'remove', 'dup'])
    expect(ambiguous.code).not.toBe(0)
    expect(ambiguous.stderr).toContain(`'dup' is ambiguous`)
    expect(ambiguous.stderr).toContain(`\t${old.ref}`)
    expect(expRefs(r)).toHaveLength(2)
  })

  it('removes everything with -A, a baseline with --rev, and needs something to remove', async () => {
    const { r, v1 } = history()
    expect((await r.run(['exp', 'remove', '--rev', 'v1'])).stdout).toBe('Removed experiments: exp-a,exp-b\n')
    expect(expRefs(r).some((ref) => ref.includes(v1.slice(2)))).toBe(false)
    const none = await r.run(['exp', 'remove'])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain('Either provide an `experiment` argument, or use the `--rev` or `--all` flag.')
    const all = await r.run(['exp', 'remove', '-A'])
    expect(all.code).toBe(0)
    expect(all.stdout.startsWith('Removed experiments: ')).toBe(true)
    expect(all.stdout.trim().slice('Removed experiments: '.length).split(',').sort()).toEqual(['exp-c', 'exp-d', 'exp-gone', 'exp-side'])
    expect(expRefs(r)).toEqual([])
    expect((await r.run(['exp', 'remove', '-A'])).stdout).toBe('No experiments to remove.\n')
  })
})

describe('trellis exp gc', () => {
  it("-w keeps only HEAD's experiments", async () => {
    const { r, exps } = history()
    const res = await r.run(['exp', 'gc', '-w', '-f'])
    expect(res).toMatchObject({ code: 0, stderr: '' })
    expect(res.stdout).toBe('Removed 4 experiments.\n')
    expect(expRefs(r)).toEqual([exps['exp-c']!.ref, exps['exp-d']!.ref].sort())
    expect((await r.run(['exp', 'gc', '-w', '-f'])).stdout).toBe('No experiments to remove.\n')
  })

  it('-a keeps branch tips, -T tagged commits, -A every commit in the history', async () => {
    const { r, exps } = history()
    const names = () => expRefs(r).map((ref) => ref.split('/').pop()).sort()
    expect((await r.run(['exp', 'gc', '-T', '-f'])).stdout).toBe('Removed 2 experiments.\n') // exp-gone, exp-side
    expect(names()).toEqual(['exp-a', 'exp-b', 'exp-c', 'exp-d'])
    r.git('update-ref', exps['exp-side']!.ref, exps['exp-side']!.sha)
    r.git('update-ref', exps['exp-gone']!.ref, exps['exp-gone']!.sha)
    r.git('tag', '-d', 'v1')
    expect((await r.run(['exp', 'gc', '-a', '-f'])).stdout).toBe('Removed 3 experiments.\n') // exp-a, exp-b (v1 is not a tip), exp-gone
    expect(names()).toEqual(['exp-c', 'exp-d', 'exp-side'])
    r.git('update-ref', exps['exp-a']!.ref, exps['exp-a']!.sha)
    r.git('update-ref', exps['exp-gone']!.ref, exps['exp-gone']!.sha)
    expect((await r.run(['exp', 'gc', '-A', '-f'])).stdout).toBe('Removed 1 experiments.\n') // only the amended-away commit's
    expect(names()).toEqual(['exp-a', 'exp-c', 'exp-d', 'exp-side'])
  })

  it('needs one of -w/-a/-T/-A, and confirmation: without -f and a terminal it refuses', async () => {
    const { r } = history()
    const before = expRefs(r)
    const noFlag = await r.run(['exp', 'gc'])
    expect(noFlag.code).not.toBe(0)
    expect(noFlag.stderr).toContain('Either of `-w|--workspace`, `-a|--all-branches`, `-T|--all-tags` or `-A|--all-commits` needs to be set.')
    const refused = await r.run(['exp', 'gc', '-w'])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('WARNING: This will remove all experiments except those derived from the workspace of the current repo.')
    expect(refused.stderr).toContain('ERROR: Refusing to remove 4 experiments without confirmation: stdin is not a terminal.')
    expect(refused.stderr).toContain('hint: Pass -f/--force')
    expect(expRefs(r)).toEqual(before)
  })
})
