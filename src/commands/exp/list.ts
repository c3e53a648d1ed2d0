import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

/**
 * The remote form of `exp list` (DVC §13). The local listing lives with the
 * other experiment-management commands; when both are merged, one command
 * calls `listRemoteExperiments` when a git remote is given.
 */
export default class ExpList extends TrellisCommand {
  static override summary = "List a git remote's experiments, without fetching them."
  static override description = `Experiments grouped by baseline: a line "<refs/tags/name, branch or short sha>:" then one tab-indented name per line. By default only those whose baseline is your HEAD; --all lists every baseline, --rev one. The remote's experiment refs are listed as advertised (ls-remote): nothing is fetched, and --rev may be a commit you do not have (a full sha).`
  static override args = {
    git_remote: Args.string({ required: true, description: 'The git remote (name or URL) whose experiments to list.' }),
  }
  static override flags = {
    all: Flags.boolean({ char: 'A', aliases: ['all-commits'], description: 'Experiments of every baseline.' }),
    rev: Flags.string({ description: 'Experiments of this baseline commit.' }),
    'names-only': Flags.boolean({ aliases: ['name-only'], description: 'Print only the names, one per line.' }),
  }
  static override examples = ['<%= config.bin %> exp list origin', '<%= config.bin %> exp list origin --all --names-only']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExpList)
    this.setOutput(flags)
    const project = await this.openProject()
    const { listRemoteExperiments, renderExpList } = await import('@trellis/core')
    const groups = await listRemoteExperiments(project, args.git_remote, { all: flags.all, rev: flags.rev })
    process.stdout.write(renderExpList(groups, { namesOnly: flags['names-only'] }))
  }
}
