/**
 * Auto-push (DVC §16): with `DVC_EXP_AUTO_PUSH` truthy and
 * `DVC_EXP_GIT_REMOTE=<remote name or URL>`, every experiment and checkpoint
 * commit is pushed as soon as it is written: its ref to the git remote and
 * its cached data to the default DVC remote (`exp push` semantics: a diverged
 * remote ref is skipped). The variables are read at each commit, so they may
 * be set for a single `exp run`.
 *
 * A failed push is a warning on stderr, never a failed run: the experiment is
 * committed locally either way and `trellis exp push` can send it later.
 */
import type { ExperimentCommitEvent, Trellis } from '@trellis/core/plugin-api'

const TRUTHY = new Set(['1', 'true', 'yes', 'y', 'on'])

export interface AutoPushSettings {
  /** The git remote (name or URL). */
  remote?: string
}

/** The auto-push settings of an environment, or undefined when auto-push is off. */
export function autoPushSettings(env: NodeJS.ProcessEnv = process.env): AutoPushSettings | undefined {
  if (!TRUTHY.has((env.DVC_EXP_AUTO_PUSH ?? '').trim().toLowerCase())) return undefined
  const remote = env.DVC_EXP_GIT_REMOTE?.trim()
  return { remote: remote || undefined }
}

function warn(message: string): void {
  process.stderr.write(`WARNING: ${message}\n`)
}

/** Push one freshly committed experiment; every failure becomes a warning. */
export async function autoPush(trellis: Trellis, event: ExperimentCommitEvent, settings: AutoPushSettings): Promise<void> {
  const what = `${event.checkpoint ? 'checkpoint of ' : ''}experiment '${event.name}'`
  if (!settings.remote) {
    warn(`DVC_EXP_AUTO_PUSH is set but DVC_EXP_GIT_REMOTE is not: ${what} was not pushed. Set DVC_EXP_GIT_REMOTE to a git remote name or URL.`)
    return
  }
  const { pushExperiments, redactUrl } = trellis.core
  try {
    await pushExperiments(trellis, settings.remote, { names: [event.ref], onWarning: warn })
  } catch (error) {
    const e = error as { message?: string; hint?: string }
    const hint = e.hint ? ` (${e.hint})` : ''
    warn(`auto-push of ${what} to Git remote '${redactUrl(settings.remote)}' failed: ${e.message ?? String(error)}${hint}`)
  }
}

export function tapAutoPush(trellis: Trellis, pluginName: string): void {
  trellis.hooks.onExperimentCommit.tapPromise(`${pluginName}:auto-push`, async (event) => {
    const settings = autoPushSettings()
    if (settings) await autoPush(trellis, event, settings)
  })
}
