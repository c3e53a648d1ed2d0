import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class ExpRemove extends TrellisCommand {
  static override summary = 'Remove experiments (their refs; git objects go with git gc).'
  static override description = `Every name is resolved before anything is removed: if one does not resolve, nothing is
removed and the error lists them. A name may be an experiment name (a name used by several
baselines means the one of HEAD), a full ref (refs/exps/...) or the sha of an experiment's tip,
or a queued entry's name or id prefix (queued entries are looked up first, as DVC does).
--queue clears the queue (entries waiting or failed; running ones cannot be removed).`
  static override strict = false
  static override args = { experiments: Args.string({ description: 'Experiments to remove.' }) }
  static override flags = {
    all: Flags.boolean({ char: 'A', aliases: ['all-commits'], description: 'Remove every experiment of every baseline.' }),
    rev: Flags.string({ multiple: true, description: 'Remove the experiments of this baseline (a git revision); repeatable.' }),
    queue: Flags.boolean({ description: 'Clear the experiment queue.' }),
  }
  static override examples = ['<%= config.bin %> exp remove exp-1a2b3 exp-4c5d6', '<%= config.bin %> exp remove --rev main', '<%= config.bin %> exp remove -A']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(ExpRemove)
    this.setOutput(flags)
    const project = await this.openProject()
    const { optionalQueuedExperiments, removeExperiments } = await import('@trellis/core')
    const store = await project.services.get('gitRepository')
    const queued = await optionalQueuedExperiments(project)
    const result = await removeExperiments(store, await project.services.get('experimentStore'), { names: argv as string[], all: flags.all, revs: flags.rev, queue: flags.queue, queued })
    if (result.removed.length > 0) this.info(`Removed experiments: ${result.removed.join(',')}`)
    else this.info('No experiments to remove.')
  }
}
