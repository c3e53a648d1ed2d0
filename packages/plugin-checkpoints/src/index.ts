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
 * Core never imports this package: it taps the `runStage` hook (a decorator of the
 * stage runner), uses the `ExperimentRun` core hands to decorators, and registers
 * the `checkpoints` service, without which core refuses checkpoint stages
 * (CHECKPOINTS_NOT_LOADED). Runtime values come from `trellis.core`.
 *
 * Options (`plugins: [['@trellis/plugin-checkpoints', { pollMs: 50 }]]`): `pollMs`,
 * the fallback poll interval of the signal watcher.
 */
import type { StageRunContext, StageRunner, Trellis, TrellisPlugin } from '@trellis/core/plugin-api'
import { join } from 'node:path'
import { SIGNAL_FILE } from './make-checkpoint.js'
import { SignalWatcher } from './watcher.js'

export { makeCheckpoint, makeCheckpointSync, checkpointSignalPath, SIGNAL_FILE, type MakeCheckpointOptions } from './make-checkpoint.js'
export { SignalWatcher } from './watcher.js'

export const PLUGIN_NAME = 'checkpoints'

export interface CheckpointsPluginOptions {
  /** Fallback poll interval for the signal file, in ms (default 50). */
  pollMs?: number
}

export const checkpointsPlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis, options?: unknown) {
    const pollMs = (options as CheckpointsPluginOptions | undefined)?.pollMs
    trellis.services.register('checkpoints', PLUGIN_NAME, () => ({ plugin: PLUGIN_NAME }))
    trellis.hooks.runStage.tap(PLUGIN_NAME, (runner, context) =>
      isCheckpointRun(context) ? checkpointRunner(trellis, runner, context, pollMs) : runner,
    )
  },
}

export default checkpointsPlugin

/** A stage with a checkpoint output, run as part of an experiment. */
export function isCheckpointRun(context: StageRunContext): boolean {
  return !!context.experiment && context.stage.outs.some((o) => o.checkpoint)
}

/** `<root>/.dvc/tmp/DVC_CHECKPOINT`. */
export function signalFile(root: string): string {
  return join(root, '.dvc', 'tmp', SIGNAL_FILE)
}

/** Wrap a stage runner: DVC_CHECKPOINT=1, and a commit on the experiment's chain for every signal. */
export function checkpointRunner(trellis: Trellis, next: StageRunner, context: StageRunContext, pollMs?: number): StageRunner {
  const experiment = context.experiment!
  const { stage } = context
  const { TrellisError } = trellis.core
  return async (invocation) => {
    const controller = new AbortController()
    const outer = invocation.signal
    if (outer?.aborted) controller.abort(outer.reason)
    else outer?.addEventListener('abort', () => controller.abort(outer.reason), { once: true })
    let taken = 0
    const take = async (): Promise<void> => {
      if (controller.signal.aborted) return
      try {
        const lock = await context.save()
        const commit = await experiment.checkpoint(stage, lock)
        taken++
        context.log(
          commit
            ? `Checkpoint experiment iteration '${commit.commit.slice(0, 7)}'.`
            : 'Checkpoint: nothing changed since the last commit, no new commit.',
        )
      } catch (error) {
        const kept = experiment.commits.filter((c) => c.checkpoint).length
        const reason = error instanceof Error ? error.message : String(error)
        controller.abort(
          new TrellisError('CHECKPOINT_FAILED', `could not take checkpoint ${taken + 1} of stage '${stage.address}', its command was stopped: ${reason}`, {
            cause: error,
            hint:
              (kept
                ? `The ${kept} checkpoint${kept > 1 ? 's' : ''} taken before ${kept > 1 ? 'are' : 'is'} kept in ${experiment.ref}; \`trellis exp run\` continues from the last one. `
                : '') + (error instanceof TrellisError && error.hint ? error.hint : 'Fix the cause (the outputs must be readable) and run again.'),
          }),
        )
      }
    }
    const watcher = new SignalWatcher(signalFile(context.root), take, pollMs)
    await watcher.start()
    try {
      await next({ ...invocation, env: { ...invocation.env, DVC_CHECKPOINT: '1' }, signal: controller.signal })
    } finally {
      await watcher.stop()
    }
  }
}
