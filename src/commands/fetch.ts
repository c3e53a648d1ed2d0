import { Args } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { summary, syncFlags, syncOptions } from '../data-flags.js'
import { progress } from '../progress.js'

export default class Fetch extends TrellisCommand {
  static override summary = 'Download tracked files or directories from the DVC remote into the cache.'
  static override description = `Like pull, without the checkout: the workspace is not touched. Each download is checked against its hash before it enters the cache. Objects the remote does not have are listed; everything else is fetched, then the command fails ("N files failed to download").`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Outputs, stages or .dvc files (default: all).' }) }
  static override flags = { ...syncFlags }
  static override examples = ['<%= config.bin %> fetch', '<%= config.bin %> fetch -r backup train']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Fetch)
    this.setOutput(flags)
    const project = await this.openProject()
    const lock = await project.lock(`trellis fetch ${(argv as string[]).join(' ')}`.trim())
    const { fetchData, throwIfNotFetched } = await import('@trellis/core')
    const bar = progress('Fetching', { quiet: flags.quiet })
    try {
      const result = await fetchData(project, { ...syncOptions(flags, argv as string[]), onProgress: bar.update, onWarning: this.warning })
      bar.stop()
      this.info(summary([['fetched', result.transferred]]) || 'Everything is up to date.')
      throwIfNotFetched(result, 'fetch')
    } finally {
      bar.stop()
      await lock.release()
    }
  }
}
