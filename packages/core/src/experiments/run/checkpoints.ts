/**
 * Checkpoint experiments: chains, resume and reset (DVC §2.2, §8.5, §8.6).
 *
 * Everything here works on git objects and refs through the experiment store, and
 * on the workspace's outputs; the signal protocol itself lives in
 * `@trellis/plugin-checkpoints`. The queue (`--queue`/`--temp`) uses the same
 * functions: `checkResumeFlags` for the flags, `resolveCheckpointRev` when it
 * queues `--rev X`, and `decideCheckpointResume` when it runs the entry.
 *
 * Rules, as the README states them:
 * - a chain is the first-parent history of an experiment ref down to (not including)
 *   its baseline; a commit "belongs" to every ref whose chain contains it;
 * - workspace auto-resume: when EXEC_CHECKPOINT and EXEC_APPLY both exist and both
 *   are derived from HEAD, a new `exp run` of a pipeline with a checkpoint stage
 *   continues from EXEC_APPLY; EXEC refs not derived from HEAD are deleted silently;
 * - continue or fork: the workspace (after `-S`, with the checkpoint's outputs and
 *   dvc.lock restored) is compared with the checkpoint commit: different → a new
 *   experiment whose first commit has the checkpoint as parent; same and the
 *   checkpoint is its experiment's tip → that experiment is continued (`-n` ignored);
 *   same and not a tip → "Nothing to do for unchanged checkpoint".
 */
import { readFile, rm } from 'node:fs/promises'
import { TrellisError } from '../../errors.js'
import { WorkTreeGuard } from '../../fs/safe-path.js'
import { lockPathFor, parseLockfile } from '../../dvcfile/lockfile.js'
import { PipelineIndex } from '../../pipeline/pipeline-index.js'
import { hasCheckpointOuts } from '../../pipeline/stage-status.js'
import { hashNameOf, type Stage } from '../../pipeline/types.js'
import { Workspace } from '../../pipeline/workspace.js'
import type { Project } from '../../project.js'
import { writeFileAtomic } from '../../util/atomic-write.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { EXEC_APPLY, EXEC_CHECKPOINT } from './exec-refs.js'
import { toGitPath } from './experiment-session.js'
import { baselinePrefix, parseExpRef, type ExpRef } from '../refs/exp-ref.js'
import { listExpRefs, resolveRev } from '../refs/resolve-exp.js'

/** One commit of an experiment's chain, with the fields `exp show --json` gives checkpoint rows. */
export interface ChainCommit {
  sha: string
  /** First parent: the next older commit of the chain, or the baseline for the oldest. */
  parent: string
  /** Committer time, seconds since the epoch. */
  timestamp: number
  /** Set when the chain has more than one commit (DVC §9.1): the ref's tip. */
  checkpoint_tip?: string
  /** Set when the chain has more than one commit: the next older commit, the baseline for the oldest. */
  checkpoint_parent?: string
}

export interface CheckpointChain {
  ref: string
  name: string
  baseline: string
  tip: string
  /** Tip first, down to the commit whose parent is the baseline. */
  commits: ChainCommit[]
}

/**
 * The first-parent chain of an experiment ref down to its baseline (DVC's
 * `branch_revs(tip, baseline)`): what `exp show` lists for it. A chain of one
 * commit is a plain experiment and gets no `checkpoint_*` fields. A chain that never
 * reaches its baseline (history rewritten) stops at the root commit. Throws
 * EXP_NOT_FOUND for a ref that does not exist.
 */
export async function checkpointChain(store: GitRepository, ref: string, options: { baseline?: string } = {}): Promise<CheckpointChain> {
  const parsed = parseExpRef(ref)
  const baseline = options.baseline ?? parsed?.baseline
  if (!baseline) throw new TrellisError('INVALID_ARGUMENT', `'${ref}' is not an experiment ref (refs/exps/<AA>/<38 hex>/<name>)`)
  const tip = await store.resolve(ref)
  if (!tip) throw new TrellisError('EXP_NOT_FOUND', `experiment ref '${ref}' does not exist`)
  const commits: ChainCommit[] = []
  const seen = new Set<string>()
  let sha: string | undefined = tip
  while (sha && sha !== baseline && !seen.has(sha)) {
    seen.add(sha)
    const info = await store.readCommit(sha)
    commits.push({ sha, parent: info.parents[0] ?? '', timestamp: info.timestamp })
    sha = info.parents[0]
  }
  if (commits.length > 1) {
    commits.forEach((c, i) => {
      c.checkpoint_tip = tip
      c.checkpoint_parent = i + 1 < commits.length ? commits[i + 1].sha : baseline
    })
  }
  return { ref, name: parsed?.name ?? ref, baseline, tip, commits }
}

