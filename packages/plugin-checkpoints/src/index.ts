/**
 * @trellis/plugin-checkpoints: checkpoint stages under `trellis exp run`.
 *
 * A stage with an output marked `checkpoint: true` runs, under `exp run`, with
 * `DVC_CHECKPOINT=1` (and `DVC_ROOT`) in its environment. When the program creates
 * `.dvc/tmp/DVC_CHECKPOINT` (with `makeCheckpoint()`, the Python helper, or by hand),
 * this plugin:
 *
 * 1. records the stage as it is now (`StageRunContext.save()`: outputs hashed and
 *    copied into the cache, the program's files left as they are; its dvc.lock
 *    entry written),
 * 2. asks core to take the checkpoint (`ExperimentRun.checkpoint`): core commits the
 *    workspace as the next commit of the experiment's chain (parent = the previous
 *    checkpoint), moves the experiment ref and fires `onCheckpoint`, then
 *    `onExperimentCommit`,
 * 3. removes the file, which lets the program go on.
 *
 * An error in any step stops the program (SIGTERM to its process group) and fails
 * the stage with CHECKPOINT_FAILED; the checkpoints already committed stay.
 * The plugin also owns the resume rules (resume.ts): where a workspace run continues
 * from, and whether a run from a checkpoint continues its experiment or forks a new
 * one. Core finds the facts and does the work.
 *
 * Core never imports this package: it taps the `runStage` hook (a decorator of the
 * stage runner, runner.ts), uses the `ExperimentRun` core hands to decorators, and
 * registers the `checkpoints` service (resume.ts), without which core refuses
 * checkpoint stages (CHECKPOINTS_NOT_LOADED). Runtime values come from `trellis.core`.
 *
 * Options (`plugins: [['@trellis/plugin-checkpoints', { pollMs: 50 }]]`): `pollMs`,
 * the fallback poll interval of the signal watcher.
 */
import type { Trellis, TrellisPlugin } from '@trellis/core/plugin-api'
import { resumeRules } from './resume.js'
import { checkpointRunner, isCheckpointRun } from './runner.js'

export { makeCheckpoint, makeCheckpointSync, checkpointSignalPath, SIGNAL_FILE, type MakeCheckpointOptions } from './make-checkpoint.js'
export { SignalWatcher } from './watcher.js'
export { checkpointRunner, isCheckpointRun, signalFile } from './runner.js'
export { resumeRules } from './resume.js'

export const PLUGIN_NAME = 'checkpoints'

export interface CheckpointsPluginOptions {
  /** Fallback poll interval for the signal file, in ms (default 50). */
  pollMs?: number
}

export const checkpointsPlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis, options?: unknown) {
    const pollMs = (options as CheckpointsPluginOptions | undefined)?.pollMs
    trellis.services.register('checkpoints', PLUGIN_NAME, () => resumeRules(PLUGIN_NAME, trellis.core))
    trellis.hooks.runStage.tap(PLUGIN_NAME, (runner, context) =>
      isCheckpointRun(context) ? checkpointRunner(trellis, runner, context, pollMs) : runner,
    )
  },
}

export default checkpointsPlugin
