/**
 * `exp run` in the workspace: reproduce a variation of the committed pipeline
 * and store the result as a commit under `refs/exps/<baseline>/<name>`.
 *
 * 1. baseline = HEAD; a `-n` name is validated and checked for a conflict
 *    before anything runs (DVC finds conflicts only after the run);
 * 2. `-S` overrides are written into the params files (they stay there);
 * 3. the pipeline is reproduced under the project lock, with DVC_EXP_* set;
 * 4. the workspace's tracked files plus what the run produced (dvc.lock,
 *    .gitignore files, uncached outputs) are committed with parent = baseline,
 *    without touching HEAD, the index or any branch; the ref is written with a
 *    compare-and-swap, `onExperimentCommit` fires.
 * A failed stage leaves no ref; the workspace stays as the run left it.
 *
 * Pipelines with a checkpoint stage (an output with `checkpoint: true`) make a
 * chain instead (see experiment-session.ts and checkpoint-*.ts): the checkpoints
 * plugin commits a checkpoint on every signal, the end of the run adds a final
 * commit when something changed after the last one, a failure keeps the
 * checkpoints made; the next run continues from the last checkpoint (or forks
 * from it when inputs changed), `--reset` starts over. Where to resume from and
 * whether to continue or fork are the plugin's rules (the `checkpoints` service);
 * core finds the facts (last-checkpoint.ts, checkpoint-origin.ts) and restores
 * the checkpoint's outputs (checkpoint-outputs.ts).
 *
 * The queue (`--queue`, `--run-all`, `--temp`; see queue.ts) runs the same
 * function on a project opened in a temporary workspace, with `workspace: false`
 * and `queued` (the entry's baseline, that work tree, the main project's root):
 * the EXEC refs are left alone, and a `--rev` entry passes `resumeFrom` with the
 * continue-or-fork decision made when it was queued (`resumeMode`).
 */
import { relative } from 'node:path'
import { TrellisError } from '../../errors.js'
import { newRunInfo, stageCounts, withRunEvents } from '../../pipeline/run-lifecycle.js'
import type { AcquireOptions } from '../../lock/project-lock.js'
import { plannedStages, reproduce, type ReproOptions, type ReproResult } from '../../pipeline/repro.js'
import { throwIfFailed } from '../../pipeline/repro-session.js'
import type { Project } from '../../project.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { CheckpointOrigin, ResumeDecision } from '../../plugin-api/checkpoints.js'
import { resolveCheckpointRev } from './checkpoint-origin.js'
import { checkpointStages, deleteCheckpointOutputs, restoreCheckpointOutputs } from './checkpoint-outputs.js'
import { checkpointSupport, requireCheckpointSupport } from './checkpoint-support.js'
import { lastCheckpoint, resetCheckpoints } from './last-checkpoint.js'
import { ExperimentSession, toGitPath, type ExperimentCommit } from './experiment-session.js'
import { validateExpName } from '../refs/exp-ref.js'
import { applyOverrides, parseOverrides, planOverrides, type Override } from '../../params/param-overrides.js'


export interface ExpRunOptions extends ReproOptions {
  /** `-n`: the experiment's name (default `exp-<5 hex of the exp hash>`). */
  name?: string
  /** `-S` values (`[file:]key=value`), applied to the params files before anything runs. */
  setParams?: string[]
  /** Non-fatal notices (e.g. a params file that had to be re-formatted). */
  onWarning?: (message: string) => void
  lockOptions?: AcquireOptions
  /**
   * `--reset`: start checkpoint experiments over: forget the last checkpoint (EXEC refs),
   * delete the checkpoint outputs before running, replace an experiment of the same name.
   */
  reset?: boolean
  /**
   * Continue from this checkpoint (from `resolveCheckpointRev`; the queue's `--rev`)
   * instead of the workspace's last one. The workspace must be at its baseline.
   */
  resumeFrom?: CheckpointOrigin
  /**
   * A run in the user's workspace (default true): auto-resume from the experiment
   * store's `checkpoint`/`applied` marks and keep them up to date. A run workspace
   * (temporary, for the queue) passes false.
   */
  workspace?: boolean
  /**
   * With `resumeFrom`: continue or fork as decided when the entry was queued (DVC
   * records the decision in the entry: a branch to continue, or none), instead of
   * comparing the workspace with the checkpoint.
   */
  resumeMode?: 'continue' | 'fork'
  /** A queued run in a temporary workspace (`project` was opened there; see queue.ts). */
  queued?: QueuedRunContext
}

