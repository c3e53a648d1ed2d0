import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class QueueLogs extends TrellisCommand {
  static override summary = "Print a queued experiment's log: its stages' output and what happened."
  static override description =
    'The entry is named by its id (as `trellis queue status` shows it, or any unique prefix of 4+ hex digits) or by its name. The log of a running entry is printed as far as it goes; with --follow, then what it adds until it stops running.'
  static override args = { entry: Args.string({ description: 'Entry id, id prefix or name.', required: true }) }
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Keep printing what a running entry adds to its log until its run ends.' }),
  }
  static override examples = ['<%= config.bin %> queue logs 1a2b3c4', '<%= config.bin %> queue logs high-lr', '<%= config.bin %> queue logs -f high-lr']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueLogs)
    this.setOutput(flags)
    const project = await this.openProject()
    const { followQueueEntryLog, queueEntryLog } = await import('@trellis/core')
    if (flags.follow) {
      const entry = await followQueueEntryLog(project, args.entry, (text) => process.stdout.write(text))
      if (entry) this.info(`Experiment '${entry.id.slice(0, 7)}' is ${entry.state === 'success' ? 'done' : entry.state}.`)
      return
    }
    const { entry, log } = await queueEntryLog(project, args.entry)
    if (log === null) {
      this.info(`Experiment '${entry.id.slice(0, 7)}' has no log yet (state: ${entry.state}).`)
      return
    }
    process.stdout.write(log)
  }
}
