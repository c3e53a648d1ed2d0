/**
 * The resume rules of checkpoint experiments (DVC §2.2, §8.5), the `checkpoints`
 * service. Core finds the facts (the EXEC refs, the checkpoint `--rev` names and the
 * experiments holding it, whether the workspace differs from it) and does what is
 * decided here.
 *
 * - Workspace auto-resume: when the last checkpoint and the last applied experiment
 *   are both recorded (and derived from HEAD: core drops the others), a new
 *   `exp run` continues from what was applied last.
 * - Continue or fork: a workspace that differs from the checkpoint makes a new
 *   experiment whose first commit has the checkpoint as parent; an unchanged one
 *   continues the experiment whose tip the checkpoint is (`-n` ignored, with a
 *   warning); an unchanged checkpoint that is no tip is "Nothing to do".
 */
import type { CheckpointOrigin, CheckpointSupport, LastCheckpoint, ResumeDecision, ResumeFacts, TrellisCore } from '@trellis/core/plugin-api'

/** The `checkpoints` service of plugin `plugin`; errors are `core.TrellisError`s. */
export function resumeRules(plugin: string, core: Pick<TrellisCore, 'TrellisError'>): CheckpointSupport {
  const { TrellisError } = core
  return {
    plugin,
    workspaceResumePoint(last: LastCheckpoint): string | undefined {
      return last.checkpoint && last.applied ? last.applied : undefined
    },
    decideResume(origin: CheckpointOrigin, options: ResumeFacts): ResumeDecision {
      const short = origin.rev.slice(0, 7)
      const label = origin.branch?.name ?? short
      if (options.dirty) {
        return { mode: 'fork', rev: origin.rev, baseline: origin.baseline, notice: `Modified checkpoint experiment based on '${label}' will be created` }
      }
      if (origin.branch && options.branchTip === origin.rev) {
        const name = origin.branch.name
        const warning = options.name !== undefined && options.name !== name
          ? `Ignoring option '--name ${options.name}' for resumed experiment. Existing experiment name '${name}' will be used instead.`
          : undefined
        return { mode: 'continue', rev: origin.rev, baseline: origin.baseline, ref: origin.branch.ref, name, notice: `Existing checkpoint experiment '${name}' will be resumed`, warning }
      }
      const names = origin.containing.map((r) => r.name)
      const listed = names.slice(0, 3).join(', ') + (names.length > 3 ? ` (${names.length - 3} more)` : '')
      throw new TrellisError('CHECKPOINT_RESUME', `Nothing to do for unchanged checkpoint '${short}'.`, {
        hint: origin.branch
          ? `It is not the last checkpoint of '${label}'. To continue '${label}' from its last checkpoint: \`trellis exp apply ${label}\` then \`trellis exp run\`. To branch off from '${short}', change a parameter (-S) or the code; to start over, --reset.`
          : `It belongs to: ${listed}. To continue one of them from its last checkpoint: \`trellis exp apply <name>\` then \`trellis exp run\`. To branch off from '${short}', change a parameter (-S) or the code; to start over, --reset.`,
      })
    },
  }
}
