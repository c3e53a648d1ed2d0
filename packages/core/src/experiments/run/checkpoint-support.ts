/**
 * Checkpoint stages need the checkpoints plugin: it watches the running command for
 * signals (its `runStage` decorator) and holds the resume rules (the `checkpoints`
 * service). Without it they are refused before anything runs.
 */
import { TrellisError } from '../../errors.js'
import type { CheckpointSupport } from '../../plugin-api/checkpoints.js'
import type { Stage } from '../../pipeline/types.js'
import type { Project } from '../../project.js'

const HINT = "Add '@trellis/plugin-checkpoints' (or another plugin providing the 'checkpoints' service) to the plugins of your trellis config, or remove `builtins: false`."

/** Refuse checkpoint stages (CHECKPOINTS_NOT_LOADED, naming the first) when no plugin provides the `checkpoints` service. */
export function requireCheckpointSupport(project: Project, checkpointed: Stage[]): void {
  if (checkpointed.length === 0 || project.services.has('checkpoints')) return
  const stage = checkpointed[0]
  throw new TrellisError('CHECKPOINTS_NOT_LOADED', `stage '${stage.address}' (${stage.dvcfile}${stage.line ? `:${stage.line}` : ''}) has checkpoint outputs, but the checkpoints plugin is not loaded`, {
    hint: HINT,
  })
}

/** The checkpoints plugin's rules (CHECKPOINTS_NOT_LOADED without one: resuming a checkpoint needs them). */
export async function checkpointSupport(project: Project): Promise<CheckpointSupport> {
  if (!project.services.has('checkpoints')) {
    throw new TrellisError('CHECKPOINTS_NOT_LOADED', 'resuming from a checkpoint needs the checkpoints plugin, which is not loaded', { hint: HINT })
  }
  return project.services.get('checkpoints')
}
