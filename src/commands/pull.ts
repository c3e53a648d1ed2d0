import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { changeLines, summary, syncFlags, syncOptions } from '../data-flags.js'
import { progress } from '../progress.js'

export default class Pull extends TrellisCommand {
  static override summary = 'Download tracked files or directories from the DVC remote and check them out.'
  static override description = `fetch, then checkout of the same targets. Lists the outputs it added or modified (A/M), then DVC's summary. Uncommitted changes are not overwritten unless -f (their content is saved in the cache first).`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Outputs, stages or .dvc files (default: all).' }) }
  static override flags = {
    ...syncFlags,
    force: Flags.boolean({ char: 'f', description: 'Replace uncommitted outputs (their content is saved in the cache first).' }),
  }
  static override examples = ['<%= config.bin %> pull', '<%= config.bin %> pull data.dvc -r backup']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Pull)
    this.setOutput(flags)
    const project = await this.openProject()
    const lock = await project.lock(`trellis pull ${(argv as string[]).join(' ')}`.trim())
    const { pullData, throwIfNotFetched } = await import('@trellis/core')
    const bar = progress('Pulling', { quiet: flags.quiet })
    try {
      const result = await pullData(project, { ...syncOptions(flags, argv as string[]), force: flags.force, onProgress: bar.update, onWarning: this.warning })
      bar.stop()
      const co = result.checkout!
      for (const line of changeLines(co)) this.info(line)
      this.info(
        summary([
          ['added', co.added.length],
          ['deleted', co.deleted.length],
          ['modified', co.modified.length],
          ['fetched', result.transferred],
        ]) || 'Everything is up to date.',
      )
      throwIfNotFetched(result, 'pull')
    } finally {
      bar.stop()
      await lock.release()
    }
  }
}
