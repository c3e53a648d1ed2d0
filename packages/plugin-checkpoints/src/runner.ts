/**
 * The checkpoint stage runner: a `runStage` decorator that runs the stage's command
 * with `DVC_CHECKPOINT=1` and, on every signal (`.dvc/tmp/DVC_CHECKPOINT`), records
 * the stage and asks core for the next commit of the experiment's chain.
 */
import type { StageRunContext, StageRunner, Trellis } from '@trellis/core/plugin-api'
import { join } from 'node:path'
import { SIGNAL_FILE } from './make-checkpoint.js'
import { SignalWatcher } from './watcher.js'

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
