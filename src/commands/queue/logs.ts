import { Args, Flags } from '@oclif/core'
import type { QueueBackend } from '@trellis/core'
import { TrellisCommand } from '../../base-command.js'

export default class QueueLogs extends TrellisCommand {
  static override summary = "Print a queued experiment's log: its stages' output and what happened."
  static override description = 'The entry is named by its id (as `trellis queue status` shows it, or any unique prefix of 4+ hex digits) or by its name. The log of a running entry is printed as far as it goes; with --follow, as it grows until the entry stops (on whichever machine it runs).'
  static override args = { entry: Args.string({ description: 'Entry id, id prefix or name.', required: true }) }
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing the log of a running entry as it grows, until the entry stops.' }),
  }
  static override examples = ['<%= config.bin %> queue logs 1a2b3c4', '<%= config.bin %> queue logs high-lr', '<%= config.bin %> queue logs -f 1a2b3c4']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueLogs)
    this.setOutput(flags)
    const project = await this.openProject()
    const { queueEntryLog } = await import('@trellis/core')
    const { entry, log } = await queueEntryLog(project, args.entry)
    if (flags.follow && entry.state === 'running') {
      await follow(await project.services.get('queue'), entry.id)
      return
    }
    if (log === null) {
      this.info(`Experiment '${entry.id.slice(0, 7)}' has no log yet (state: ${entry.state}).`)
      return
    }
    process.stdout.write(log)
  }
}

/** Print an entry's log from its start while it runs: the backend's `followLog`, or polling `log`. */
async function follow(backend: QueueBackend, id: string): Promise<void> {
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  try {
    if (backend.followLog) {
      await backend.followLog(id, (text) => process.stdout.write(text), { signal: stop.signal })
      return
    }
    let printed = 0
    while (!stop.signal.aborted) {
      const running = (await backend.list()).find((e) => e.id === id)?.state === 'running'
      const log = (await backend.log(id)) ?? ''
      if (log.length > printed) process.stdout.write(log.slice(printed))
      printed = Math.max(printed, log.length)
      if (!running) return
      await new Promise((r) => setTimeout(r, 500))
    }
  } finally {
    process.off('SIGINT', onSignal)
  }
}
