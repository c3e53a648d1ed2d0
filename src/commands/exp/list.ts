import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class ExpList extends TrellisCommand {
  static override summary = 'List experiments, grouped by baseline commit.'
  static override description = `By default the experiments of the current HEAD. Each baseline is shown as a tag or branch
pointing at it (else its short sha), followed by its experiments' names, tab-indented.
With a git remote (name or URL), lists the experiments pushed there (git ls-remote).`
  static override args = { git_remote: Args.string({ description: 'A git remote name or URL: list its experiments instead of the local ones.' }) }
  static override flags = {
    all: Flags.boolean({ char: 'A', aliases: ['all-commits'], description: 'Experiments of every baseline.' }),
    rev: Flags.string({ description: 'Experiments of this baseline (a git revision) instead of HEAD.' }),
    'names-only': Flags.boolean({ aliases: ['name-only'], description: 'Print only the names, one per line.' }),
    json: Flags.boolean({ description: 'Print {"<baseline sha>": ["name", ...]}.' }),
  }
  static override examples = ['<%= config.bin %> exp list', '<%= config.bin %> exp list --all --names-only', '<%= config.bin %> exp list origin']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExpList)
    this.setOutput(flags)
    const project = await this.openProject()
    const { listExperiments, renderExperimentList, experimentListToJson } = await import('@trellis/core')
    const store = await project.services.get('gitRepository')
    const listing = await listExperiments(store, await project.services.get('experimentStore'), { all: flags.all, rev: flags.rev, remote: args.git_remote })
    if (flags.json) process.stdout.write(`${JSON.stringify(experimentListToJson(listing))}\n`)
    else process.stdout.write(await renderExperimentList(store, listing, { namesOnly: flags['names-only'] }))
  }
}
