/**
 * The hook bus: every extension point of Trellis, declared in one place.
 *
 * Plugins tap these hooks in `apply(trellis)`; core calls them. The event hooks are
 * tapable `AsyncSeriesHook`s: taps run in registration order (or by `stage`/`before`),
 * each awaited, and an error thrown by a tap aborts the operation that called it.
 * `runStage` is a `SyncWaterfallHook` of stage runners: each tap may return a wrapper
 * around the runner it receives (a decorator), which is how the checkpoints plugin
 * watches a running checkpoint stage without core knowing about signal files.
 * Observers that must not change behaviour (progress, timing) should use
 * `hook.intercept(...)` rather than a tap.
 */
import { AsyncSeriesHook, SyncWaterfallHook } from 'tapable'
import type { ExperimentRun } from './experiments/experiment-session.js'
import type { LockEntry, Stage } from './pipeline/types.js'

export interface StageEvent {
  /** The stage, as loaded from dvc.yaml (interpolated). */
  stage: Stage
  /** Absolute path of the repository root. */
  root: string
}

export interface AfterStageEvent extends StageEvent {
  /** How the stage came to be up to date. */
  result: 'ran' | 'restored' | 'verified'
  /** The lock entry written for it (not written with `--dry`). */
  lock?: LockEntry
}

export interface CheckpointEvent extends StageEvent {
  /** The checkpoint commit's sha; undefined when nothing changed since the previous commit of the chain (no commit was made). */
  commit?: string
  /** The experiment ref the chain is on (`refs/exps/…/<name>`), once the chain has one. */
  ref?: string
  /** The stage's dvc.lock entry as recorded by this checkpoint (outputs hashed and cached). */
  lock: LockEntry
  /** 1 for the first checkpoint this run took, then 2, 3, … */
  index: number
}

/** What a stage runner is asked to do: run the stage's command(s). */
export interface StageInvocation {
  /** Variables added to the process environment (DVC_ROOT, DVC_EXP_*, …); a decorator may add more. */
  env: Record<string, string>
  /** Aborting it terminates the command's process group (SIGTERM, then SIGKILL after 5 s); the run then fails with `signal.reason`. */
  signal?: AbortSignal
  /** Called with the pid of each command line's process (the leader of its process group) once spawned. */
  onSpawn?: (pid: number | undefined) => void
}

/** Runs a stage's command; resolves when it exited successfully, rejects with a TrellisError otherwise. */
export type StageRunner = (invocation: StageInvocation) => Promise<void>

/** Everything a `runStage` decorator knows about the stage it wraps. */
export interface StageRunContext extends StageEvent {
  /** The experiment being run (`exp run`); undefined under `trellis repro`. */
  experiment?: ExperimentRun
  /**
   * Record the stage as it is *now*, while its command runs: hash its outputs (missing
   * ones are recorded by path only), copy the cached ones into the cache (the workspace
   * files are left as they are, writable) and write its dvc.lock entry, which is returned.
   * Calls are serialised by the caller; not valid once the runner has returned.
   */
  save(): Promise<LockEntry>
  /** A progress line, printed like the engine's own (`-q` silences it). */
  log(line: string): void
}

export interface ExperimentCommitEvent {
  root: string
  /** Full ref, e.g. `refs/exps/ab/cdef…/exp-1a2b3`. */
  ref: string
  /** The experiment (or checkpoint) commit sha. */
  commit: string
  /** The baseline commit sha. */
  baseline: string
  name: string
  checkpoint: boolean
}

export interface TrellisHooks {
  /** A stage is about to run, after change detection decided it changed (not fired for unchanged stages). */
  readonly beforeStage: AsyncSeriesHook<[StageEvent]>
  /** A stage ran, was restored from the run-cache, or was verified (frozen); its outs are in the cache. */
  readonly afterStage: AsyncSeriesHook<[AfterStageEvent]>
  /**
   * Decorate the running of a stage's command (a waterfall: each tap receives the runner
   * built so far and returns it, or a wrapper around it). Called once per stage that runs,
   * after `beforeStage`, its inputs hashed and its outputs prepared. The checkpoints plugin
   * wraps checkpoint stages under `exp run` with its signal watcher; a tap that has nothing
   * to do for a stage returns the runner it got.
   */
  readonly runStage: SyncWaterfallHook<[StageRunner, StageRunContext]>
  /** A running stage signalled a checkpoint (`.dvc/tmp/DVC_CHECKPOINT`) and it was committed; fired before `onExperimentCommit`. */
  readonly onCheckpoint: AsyncSeriesHook<[CheckpointEvent]>
  /** An experiment or checkpoint commit was written and its ref updated. */
  readonly onExperimentCommit: AsyncSeriesHook<[ExperimentCommitEvent]>
}

export function createHooks(): TrellisHooks {
  return Object.freeze({
    beforeStage: new AsyncSeriesHook<[StageEvent]>(['event']),
    afterStage: new AsyncSeriesHook<[AfterStageEvent]>(['event']),
    runStage: new SyncWaterfallHook<[StageRunner, StageRunContext]>(['runner', 'context']),
    onCheckpoint: new AsyncSeriesHook<[CheckpointEvent]>(['event']),
    onExperimentCommit: new AsyncSeriesHook<[ExperimentCommitEvent]>(['event']),
  })
}
