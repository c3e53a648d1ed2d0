/** `exp run`'s checkpoint flags, `-r/--rev` and `--reset` (DVC §4). */
import { TrellisError } from '../../errors.js'

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
