/**
 * What `exp run` does with its flags: run in the workspace, in a temporary one
 * (`--temp`), queue (`--queue`), run a sweep, or run the queue (`--run-all`); and the
 * checks of the flags that do not combine (the checkpoint flags `-r/--rev` and
 * `--reset` follow DVC §4).
 */
import { TrellisError } from '../../errors.js'
import { isSweep } from './sweep.js'

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

export type ExpRunMode = 'workspace' | 'temp' | 'queue' | 'sweep' | 'run-all'

export interface ExpRunFlags extends ResumeFlags {
  /** `--run-all`. */
  runAll?: boolean
  /** `--sweep <mode>`. */
  sweep?: string
  /** `-S` values (a list or range makes a sweep). */
  setParams?: string[]
  /** Stage targets. */
  targets?: string[]
  /** `-n`. */
  name?: string
}

/** The mode `exp run` runs in, and the effective `reset`; flags that do not combine are an INVALID_ARGUMENT error. */
export function expRunMode(flags: ExpRunFlags): { mode: ExpRunMode; reset: boolean } {
  const sweep = !flags.runAll && (flags.sweep !== undefined || isSweep(flags.setParams))
  if (sweep && flags.temp) {
    throw new TrellisError('INVALID_ARGUMENT', '--temp runs one experiment: a sweep is queued, and run at once without --queue', {
      hint: 'Drop --temp: `trellis exp run -S ...` runs the sweep in temporary workspaces (your workspace is not touched).',
    })
  }
  const { reset } = checkResumeFlags({ rev: flags.rev, reset: flags.reset, queue: flags.queue || sweep, temp: flags.temp })
  if (flags.runAll) {
    if (flags.targets?.length || flags.setParams?.length || flags.name !== undefined || flags.reset) {
      throw new TrellisError('INVALID_ARGUMENT', '--run-all runs the queued experiments: targets, -S, -n and --reset do not apply to it', {
        hint: 'Queue variations with `trellis exp run --queue -S ...` first, then run `trellis exp run --run-all -j N`.',
      })
    }
    return { mode: 'run-all', reset }
  }
  const mode: ExpRunMode = sweep ? 'sweep' : flags.queue ? 'queue' : flags.temp ? 'temp' : 'workspace'
  return { mode, reset }
}
