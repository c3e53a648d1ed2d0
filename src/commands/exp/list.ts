import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class ExpList extends TrellisCommand {
  static override summary = 'List experiments, here or on a git remote (without fetching them).'
  static override description = `Experiments grouped by baseline: a line "<tag, branch or short sha>:" then one name per line. By default only those whose baseline is HEAD; --all lists every baseline, --rev one. With a git remote (name or URL), the remote's experiment refs are listed as advertised (ls-remote): nothing is fetched, and --rev may be a commit you do not have (full sha).`
  static override args = {
    git_remote: Args.string({ description: 'List the experiments of this git remote (name or URL).' }),
  }
  static override flags = {
    all: Flags.boolean({ char: 'A', aliases: ['all-commits'], description: 'Experiments of every baseline.' }),
    rev: Flags.string({ description: 'Experiments of this baseline commit.' }),
    'names-only': Flags.boolean({ aliases: ['name-only'], description: 'Print only the names, one per line.' }),
  }
  static override examples = ['<%= config.bin %> exp list', '<%= config.bin %> exp list origin --all', '<%= config.bin %> exp list origin --names-only']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExpList)
    this.setOutput(flags)
    const project = await this.openProject()
    const core = await import('@trellis/core')
    const options = { all: flags.all, rev: flags.rev }
    let groups
    if (args.git_remote) groups = await core.listRemoteExperiments(project, args.git_remote, options)
    else {
      // the local listing (the remote one's twin, from local refs)
      const store = await core.experimentStore(project)
      const only = options.rev !== undefined ? await store.resolve(options.rev) : options.all ? undefined : await store.head()
      const byBaseline = new Map<string, string[]>()
      for (const exp of await core.listExpRefs(store)) {
        if (only !== undefined && exp.baseline !== only) continue
        byBaseline.set(exp.baseline, [...(byBaseline.get(exp.baseline) ?? []), exp.name])
      }
      const labels = await core.baselineLabels(store, [...byBaseline.keys()])
      groups = [...byBaseline].map(([baseline, names]) => ({ baseline, label: labels.get(baseline)!, names }))
    }
    process.stdout.write(core.renderExpList(groups, { namesOnly: flags['names-only'] }))
  }
}