/** What a run in a temporary workspace needs besides its project. */
export interface QueuedRunContext {
  /** The entry's baseline (HEAD may have moved since it was queued). */
  baseline: string
  /** The work tree to snapshot (made by `GitRepository.checkoutTree`). */
  workTree: string
  /** The main project's root, reported in `onExperimentCommit`. */
  root: string
  /** Every commit (ref move) runs through it: the queue's single writer. */
  serialize?: <T>(work: () => Promise<T>) => Promise<T>
  /** The queue entry being run (events carry it). */
  entryId?: string
}

export interface ExpRunResult {
  /** Undefined when nothing changed (no experiment was made). */
  experiment?: {
    name: string
    ref: string
    commit: string
    baseline: string
    hash: string
    /** An identical experiment existed already and was reused. */
    reused: boolean
    /** Checkpoint commits this run added (0 for a plain experiment). */
    checkpoints: number
  }
  /** Set when the run resumed from a checkpoint. */
  resume?: { mode: ResumeDecision['mode']; from: string }
  repro: ReproResult
}

export async function gitRepository(project: Project): Promise<GitRepository> {
  return project.services.get('gitRepository')
}

export async function experimentStore(project: Project): Promise<ExperimentStore> {
  return project.services.get('experimentStore')
}

/** Checks that need no lock: a baseline exists, the name is valid and free (unless `force`). */
export async function checkExpRun(store: GitRepository, experiments: ExperimentStore, name: string | undefined, force: boolean): Promise<string> {
  const baseline = await store.head()
  if (!baseline) {
    throw new TrellisError('GIT_ERROR', 'the repository has no commits: an experiment needs a baseline commit', {
      hint: 'Commit your pipeline first: git add -A && git commit -m "pipeline"',
    })
  }
  if (name !== undefined) {
    validateExpName(name)
    if (!force) await checkNameFree(experiments, baseline, name)
  }
  return baseline
}

async function checkNameFree(experiments: ExperimentStore, baseline: string, name: string): Promise<void> {
  if (await experiments.read({ baseline, name })) {
    throw new TrellisError('EXP_EXISTS', `Experiment conflicts with existing experiment '${name}'`, {
      hint: `Use \`trellis exp run -f -n ${name}\` to replace it, or \`trellis exp run -n <new_name>\`.`,
    })
  }
}

