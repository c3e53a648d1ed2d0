/**
 * The hook bus: every extension point of Trellis, declared in one place.
 *
 * Plugins tap these hooks in `apply(trellis)`; core calls them. They are tapable
 * `AsyncSeriesHook`s: taps run in registration order (or by `stage`/`before`),
 * each awaited, and an error thrown by a tap aborts the operation that called it.
 * Observers that must not change behaviour (progress, timing) should use
 * `hook.intercept(...)` rather than a tap.
 */
import { AsyncSeriesHook } from 'tapable'
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
  /** The commit sha of the checkpoint, once it has been committed. */
  commit?: string
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
  /** A running stage signalled a checkpoint (`.dvc/tmp/DVC_CHECKPOINT`). */
  readonly onCheckpoint: AsyncSeriesHook<[CheckpointEvent]>
  /** An experiment or checkpoint commit was written and its ref updated. */
  readonly onExperimentCommit: AsyncSeriesHook<[ExperimentCommitEvent]>
}

export function createHooks(): TrellisHooks {
  return Object.freeze({
    beforeStage: new AsyncSeriesHook<[StageEvent]>(['event']),
    afterStage: new AsyncSeriesHook<[AfterStageEvent]>(['event']),
    onCheckpoint: new AsyncSeriesHook<[CheckpointEvent]>(['event']),
    onExperimentCommit: new AsyncSeriesHook<[ExperimentCommitEvent]>(['event']),
  })
}
