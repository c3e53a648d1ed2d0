import { Args } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { summary, syncFlags, syncOptions } from '../data-flags.js'
import { progress } from '../progress.js'

export default class Push extends TrellisCommand {
  static override summary = 'Upload tracked files or directories to the DVC remote.'
  static override description = `The cached outputs recorded in dvc.lock and .dvc files (all of them, or those of the targets), and with -a/-T/-A those of git revisions, go to the DVC remote (core.remote, or -r), only what it lacks. Outputs declared push: false stay local. Objects missing from the cache are listed in a warning; the rest is pushed.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Outputs, stages or .dvc files (default: all).' }) }
  static override flags = { ...syncFlags }
  static override examples = ['<%= config.bin %> push', '<%= config.bin %> push -r backup model.pkl -j 8', '<%= config.bin %> push -a -T']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Push)
    this.setOutput(flags)
    const project = await this.openProject()
    const { pushData } = await import('@trellis/core')
    const bar = progress('Pushing', { quiet: flags.quiet })
    try {
      const result = await pushData(project, { ...syncOptions(flags, argv as string[]), onProgress: bar.update, onWarning: this.warning })
      bar.stop()
      this.info(summary([['pushed', result.transferred]]) || 'Everything is up to date.')
    } finally {
      bar.stop()
    }
  }
}
