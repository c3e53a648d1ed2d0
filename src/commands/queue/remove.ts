import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class QueueRemove extends TrellisCommand {
  static override summary = 'Remove entries from the experiment queue (by id, id prefix or name), or all of them with --all.'
  static override description = 'Nothing is removed unless every named entry exists. Running entries: a backend that can stop them on their runner does (the Redis queue: on its worker); the local queue refuses them: stop their run first (Ctrl-C puts them back in the queue). Experiments already made are not touched (use `trellis exp remove`).'
  static override strict = false
  static override args = { entries: Args.string({ description: 'Entry ids, id prefixes or names.' }) }
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Remove every entry that is not running (queued, failed and finished ones).' }),
  }
  static override examples = ['<%= config.bin %> queue remove 1a2b3c4 high-lr', '<%= config.bin %> queue remove --all']

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(QueueRemove)
    this.setOutput(flags)
    const project = await this.openProject()
    const core = await import('@trellis/core')
    if (flags.all) {
      const n = await core.clearQueue(project)
      this.info(`Removed ${n} queue entr${n === 1 ? 'y' : 'ies'}.`)
      return
    }
    if ((argv as string[]).length === 0) {
      throw new core.TrellisError('INVALID_ARGUMENT', 'name the entries to remove, or use --all', { hint: 'List them with `trellis queue status`.' })
    }
    const removed = await core.removeQueueEntries(project, argv as string[])
    this.info(`Removed from the queue: ${removed.map((e) => e.id.slice(0, 7) + (e.name ? ` (${e.name})` : '')).join(', ')}`)
  }
}
