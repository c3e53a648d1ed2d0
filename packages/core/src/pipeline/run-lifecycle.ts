/**
 * The run lifecycle on the bus: a `RunInfo` per run (`repro` or `exp run`), and
 * `runStarted` / `runFinished` / `runFailed` around the work.
 */
import { TrellisError } from '../errors.js'
import type { RunFinishedEvent, TrellisHooks } from '../plugin-api/hooks.js'
import type { RunInfo } from '../plugin-api/run-info.js'

let runs = 0

/** A new run's identity (ids are unique in this process). */
export function newRunInfo(fields: Omit<RunInfo, 'id'>): RunInfo {
  return Object.freeze({ id: `run-${++runs}`, ...fields })
}

/** Run `work` between `runStarted` and `runFinished` (or `runFailed` when it throws; the error is rethrown). */
export async function withRunEvents<T>(
  hooks: TrellisHooks,
  run: RunInfo,
  work: () => Promise<T>,
  finished: (result: T) => Omit<RunFinishedEvent, 'run'>,
): Promise<T> {
  await hooks.runStarted.promise({ run })
  let result: T
  try {
    result = await work()
  } catch (error) {
    const failure = error instanceof TrellisError ? error : new TrellisError('STAGE_FAILED', error instanceof Error ? error.message : String(error), { cause: error })
    await hooks.runFailed.promise({ run, error: failure })
    throw error
  }
  await hooks.runFinished.promise({ run, ...finished(result) })
  return result
}

/** Stages by outcome, for `runFinished`. */
export function stageCounts(outcomes: Iterable<string>): RunFinishedEvent['stages'] {
  const counts = { ran: 0, restored: 0, unchanged: 0 }
  for (const outcome of outcomes) {
    if (outcome === 'ran') counts.ran++
    else if (outcome === 'restored' || outcome === 'verified') counts.restored++
    else if (outcome === 'unchanged') counts.unchanged++
  }
  return counts
}
