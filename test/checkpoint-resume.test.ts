/**
 * The resume rules of checkpoint experiments (DVC §2.2, §8.5, §8.6), on real git
 * repositories: chains and which experiment a checkpoint belongs to (core), continue / fork /
 * nothing to do and workspace auto-resume (the checkpoints plugin's `checkpoints` service,
 * on the facts core finds), the flag checks; and `runExperiment({ resumeFrom })`, the entry
 * point the queue uses for `--rev`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  openProject,
  type Project,
  checkResumeFlags,
  checkpointChain,
  checkpointSupport,
  experimentStore,
  gitRepository,
  lastCheckpoint,
  listExpRefs,
  refsContaining,
  resolveCheckpointRev,
  runExperiment,
  type CheckpointChain,
  type CheckpointSupport,
  type ExperimentStore,
  type GitRepository,
} from '@trellis/core'
import { gitRefsPlugin } from '@trellis/plugin-git-refs'
import { checkpointsPlugin } from '@trellis/plugin-checkpoints'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const ref = (baseline: string, name: string) => `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`

async function open(r: Repo): Promise<{ project: Project; store: GitRepository; experiments: ExperimentStore; rules: CheckpointSupport; chain: (ref: string) => Promise<CheckpointChain> }> {
  const project = await openProject(r.dir, { defaultPlugins: async () => [gitRefsPlugin, checkpointsPlugin] })
  const store = await gitRepository(project)
  const experiments = await experimentStore(project)
  // the chain of the experiment kept at `ref`, as the store lists it
  const chain = async (ref: string) => checkpointChain(store, (await listExpRefs(experiments)).find((e) => e.ref === ref)!)
  return { project, store, experiments, rules: await checkpointSupport(project), chain }
}

/**
 * Baseline B (HEAD) with chain a: a1 ← a2 ← a3 (exp-a), a fork f1 ← a2 (exp-f), a commit x
 * on no experiment; another baseline B2 with one experiment d1 (exp-d).
 */
function history() {
  const r = makeRepo({ 'params.yaml': 'lr: 0.1\n' })
  repos.push(r)
  const B = r.git('rev-parse', 'HEAD')
  const tree = r.git('rev-parse', 'HEAD^{tree}')
  const commit = (parent: string, msg: string) => r.git('commit-tree', tree, '-p', parent, '-m', msg)
  const a1 = commit(B, 'a1')
  const a2 = commit(a1, 'a2')
  const a3 = commit(a2, 'a3')
  const f1 = commit(a2, 'f1')
  const x = commit(B, 'x')
  const B2 = commit(B, 'other baseline')
  const d1 = commit(B2, 'd1')
  r.git('update-ref', ref(B, 'exp-a'), a3)
  r.git('update-ref', ref(B, 'exp-f'), f1)
  r.git('update-ref', ref(B2, 'exp-d'), d1)
  return { r, B, B2, a1, a2, a3, f1, x, d1 }
}