export async function runExperiment(project: Project, options: ExpRunOptions = {}): Promise<ExpRunResult> {
  const store = await gitRepository(project)
  const experiments = await experimentStore(project)
  const head = options.queued?.baseline ?? (await checkExpRun(store, experiments, undefined, true))
  if (options.name !== undefined) validateExpName(options.name)
  const overrides = parseOverrides(options.setParams ?? [], relative(project.root, project.cwd))
  const workspace = options.workspace !== false
  const warn = (message: string) => options.onWarning?.(message)
  // A plain experiment's name is checked before taking the lock; a checkpoint run's once it knows whether it continues one.
  const plan = await plannedStages(project, options)
  const checkpointed = checkpointStages(plan)
  requireCheckpointSupport(project, checkpointed)
  const force = !!options.force || !!options.reset
  // (a queued run's name was checked when it was queued; a clash since is found when it commits)
  if (options.name !== undefined && !force && workspace && checkpointed.length === 0 && !options.resumeFrom) await checkNameFree(experiments, head, options.name)

  const lock = await project.lock('trellis exp run', options.lockOptions)
  try {
    if (options.reset) {
      // A temporary workspace's run leaves the EXEC refs alone: the queue resets them when it queues (DVC §4.1).
      if (workspace) await resetCheckpoints(experiments)
      await deleteCheckpointOutputs(project, checkpointed)
    }
    let origin = options.resumeFrom
    if (!origin && workspace && !options.reset && checkpointed.length > 0) {
      const point = (await checkpointSupport(project)).workspaceResumePoint(await lastCheckpoint(store, experiments, head))
      if (point) {
        origin = await resolveCheckpointRev(store, experiments, point, { head, hasParams: overrides.length > 0 }).catch(async (error: unknown) => {
          // The experiment the EXEC refs point into was removed: nothing to resume.
          if (!(error instanceof TrellisError) || error.code !== 'CHECKPOINT_RESUME') throw error
          await resetCheckpoints(experiments)
          return undefined
        })
      }
    }
    let decision: ResumeDecision | undefined
    if (origin) {
      await restoreCheckpointOutputs(project, store, origin.rev, warn)
      const dirty = options.resumeMode ? options.resumeMode === 'fork' : await differsFrom(project, store, origin.rev, overrides)
      decision = (await checkpointSupport(project)).decideResume(origin, { dirty, branchTip: origin.branch ? await experiments.read(origin.branch) : null, name: options.name })
      options.log?.(decision.notice)
      if (decision.mode === 'continue' && decision.warning) warn(decision.warning)
    }
    const continuing = decision?.mode === 'continue' ? decision : undefined
    const baseline = origin?.baseline ?? head
    if (options.name !== undefined && !force && !continuing && (checkpointed.length > 0 || origin)) await checkNameFree(experiments, baseline, options.name)
    if (overrides.length) {
      const { warnings } = await applyOverrides(project.root, overrides)
      warnings.forEach(warn)
    }

    const session = new ExperimentSession(project, store, experiments, {
      baseline,
      parent: decision?.rev ?? baseline,
      ref: continuing?.ref,
      name: continuing?.name ?? options.name,
      force,
      resumed: !!decision,
      execRefs: workspace,
      workTree: options.queued?.workTree,
      eventRoot: options.queued?.root,
      serialize: options.queued?.serialize,
    })
    const run = newRunInfo({
      kind: 'exp-run',
      projectRoot: options.queued?.root ?? project.root,
      workspaceRoot: project.root,
      ...(options.queued?.entryId ? { queueEntryId: options.queued.entryId } : {}),
      experiment: {
        get baseline() {
          return session.baseline
        },
        get name() {
          return session.name
        },
        get ref() {
          return session.ref
        },
      },
    })
    session.run = run
    const repro = await withRunEvents(
      project.hooks,
      run,
      async () => {
        const result = await reproduce(project, {
          ...options,
          run,
          allowCheckpoints: true,
          experiment: session,
          env: {
            ...options.env,
            DVC_EXP_BASELINE_REV: baseline,
            DVC_EXP_NAME: session.name ?? '',
            ...(decision ? { DVCLIVE_RESUME: '1' } : {}),
          },
        })
        throwIfFailed(result)
        // (the plan's Stage objects come from another load of the pipeline than repro's: compare by what they are)
        const ranCheckpoint = checkpointStages([...result.outcomes].filter(([, outcome]) => outcome === 'ran').map(([stage]) => stage)).length > 0
        await session.commit({ checkpoint: ranCheckpoint })
        return result
      },
      (result) => ({ experiment: session.commits.at(-1), stages: stageCounts(result.outcomes.values()) }),
    )
    const resume = decision ? { mode: decision.mode, from: decision.rev } : undefined
    const last: ExperimentCommit | undefined = session.commits.at(-1)
    if (!last) return { repro, resume }
    return {
      repro,
      resume,
      experiment: {
        name: last.name,
        ref: last.ref,
        commit: last.commit,
        baseline,
        hash: last.hash,
        reused: last.reused,
        checkpoints: session.commits.filter((c) => c.checkpoint).length,
      },
    }
  } finally {
    await lock.release()
  }
}

/**
 * Whether the workspace, once `overrides` are applied, differs from commit `sha` in a
 * tracked file (DVC's `is_dirty` after moving HEAD to the checkpoint). Nothing is written.
 */
async function differsFrom(project: Project, store: GitRepository, sha: string, overrides: Override[]): Promise<boolean> {
  const changed = new Set(await store.changedFiles(sha))
  if (overrides.length) {
    const plan = await planOverrides(project.root, overrides)
    for (const file of plan.files) {
      if (!file.changed) continue
      const path = toGitPath(project, file.file)
      const stored = await store.readFile(sha, path)
      if (stored !== null && Buffer.from(stored).toString('utf8') === file.after) changed.delete(path)
      else changed.add(path)
    }
  }
  return changed.size > 0
}
