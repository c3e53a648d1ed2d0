/**
 * The hook bus: every extension point of Trellis, declared in one place.
 *
 * Plugins tap these hooks in `apply(trellis)`; core calls every one of them
 * (plugins only tap). All are tapable hooks created per project.
 *
 * Two kinds:
 * - **participants** (`beforeStage`, `runStage`): a tap takes part in the work; an error
 *   thrown by a `beforeStage` tap fails the stage.
 * - **observers** (every other hook): a tap watches. An error thrown by an observer tap
 *   is reported as a warning naming the plugin (`WARNING: plugin 'x' failed in
 *   afterStage: …`) and changes nothing: the results recorded before it stay recorded
 *   and the run goes on.
 *
 * Every payload says which run it belongs to (`run`, see run-info.ts).
 */
import { AsyncSeriesHook, SyncWaterfallHook } from 'tapable'
import type { TrellisError } from '../errors.js'
import type { LockEntry, Stage } from '../pipeline/types.js'
import type { ExperimentCommit, ExperimentRun } from './experiment-run.js'
import type { QueueEntry, QueueResult } from './queue-backend.js'
import type { RunInfo } from './run-info.js'

export interface StageEvent {
  /** The stage, as loaded from dvc.yaml (interpolated). */
  stage: Stage
  /** Absolute path of the root the stage runs in (the workspace root: `run.workspaceRoot`). */
  root: string
  /** The run the stage belongs to. */
  run: RunInfo
}

export interface AfterStageEvent extends StageEvent {
  /** How the stage came to be up to date. */
  result: 'ran' | 'restored' | 'verified'
  /** The lock entry written for it (not written with `--dry`). */
  lock?: LockEntry
}

export interface StageFailedEvent extends StageEvent {
  /** Why: the command failed (STAGE_FAILED), was interrupted (INTERRUPTED), or a checkpoint could not be taken (CHECKPOINT_FAILED). */
  error: TrellisError
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
  /** The project root (for a queued run: the main project's, not the temporary workspace's). */
  root: string
  /** Full ref, e.g. `refs/exps/ab/cdef…/exp-1a2b3`. */
  ref: string
  /** The experiment (or checkpoint) commit sha. */
  commit: string
  /** The baseline commit sha. */
  baseline: string
  name: string
  checkpoint: boolean
  /** The run that wrote it. */
  run: RunInfo
}

export interface RunEvent {
  run: RunInfo
}

export interface RunFinishedEvent extends RunEvent {
  /** The experiment's last commit (undefined when nothing changed, or under `trellis repro`). */
  experiment?: ExperimentCommit
  /** Stages by outcome. */
  stages: { ran: number; restored: number; unchanged: number }
}

export interface RunFailedEvent extends RunEvent {
  error: TrellisError
}

export type QueueEntryState = 'queued' | 'running' | 'done' | 'failed' | 'removed'

export interface QueueEntryEvent {
  /** The project root the queue belongs to. */
  projectRoot: string
  state: QueueEntryState
  /** The entry as it is now (for `removed`: as it was). */
  entry: QueueEntry
  /** Why it (re)entered `queued`: `new` (exp run --queue), `interrupted` (a run was stopped), `recovered` (left running by a dead process). */
  reason?: 'new' | 'interrupted' | 'recovered'
  /** `running`: where it runs. */
  workspace?: string
  /** `done`: the experiment made (null: nothing changed). */
  result?: QueueResult | null
  /** `done`/`failed`: seconds the run took. */
  seconds?: number
  /** `failed`: why. */
  error?: TrellisError
  /** `failed`: the log file, when the backend keeps one. */
  log?: string
}