export interface RefContaining extends ExpRef {
  /** The ref's tip. */
  sha: string
}

/** The experiment refs whose chain contains `sha` (all baselines, or one), sorted by ref name. */
export async function refsContaining(store: GitRepository, sha: string, options: { baseline?: string } = {}): Promise<RefContaining[]> {
  let refs = await listExpRefs(store)
  if (options.baseline) refs = refs.filter((r) => r.ref.startsWith(baselinePrefix(options.baseline!)))
  const out: RefContaining[] = []
  for (const ref of refs) {
    let current: string | undefined = ref.sha
    const seen = new Set<string>()
    while (current && current !== ref.baseline && !seen.has(current)) {
      if (current === sha) {
        out.push(ref)
        break
      }
      seen.add(current)
      current = (await store.readCommit(current)).parents[0]
    }
  }
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
}

/** DVC's `check_baseline`: `sha` is HEAD, on an experiment of HEAD, or a child of HEAD. */
export async function isDerivedFrom(store: GitRepository, sha: string, head: string): Promise<boolean> {
  if (sha === head) return true
  const containing = await refsContaining(store, sha)
  if (containing.length > 0) return containing.some((r) => r.baseline === head)
  const info = await store.readCommit(sha).catch(() => undefined)
  return info?.parents[0] === head
}

/** Forget the last checkpoint (`--reset`, or queueing without `--rev`): a later workspace run will not auto-resume. */
export async function resetCheckpoints(store: GitRepository): Promise<void> {
  for (const ref of [EXEC_CHECKPOINT, EXEC_APPLY]) if (await store.resolve(ref)) await store.deleteRef(ref)
}

/**
 * The commit a workspace `exp run` resumes from, by DVC's rule (§2.2): EXEC_APPLY when
 * EXEC_CHECKPOINT and EXEC_APPLY both exist and are derived from HEAD. An EXEC ref
 * that is not derived from HEAD (HEAD moved) is deleted.
 */
export async function workspaceResumePoint(store: GitRepository, head: string): Promise<string | undefined> {
  const valid = async (ref: string): Promise<string | undefined> => {
    const sha = await store.resolve(ref)
    if (!sha) return undefined
    if (await isDerivedFrom(store, sha, head)) return sha
    await store.deleteRef(ref)
    return undefined
  }
  const checkpoint = await valid(EXEC_CHECKPOINT)
  const applied = await valid(EXEC_APPLY)
  return checkpoint && applied ? applied : undefined
}

export interface ResumeFlags {
  /** `-r/--rev`: the checkpoint to continue from. */
  rev?: string
  reset?: boolean
  queue?: boolean
  temp?: boolean
}

/**
 * The CLI's checks of `--rev`/`--reset` (DVC §4): `--rev` with `--reset` is an error,
 * `--rev` needs `--queue` or `--temp`; `--queue` without `--rev` implies `--reset`.
 * Returns the effective `reset`.
 */
export function checkResumeFlags(flags: ResumeFlags): { reset: boolean } {
  if (flags.rev !== undefined && flags.reset) {
    throw new TrellisError('INVALID_ARGUMENT', '--reset and --rev are mutually exclusive.', {
      hint: '--reset starts the checkpoint experiment over; --rev continues it from a checkpoint. Pass one of them.',
    })
  }
  if (flags.rev !== undefined && !flags.queue && !flags.temp) {
    throw new TrellisError('INVALID_ARGUMENT', '--rev can only be used with --queue or --temp', {
      hint: 'In the workspace, `trellis exp run` continues from the last checkpoint by itself. To continue from another checkpoint here, `trellis exp apply <checkpoint>` first.',
    })
  }
  return { reset: !!flags.reset || (!!flags.queue && flags.rev === undefined) }
}

/** Where a resumed run starts: what the queue records for `--rev X` (DVC's stash message `<rev>:<baseline>:<name>:<branch>`). */
export interface CheckpointOrigin {
  /** The checkpoint commit (40 hex). */
  rev: string
  /** The baseline of the experiment(s) holding it. */
  baseline: string
  /** The experiment to continue when nothing changed; undefined when `rev` is on several and tips none. */
  branch?: RefContaining
  /** Every experiment whose chain holds `rev`. */
  containing: RefContaining[]
}

/**
 * Resolve `--rev X` (DVC `_resume_checkpoint` + `get_branch_by_rev`): X is a sha, a
 * git revision, an experiment name or ref. The experiment to continue is the only one
 * holding X; among several, with `-S` the first (by name), else the one whose tip is
 * X, else none (their common baseline is used).
 */
