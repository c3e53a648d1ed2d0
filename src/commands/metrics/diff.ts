import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class MetricsDiff extends TrellisCommand {
  static override summary = 'Compare the metrics of two revisions (default: HEAD and the workspace).'
  static override description = `Revisions may be experiment names or refs, shas, branches, tags, HEAD~1, or "workspace".
Columns: Path, Metric, A_REV, B_REV, Change; only changed keys unless --all. Floats are
rounded to --precision decimal places (Python's round, default 5).
--json: {"<path>": {"<key>": {"old": 1, "new": 3, "diff": 2}}}.`
  static override args = {
    a_rev: Args.string({ description: 'Old revision (default: HEAD).' }),
    b_rev: Args.string({ description: 'New revision (default: the workspace).' }),
  }
  static override flags = {
    all: Flags.boolean({ description: 'Show unchanged metrics too.' }),
    json: Flags.boolean({ aliases: ['show-json'], description: 'Print the comparison as JSON.', exclusive: ['md'] }),
    md: Flags.boolean({ aliases: ['show-md'], description: 'Print a Markdown table.' }),
    'no-path': Flags.boolean({ description: 'Drop the Path column.' }),
    precision: Flags.integer({ description: 'Decimal places of floats.', default: 5, min: 0 }),
  }
  static override examples = ['<%= config.bin %> metrics diff', '<%= config.bin %> metrics diff HEAD~1 --md', '<%= config.bin %> metrics diff main exp-1a2b3 --json']

  async run(): Promise<void> {
    const { flags, args } = await this.parse(MetricsDiff)
    this.setOutput(flags)
    const project = await this.openProject()
    const { metricsDiff, renderDiff } = await import('@trellis/core')
    const result = await metricsDiff(project, { a: args.a_rev, b: args.b_rev, all: flags.all })
    process.stdout.write(
      renderDiff(result, {
        kind: 'Metric',
        format: flags.json ? 'json' : flags.md ? 'md' : 'table',
        oldLabel: args.a_rev,
        newLabel: args.b_rev,
        noPath: flags['no-path'],
        precision: flags.precision,
      }),
    )
  }
}