export interface TrellisHooks {
  /** Participant. A stage is about to run, after change detection decided it changed (not fired for unchanged stages). */
  readonly beforeStage: AsyncSeriesHook<[StageEvent]>
  /** Observer. A stage ran, was restored from the run-cache, or was verified (frozen); its outs are in the cache. */
  readonly afterStage: AsyncSeriesHook<[AfterStageEvent]>
  /** Observer. A stage's command failed or was interrupted (fired before `runFailed`). */
  readonly stageFailed: AsyncSeriesHook<[StageFailedEvent]>
  /**
   * Participant. Decorate the running of a stage's command (a waterfall: each tap receives
   * the runner built so far and returns it, or a wrapper around it). Called once per stage
   * that runs, after `beforeStage`, its inputs hashed and its outputs prepared. The
   * checkpoints plugin wraps checkpoint stages under `exp run` with its signal watcher; a
   * tap that has nothing to do for a stage returns the runner it got.
   */
  readonly runStage: SyncWaterfallHook<[StageRunner, StageRunContext]>
  /** Observer. A running stage signalled a checkpoint and core committed it; always fired before the `onExperimentCommit` of the same commit. */
  readonly onCheckpoint: AsyncSeriesHook<[CheckpointEvent]>
  /** Observer. An experiment or checkpoint commit was written and its ref moved (not fired when an identical experiment was reused). */
  readonly onExperimentCommit: AsyncSeriesHook<[ExperimentCommitEvent]>
  /** Observer. A `repro` or `exp run` (in place or a queue entry) starts, under the project lock, before any stage. */
  readonly runStarted: AsyncSeriesHook<[RunEvent]>
  /** Observer. The run ended successfully (after its experiment commit). */
  readonly runFinished: AsyncSeriesHook<[RunFinishedEvent]>
  /** Observer. The run failed or was interrupted (commits made before, e.g. checkpoints, stay). */
  readonly runFailed: AsyncSeriesHook<[RunFailedEvent]>
  /** Observer. A queue entry was queued, started running, finished, failed or was removed. */
  readonly queueEntryChanged: AsyncSeriesHook<[QueueEntryEvent]>
}

/** The hooks whose taps only watch: an error in one is reported, never propagated. */
export const OBSERVER_HOOKS = [
  'afterStage',
  'stageFailed',
  'onCheckpoint',
  'onExperimentCommit',
  'runStarted',
  'runFinished',
  'runFailed',
  'queueEntryChanged',
] as const satisfies ReadonlyArray<keyof TrellisHooks>

/**
 * A fresh bus. `reportObserverError(plugin, hook, error)` receives what an observer
 * tap threw; `pluginOf(tapName)` names the plugin that registered a tap (core records
 * it while applying plugins; default: the tap's name).
 */
export function createHooks(
  reportObserverError: (plugin: string, hook: string, error: unknown) => void = () => undefined,
  pluginOf: (tapName: string) => string = (name) => name,
): TrellisHooks {
  const hooks: TrellisHooks = {
    beforeStage: new AsyncSeriesHook<[StageEvent]>(['event']),
    afterStage: new AsyncSeriesHook<[AfterStageEvent]>(['event']),
    stageFailed: new AsyncSeriesHook<[StageFailedEvent]>(['event']),
    runStage: new SyncWaterfallHook<[StageRunner, StageRunContext]>(['runner', 'context']),
    onCheckpoint: new AsyncSeriesHook<[CheckpointEvent]>(['event']),
    onExperimentCommit: new AsyncSeriesHook<[ExperimentCommitEvent]>(['event']),
    runStarted: new AsyncSeriesHook<[RunEvent]>(['event']),
    runFinished: new AsyncSeriesHook<[RunFinishedEvent]>(['event']),
    runFailed: new AsyncSeriesHook<[RunFailedEvent]>(['event']),
    queueEntryChanged: new AsyncSeriesHook<[QueueEntryEvent]>(['event']),
  }
  for (const name of OBSERVER_HOOKS) {
    hooks[name].intercept({
      register(tap) {
        const plugin = pluginOf(tap.name)
        const report = (error: unknown) => reportObserverError(plugin, name, error)
        const fn = tap.fn as (...args: unknown[]) => unknown
        if (tap.type === 'promise') {
          tap.fn = (...args: unknown[]) => Promise.resolve().then(() => fn(...args)).catch(report)
        } else if (tap.type === 'async') {
          tap.fn = (...args: unknown[]) => {
            const callback = args.pop() as () => void
            try {
              fn(...args, (error?: unknown) => {
                if (error) report(error)
                callback()
              })
            } catch (error) {
              report(error)
              callback()
            }
          }
        } else {
          tap.fn = (...args: unknown[]) => {
            try {
              fn(...args)
            } catch (error) {
              report(error)
            }
          }
        }
        return tap
      },
    })
  }
  return Object.freeze(hooks)
}