describe('checkpoint chains and resume rules', () => {
  it('checkpointChain gives each commit of a chain its tip and parent, down to the baseline', async () => {
    const h = history()
    const { store, experiments, chain } = await open(h.r)
    const a = await chain(ref(h.B, 'exp-a'))
    expect(a).toMatchObject({ name: 'exp-a', baseline: h.B, tip: h.a3 })
    expect(a.commits.map((c) => [c.sha, c.checkpoint_tip, c.checkpoint_parent])).toEqual([
      [h.a3, h.a3, h.a2],
      [h.a2, h.a3, h.a1],
      [h.a1, h.a3, h.B],
    ])
    const f = await chain(ref(h.B, 'exp-f'))
    expect(f.commits.map((c) => c.sha)).toEqual([h.f1, h.a2, h.a1]) // a fork shares the older commits
    const d = await chain(ref(h.B2, 'exp-d'))
    expect(d.commits).toEqual([{ sha: h.d1, parent: h.B2, timestamp: expect.any(Number) }]) // one commit: no checkpoint fields
    expect((await refsContaining(store, experiments, h.a2)).map((x) => x.name)).toEqual(['exp-a', 'exp-f'])
  })

  it('resolveCheckpointRev finds the experiment to continue, or none, or fails naming why', async () => {
    const h = history()
    const { store, experiments, chain } = await open(h.r)
    const head = h.B
    expect((await resolveCheckpointRev(store, experiments, h.a3, { head })).branch?.name).toBe('exp-a') // the only one / the tip
    expect((await resolveCheckpointRev(store, experiments, 'exp-a', { head })).rev).toBe(h.a3) // by name: its last checkpoint
    expect((await resolveCheckpointRev(store, experiments, h.f1.slice(0, 9), { head })).branch?.name).toBe('exp-f')
    const shared = await resolveCheckpointRev(store, experiments, h.a2, { head })
    expect(shared.branch).toBeUndefined() // on two experiments, the tip of none: their common baseline
    expect(shared.baseline).toBe(h.B)
    expect((await resolveCheckpointRev(store, experiments, h.a2, { head, hasParams: true })).branch?.name).toBe('exp-a') // with -S: the first
    await expect(resolveCheckpointRev(store, experiments, 'abc1234', { head })).rejects.toMatchObject({ code: 'CHECKPOINT_RESUME', message: expect.stringContaining("Cannot resume from 'abc1234'") })
    await expect(resolveCheckpointRev(store, experiments, h.x, { head })).rejects.toThrow(`Could not find checkpoint experiment '${h.x.slice(0, 7)}'`)
    await expect(resolveCheckpointRev(store, experiments, h.d1, { head })).rejects.toThrow(`Cannot resume from '${h.d1}' as it is not derived from your current workspace.`)
  })

  it('decideResume: continue an unchanged tip (-n ignored), fork when changed, else nothing to do', async () => {
    const h = history()
    const { store, experiments, rules } = await open(h.r)
    const decideCheckpointResume = rules.decideResume.bind(rules)
    const head = h.B
    const tip = await resolveCheckpointRev(store, experiments, h.a3, { head })
    expect(decideCheckpointResume(tip, { dirty: false, branchTip: h.a3 })).toMatchObject({
      mode: 'continue', rev: h.a3, ref: ref(h.B, 'exp-a'), name: 'exp-a', notice: "Existing checkpoint experiment 'exp-a' will be resumed", warning: undefined,
    })
    expect(decideCheckpointResume(tip, { dirty: false, branchTip: h.a3, name: 'new' }).warning).toBe(
      "Ignoring option '--name new' for resumed experiment. Existing experiment name 'exp-a' will be used instead.",
    )
    expect(decideCheckpointResume(tip, { dirty: true, branchTip: h.a3 })).toEqual({
      mode: 'fork', rev: h.a3, baseline: h.B, notice: "Modified checkpoint experiment based on 'exp-a' will be created",
    })
    // the tip moved on since (another run continued it): X is no longer a tip
    expect(() => decideCheckpointResume(tip, { dirty: false, branchTip: h.f1 })).toThrow(`Nothing to do for unchanged checkpoint '${h.a3.slice(0, 7)}'.`)
    const shared = await resolveCheckpointRev(store, experiments, h.a2, { head })
    expect(decideCheckpointResume(shared, { dirty: true })).toMatchObject({ mode: 'fork', rev: h.a2, notice: `Modified checkpoint experiment based on '${h.a2.slice(0, 7)}' will be created` })
    for (const name of ['exp-g', 'exp-h', 'exp-i']) h.r.git('update-ref', ref(h.B, name), h.a2)
    const crowded = await resolveCheckpointRev(store, experiments, h.a1, { head })
    let hint = ''
    try {
      decideCheckpointResume(crowded, { dirty: false })
    } catch (error) {
      expect((error as Error).message).toBe(`Nothing to do for unchanged checkpoint '${h.a1.slice(0, 7)}'.`)
      hint = (error as { hint: string }).hint
    }
    expect(hint).toContain('It belongs to: exp-a, exp-f, exp-g (2 more).')
  })

  it('checkResumeFlags: --rev and --reset exclude each other, --rev needs --queue/--temp, --queue implies --reset', () => {
    expect(() => checkResumeFlags({ rev: 'x', reset: true, queue: true })).toThrow('--reset and --rev are mutually exclusive.')
    expect(() => checkResumeFlags({ rev: 'x' })).toThrow('--rev can only be used with --queue or --temp')
    expect(checkResumeFlags({ rev: 'x', temp: true })).toEqual({ reset: false })
    expect(checkResumeFlags({ rev: 'x', queue: true })).toEqual({ reset: false })
    expect(checkResumeFlags({ queue: true })).toEqual({ reset: true })
    expect(checkResumeFlags({ temp: true })).toEqual({ reset: false })
    expect(checkResumeFlags({ reset: true })).toEqual({ reset: true })
  })

  it('workspace auto-resume needs EXEC_CHECKPOINT and EXEC_APPLY derived from HEAD; stale ones are deleted', async () => {
    const h = history()
    const { store, experiments, rules } = await open(h.r)
    const workspaceResumePoint = async (s: GitRepository, head: string) => rules.workspaceResumePoint(await lastCheckpoint(s, experiments, head))
    const CP = 'refs/exps/exec/EXEC_CHECKPOINT'
    const APPLY = 'refs/exps/exec/EXEC_APPLY'
    expect(await workspaceResumePoint(store, h.B)).toBeUndefined()
    h.r.git('update-ref', CP, h.a3)
    expect(await workspaceResumePoint(store, h.B)).toBeUndefined() // EXEC_APPLY missing
    h.r.git('update-ref', APPLY, h.f1)
    expect(await workspaceResumePoint(store, h.B)).toBe(h.f1) // resumes from what was applied last
    h.r.git('update-ref', APPLY, h.d1) // an experiment of another baseline
    expect(await workspaceResumePoint(store, h.B)).toBeUndefined()
    expect(await store.resolve(APPLY)).toBeNull()
    expect(await workspaceResumePoint(store, h.B2)).toBeUndefined() // HEAD moved: EXEC_CHECKPOINT goes too
    expect(await store.resolve(CP)).toBeNull()
  })

  it('runExperiment({ resumeFrom }) (the queue\'s --rev): continue from a tip, fork from an older checkpoint with changed params', async () => {
    const helper = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../packages/plugin-checkpoints/dist/make-checkpoint.js')).href
    const r = makeRepo({
      'train.mjs': `import { existsSync, readFileSync, writeFileSync } from 'node:fs'\nimport { makeCheckpoint } from '${helper}'\n` +
        `let n = existsSync('model.txt') ? Number(readFileSync('model.txt', 'utf8')) : 0\n` +
        `for (let i = 0; i < Number(process.env.TRAIN_EPOCHS); i++) { writeFileSync('model.txt', ++n + '\\n'); await makeCheckpoint() }\n`,
      'params.yaml': 'lr: 0.1\n',
      'dvc.yaml': 'stages:\n  train:\n    cmd: node train.mjs\n    params: [lr]\n    outs:\n    - model.txt:\n        checkpoint: true\n',
    })
    repos.push(r)
    const B = r.git('rev-parse', 'HEAD')
    const { project, store, experiments, chain } = await open(r)
    const env = { TRAIN_EPOCHS: '2' }
    const first = await runExperiment(project, { env, workspace: false })
    expect(first.experiment?.checkpoints).toBe(2)
    const chain1 = (await chain(first.experiment!.ref)).commits.map((c) => c.sha)

    const cont = await runExperiment(project, { env, workspace: false, resumeFrom: await resolveCheckpointRev(store, experiments, first.experiment!.name, { head: B }) })
    expect(cont.resume).toEqual({ mode: 'continue', from: chain1[0] })
    expect(cont.experiment?.ref).toBe(first.experiment!.ref)
    expect((await chain(first.experiment!.ref)).commits).toHaveLength(4)
    expect(r.read('model.txt')).toBe('4\n')

    const older = chain1[1] // the first checkpoint: model.txt was 1
    const fork = await runExperiment(project, { env, workspace: false, setParams: ['lr=0.5'], name: 'from-first', resumeFrom: await resolveCheckpointRev(store, experiments, older, { head: B, hasParams: true }) })
    expect(fork.resume).toEqual({ mode: 'fork', from: older })
    const forked = await chain(ref(B, 'from-first'))
    expect(forked.commits.map((c) => c.sha).slice(2)).toEqual([older]) // two new checkpoints on top of it
    expect(r.read('model.txt')).toBe('3\n') // restored to 1 from the cache, then trained twice
    expect(createHash('md5').update(r.read('params.yaml')).digest('hex')).toBe(createHash('md5').update('lr: 0.5\n').digest('hex'))
    expect(await store.resolve('refs/exps/exec/EXEC_CHECKPOINT')).toBeNull() // workspace: false leaves the EXEC refs alone
  })
})
