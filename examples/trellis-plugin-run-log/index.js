// @ts-check
/**
 * trellis-plugin-run-log: an example third-party Trellis plugin. It uses only
 * what Trellis hands it (`trellis.hooks`, `trellis.services`, `trellis.core`) and
 * imports nothing from @trellis/core at run time (types only, in JSDoc).
 *
 * - taps the lifecycle hooks: one JSON line per run start/finish/failure, failed
 *   stage and queue entry change in `.dvc/tmp/run-log.jsonl`;
 * - adds the `trellis run-log` command (commands/run-log.js, an oclif command);
 * - registers the `flat://` DVC data remote (flat-remote.js).
 *
 * Options: `[trellis-plugin-run-log, {stages: true}]` also logs every stage that ran.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { FlatRemote } from './flat-remote.js'
import { logFile } from './run-log.js'

const NAME = 'run-log'

/** @type {import('@trellis/core/plugin-api').TrellisPlugin} */
const plugin = {
  name: NAME,
  apply(trellis) {
    const options = /** @type {{stages?: boolean} | undefined} */ (trellis.options)
    /** @param {import('@trellis/core/plugin-api').RunInfo} run */
    const who = (run) => ({ run: run.id, kind: run.kind, experiment: run.experiment?.name ?? null, entry: run.queueEntryId ?? null })
    /** @param {string} projectRoot @param {Record<string, unknown>} line */
    const write = (projectRoot, line) => {
      const file = logFile(projectRoot)
      mkdirSync(dirname(file), { recursive: true })
      appendFileSync(file, `${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`)
    }
    trellis.hooks.runStarted.tap(NAME, ({ run }) => write(run.projectRoot, { event: 'started', ...who(run) }))
    trellis.hooks.runFinished.tap(NAME, ({ run, experiment, stages }) =>
      write(run.projectRoot, { event: 'finished', ...who(run), commit: experiment?.commit ?? null, ran: stages.ran }),
    )
    trellis.hooks.runFailed.tap(NAME, ({ run, error }) => write(run.projectRoot, { event: 'failed', ...who(run), code: error.code }))
    trellis.hooks.stageFailed.tap(NAME, ({ run, stage, error }) => write(run.projectRoot, { event: 'stage-failed', ...who(run), stage: stage.address, code: error.code }))
    trellis.hooks.queueEntryChanged.tap(NAME, (event) => write(event.projectRoot, { event: `queue-${event.state}`, entry: event.entry.id, name: event.entry.name ?? null }))
    if (options?.stages) trellis.hooks.afterStage.tap(NAME, ({ run, stage, result }) => write(run.projectRoot, { event: 'stage', ...who(run), stage: stage.address, result }))
    trellis.services.registerDataRemote('flat', (spec) => {
      if (!spec.url.startsWith('flat:///')) {
        throw new trellis.core.TrellisError('REMOTE_INVALID', `DVC remote '${spec.name}': a flat remote's URL is flat:///absolute/path`, { hint: 'Example: url = flat:///mnt/storage' })
      }
      return new FlatRemote(spec)
    })
  },
}

export default plugin