export async function resolveCheckpointRev(store: GitRepository, rev: string, options: { head: string; hasParams?: boolean }): Promise<CheckpointOrigin> {
  const found = await resolveRev(store, rev).catch((error: unknown) => {
    if (error instanceof TrellisError && error.code === 'EXP_AMBIGUOUS') throw error
    return undefined
  })
  if (!found) {
    throw new TrellisError('CHECKPOINT_RESUME', `Cannot resume from '${rev}': it is not a commit, experiment name or ref`, {
      hint: 'Name a checkpoint by its sha (see `trellis exp show --sha`), or an experiment by name to continue from its last checkpoint.',
    })
  }
  const sha = found.sha
  const short = sha.slice(0, 7)
  const containing = await refsContaining(store, sha)
  if (containing.length === 0) {
    throw new TrellisError('CHECKPOINT_RESUME', `Could not find checkpoint experiment '${short}'`, {
      hint: `'${rev}' is not a commit of any experiment; list checkpoints with \`trellis exp show\`.`,
    })
  }
  let branch: RefContaining | undefined
  let baseline: string
  if (containing.length === 1 || options.hasParams) branch = containing[0]
  else branch = containing.find((r) => r.sha === sha)
  if (branch) baseline = branch.baseline
  else {
    const baselines = new Set(containing.map((r) => r.baseline))
    if (baselines.size > 1) {
      throw new TrellisError('EXP_AMBIGUOUS', `Ambiguous commit '${short}' belongs to multiple experiment branches.`, {
        hint: `It is in:\n${containing.map((r) => `\t${r.ref}`).join('\n')}`,
      })
    }
    baseline = containing[0].baseline
  }
  if (baseline !== options.head) {
    throw new TrellisError('CHECKPOINT_RESUME', `Cannot resume from '${rev}' as it is not derived from your current workspace.`, {
      hint: `Its baseline is ${baseline.slice(0, 7)}; HEAD is ${options.head.slice(0, 7)}. Check out the baseline first (git checkout ${baseline.slice(0, 7)}).`,
    })
  }
  return { rev: sha, baseline, branch, containing }
}

export type ResumeDecision =
  | {
      mode: 'continue'
      rev: string
      baseline: string
      /** The ref to advance. */
      ref: string
      name: string
      notice: string
      /** Set when `-n` was given and is ignored. */
      warning?: string
    }
  | {
      mode: 'fork'
      rev: string
      baseline: string
      notice: string
    }

/**
 * Continue, fork, or nothing to do (DVC §8.5), given whether the workspace that is
 * about to run differs from the checkpoint (`dirty`). `branchTip` is the current tip
 * of `origin.branch` (read it just before deciding).
 */
export function decideCheckpointResume(origin: CheckpointOrigin, options: { dirty: boolean; branchTip?: string | null; name?: string }): ResumeDecision {
  const short = origin.rev.slice(0, 7)
  const label = origin.branch?.name ?? short
  if (options.dirty) {
    return { mode: 'fork', rev: origin.rev, baseline: origin.baseline, notice: `Modified checkpoint experiment based on '${label}' will be created` }
  }
  if (origin.branch && options.branchTip === origin.rev) {
    const name = origin.branch.name
    const warning = options.name !== undefined && options.name !== name
      ? `Ignoring option '--name ${options.name}' for resumed experiment. Existing experiment name '${name}' will be used instead.`
      : undefined
    return { mode: 'continue', rev: origin.rev, baseline: origin.baseline, ref: origin.branch.ref, name, notice: `Existing checkpoint experiment '${name}' will be resumed`, warning }
  }
  const names = origin.containing.map((r) => r.name)
  const listed = names.slice(0, 3).join(', ') + (names.length > 3 ? ` (${names.length - 3} more)` : '')
  throw new TrellisError('CHECKPOINT_RESUME', `Nothing to do for unchanged checkpoint '${short}'.`, {
    hint: origin.branch
      ? `It is not the last checkpoint of '${label}'. To continue '${label}' from its last checkpoint: \`trellis exp apply ${label}\` then \`trellis exp run\`. To branch off from '${short}', change a parameter (-S) or the code; to start over, --reset.`
      : `It belongs to: ${listed}. To continue one of them from its last checkpoint: \`trellis exp apply <name>\` then \`trellis exp run\`. To branch off from '${short}', change a parameter (-S) or the code; to start over, --reset.`,
  })
}

/**
 * Whether commit `sha` (a queued entry's inputs: the workspace's tracked files with the
 * `-S` edits) differs from checkpoint `rev` in what decides continue vs fork. What a
 * resumed run restores from the checkpoint does not count: the dvc.lock files, the
 * stages' outputs and the .gitignore files beside cached ones (nor the queue's
 * `.dvc/tmp/repro.dat`). The tree-only counterpart of the workspace comparison.
 */
