import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { changeLines, summary } from '../data-flags.js'
import { progress } from '../progress.js'

export default class Checkout extends TrellisCommand {
  static override summary = 'Make the workspace match dvc.lock and the .dvc files, from the cache.'
  static override description = `Every cached output (or those of the targets) is made from the cache with the link types of cache.type, and listed: A added, M modified, D deleted (an output present but recorded without a hash). Uncommitted content is never destroyed: replacing or removing content that is not in the cache is refused, naming the paths, unless -f, which saves it in the cache first. Outputs whose objects are not in the cache are listed and the command fails after doing the rest.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Outputs, stages or .dvc files (default: all).' }) }
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Replace uncommitted outputs (their content is saved in the cache first).' }),
    relink: Flags.boolean({ description: 'Re-make every output with the current link type, even unchanged ones.' }),
    recursive: Flags.boolean({ char: 'R', description: 'Directory targets select the stages inside them.' }),
    summary: Flags.boolean({ char: 's', description: 'Print a summary instead of one line per output.' }),
  }
  static override examples = ['<%= config.bin %> checkout', '<%= config.bin %> checkout model.pkl -f', '<%= config.bin %> checkout --relink']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Checkout)
    this.setOutput(flags)
    const project = await this.openProject()
    const lock = await project.lock(`trellis checkout ${(argv as string[]).join(' ')}`.trim())
    const { checkoutWorkspace, TrellisError } = await import('@trellis/core')
    const bar = progress('Checkout', { quiet: flags.quiet, unit: 'outputs' })
    let result
    try {
      result = await checkoutWorkspace(project, { targets: argv as string[], cwd: process.cwd(), force: flags.force, relink: flags.relink, recursive: flags.recursive, onProgress: bar.update })
    } finally {
      bar.stop()
      await lock.release()
    }
    if (flags.summary) {
      this.info(summary([['added', result.added.length], ['deleted', result.deleted.length], ['modified', result.modified.length]]) || 'No changes.')
    } else for (const line of changeLines(result)) this.info(line)
    if (result.missing.length > 0) {
      throw new TrellisError('CACHE_MISSING', `Checkout failed for following targets:\n${result.missing.join('\n')}\nIs your cache up to date?`, {
        hint: 'Fetch them (`trellis pull`), or reproduce the stages that make them (`trellis repro`).',
      })
    }
    if (flags.relink) this.info('Relinked successfully')
  }
}
