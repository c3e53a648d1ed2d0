import { Args } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class QueueLogs extends TrellisCommand {
  static override summary = "Print a queued experiment's log: its stages' output and what happened."
  static override description = 'The entry is named by its id (as `trellis queue status` shows it, or any unique prefix of 4+ hex digits) or by its name. The log of a running entry is printed as far as it goes.'
  static override args = { entry: Args.string({ description: 'Entry id, id prefix or name.', required: true }) }
  static override examples = ['<%= config.bin %> queue logs 1a2b3c4', '<%= config.bin %> queue logs high-lr']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueLogs)
    this.setOutput(flags)
    const project = await this.openProject()
    const { queueEntryLog } = await import('@trellis/core')
    const { entry, log } = await queueEntryLog(project, args.entry)
    if (log === null) {
      this.info(`Experiment '${entry.id.slice(0, 7)}' has no log yet (state: ${entry.state}).`)
      return
    }
    process.stdout.write(log)
  }
}
