import { Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

const list = (description: string) => Flags.string({ description, multiple: true, helpValue: '<[file:]glob,...>' })

export default class ExpShow extends TrellisCommand {
  static override summary = "Print the workspace's, the baselines' and their experiments' params and metrics."
  static override description = `One row for the workspace, one per baseline (HEAD, or the commits -n/-a/-T/-A select) and,
under each baseline, its experiments (newest first) with every commit of a checkpoint
experiment, then its queued entries (State Queued, Running or Failed; the params they run with). Columns: Experiment, Created, the metrics, then the params; nested keys are
flattened with '.'; a key found in several files is titled <file>:<key>.

Floats show 5 significant digits; --precision applies to --csv only (as in DVC).
Filters take comma lists of fnmatch globs, optionally prefixed with a file and ':'
(--include-params params.yaml:train.*). --json prints DVC's data model and ignores
the filters and sorting. Read-only: reads experiments from git without checking them out,
and keeps a summary of what it read in .dvc/tmp/exps/trellis/ (safe to delete).`
  static override flags = {
    'all-branches': Flags.boolean({ char: 'a', description: 'Also show the experiments of every branch tip.' }),
    'all-tags': Flags.boolean({ char: 'T', description: 'Also show the experiments of every tagged commit.' }),
    'all-commits': Flags.boolean({ char: 'A', description: 'Also show the experiments of every commit of branches, tags and remotes.' }),
    num: Flags.integer({ char: 'n', description: 'Show the last N commits of HEAD (HEAD, HEAD~1 … HEAD~(N-1)) as baselines.', default: 1 }),
    sha: Flags.boolean({ description: 'Show shas instead of branch, tag and experiment names.' }),
    timestamp: Flags.boolean({ description: 'Show the Created column (--no-timestamp drops it).', allowNo: true, default: true }),
    'include-metrics': list('Show only these metrics.'),
    'exclude-metrics': list('Hide these metrics.'),
    'include-params': list('Show only these params.'),
    'exclude-params': list('Hide these params.'),
    'param-deps': Flags.boolean({ description: 'Show only params that are stage dependencies.' }),
    'only-changed': Flags.boolean({ description: 'Hide metrics and params whose value is the same in every row.' }),
    'sort-by': Flags.string({ description: 'Sort each baseline\'s experiments by this metric or param.', helpValue: '<[file:]key>' }),
    'sort-order': Flags.string({ description: 'Sort order for --sort-by.', options: ['asc', 'desc'], default: 'asc' }),
    precision: Flags.integer({ description: 'Significant digits of floats in --csv output (default: all).', min: 0 }),
    json: Flags.boolean({ aliases: ['show-json'], description: 'Print the data model as JSON.', exclusive: ['csv', 'md'] }),
    csv: Flags.boolean({ aliases: ['show-csv'], description: 'Print CSV (rev, typ and parent as separate columns).', exclusive: ['md'] }),
    md: Flags.boolean({ aliases: ['show-md'], description: 'Print a Markdown table.' }),
    sweep: Flags.string({ description: 'Only the experiments of this sweep (its id, or a unique prefix), under their baseline; also with --json.', helpValue: '<id>' }),
  }
  static override examples = [
    '<%= config.bin %> exp show',
    '<%= config.bin %> exp show -a --sort-by acc --sort-order desc',
    '<%= config.bin %> exp show --include-params train.* --exclude-metrics loss --md',
    '<%= config.bin %> exp show --json',
    '<%= config.bin %> exp show --sweep 3f2a9c1d --sort-by acc --sort-order desc',
  ]

  async run(): Promise<void> {
    const { flags } = await this.parse(ExpShow)
    this.setOutput(flags)
    const project = await this.openProject()
    const { collectExpShow, queueShowRows, renderExpShow, renderJson, selectSweepRows, sweepEntries } = await import('@trellis/core')
    const members = flags.sweep === undefined ? undefined : await sweepEntries(project, flags.sweep)
    const all = await collectExpShow(project, {
      // queued, running and failed entries of the queue, under their baselines
      extraRows: project.services.has('queue') ? await queueShowRows(project) : [],
      num: flags.num,
      allBranches: flags['all-branches'],
      allTags: flags['all-tags'],
      allCommits: flags['all-commits'],
      sha: flags.sha,
      paramDeps: flags['param-deps'],
    })
    const data = members ? selectSweepRows(all, members) : all
    if (flags.json) {
      process.stdout.write(renderJson(data))
      return
    }
    process.stdout.write(
      renderExpShow(data, {
        format: flags.csv ? 'csv' : flags.md ? 'md' : 'table',
        sha: flags.sha,
        noTimestamp: !flags.timestamp,
        includeMetrics: flags['include-metrics'],
        excludeMetrics: flags['exclude-metrics'],
        includeParams: flags['include-params'],
        excludeParams: flags['exclude-params'],
        onlyChanged: flags['only-changed'],
        sortBy: flags['sort-by'],
        sortOrder: flags['sort-order'] as 'asc' | 'desc',
        precision: flags.precision,
      }),
    )
  }
}