export async function checkpointInputsDiffer(project: Project, store: GitRepository, rev: string, sha: string): Promise<boolean> {
  const index = await PipelineIndex.load(project.root)
  const exact = new Set<string>([toGitPath(project, '.dvc/tmp/repro.dat')])
  const below: string[] = []
  for (const stage of index.stages) {
    if (stage.kind === 'pipeline') exact.add(toGitPath(project, lockPathFor(stage.dvcfile)))
    for (const out of stage.outs) {
      const path = toGitPath(project, out.path)
      exact.add(path)
      below.push(`${path}/`)
      if (out.cache) {
        const slash = out.path.lastIndexOf('/')
        exact.add(toGitPath(project, slash < 0 ? '.gitignore' : `${out.path.slice(0, slash)}/.gitignore`))
      }
    }
  }
  const changes = await store.diffTrees(rev, sha)
  return changes.some((c) => !exact.has(c.path) && !below.some((prefix) => c.path.startsWith(prefix)))
}

/** The stages a run would visit that have checkpoint outputs (and would run). */
export function checkpointStages(plan: Stage[]): Stage[] {
  return plan.filter((s) => hasCheckpointOuts(s) && !s.frozen && s.kind === 'pipeline')
}

/** `--reset`: delete the checkpoint outputs of these stages from the workspace. */
export async function deleteCheckpointOutputs(project: Project, stages: Stage[]): Promise<string[]> {
  const removed: string[] = []
  const guard = new WorkTreeGuard(project.root)
  const outs = stages.flatMap((stage) => stage.outs.filter((out) => out.checkpoint))
  for (const out of outs) guard.check(out.path, { source: 'a checkpoint output' })
  guard.assertSafe()
  for (const stage of stages) {
    for (const out of stage.outs) {
      if (!out.checkpoint) continue
      await rm(guard.path(out.path), { recursive: true, force: true })
      removed.push(out.path)
    }
  }
  return removed
}

/**
 * Make the workspace's pipeline state that of commit `sha` before resuming from it: its
 * dvc.lock files, the cached outputs they record (checked out from the cache; missing
 * objects are reported and left alone) and the uncached outputs (from the commit).
 * Inputs (code, params, dvc.yaml) are not touched: they decide continue vs fork.
 * Returns the paths that were rewritten.
 */
export async function restoreCheckpointOutputs(
  project: Project,
  store: GitRepository,
  sha: string,
  onWarning?: (message: string) => void,
): Promise<string[]> {
  const index = await PipelineIndex.load(project.root)
  const restored: string[] = []
  const ws = await Workspace.openFor(project)
  const decoder = new TextDecoder()
  const sameBytes = async (path: string, bytes: Uint8Array) => {
    const current = await readFile(ws.abs(path)).catch(() => undefined)
    return current !== undefined && Buffer.compare(current, bytes) === 0
  }
  try {
    const byLock = new Map<string, Stage[]>()
    for (const stage of index.stages) {
      if (stage.kind !== 'pipeline') continue
      const lockPath = lockPathFor(stage.dvcfile)
      byLock.set(lockPath, [...(byLock.get(lockPath) ?? []), stage])
    }
    for (const [lockPath, stages] of byLock) {
      const bytes = await store.readFile(sha, toGitPath(project, lockPath))
      if (!bytes) continue
      if (!(await sameBytes(lockPath, bytes))) {
        await writeFileAtomic(ws.guard.path(lockPath, { final: 'follow', source: 'a lock file' }), Buffer.from(bytes))
        restored.push(lockPath)
      }
      const lock = parseLockfile(decoder.decode(bytes), lockPath)
      for (const stage of stages) {
        const entry = lock.stages.get(stage.name)
        for (const out of stage.outs) {
          const recorded = entry?.outs?.find((o) => o.path === out.pathAsWritten)
          if (!recorded?.md5) continue
          if (!out.cache) {
            const blob = await store.readFile(sha, toGitPath(project, out.path))
            if (blob && !(await sameBytes(out.path, blob))) {
              await writeFileAtomic(ws.guard.path(out.path, { source: 'an output' }), Buffer.from(blob))
              restored.push(out.path)
            }
            continue
          }
          if (await ws.exists(out.path)) {
            ws.rewritten(out.path)
            const current = await ws.hash(out.path, hashNameOf(recorded)).catch(() => undefined)
            if (current?.md5 === recorded.md5) continue
          }
          if (!(await ws.hasObject(recorded.md5, hashNameOf(recorded)))) {
            onWarning?.(`'${out.pathAsWritten}' as checkpoint ${sha.slice(0, 7)} recorded it is not in the cache; the workspace copy is used as it is`)
            continue
          }
          await ws.removeOutput(out.path)
          await ws.checkoutFromCache(out.path, recorded.md5, 'link', recorded.isexec, hashNameOf(recorded))
          restored.push(out.path)
        }
      }
    }
  } finally {
    await ws.close()
  }
  return restored
}
