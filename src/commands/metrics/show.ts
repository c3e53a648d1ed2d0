import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class MetricsShow extends TrellisCommand {
  static override summary = "Print the workspace's metrics (every output declared under `metrics:`)."
  static override description = `Nested keys are flattened with '.', columns sorted; floats are rounded to --precision
decimal places (Python's round, default 5) and printed as Python prints them.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Metrics files to show instead of the declared ones.' }) }
  static override flags = {
    json: Flags.boolean({ description: 'Print {"workspace": {"data": {"<path>": {"data": {...}}}}}.', exclusive: ['md'] }),
    md: Flags.boolean({ description: 'Print a Markdown table.' }),
    precision: Flags.integer({ description: 'Decimal places for floats.', default: 5, min: 0 }),
  }
  static override examples = ['<%= config.bin %> metrics show', '<%= config.bin %> metrics show --md --precision 3']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(MetricsShow)
    this.setOutput(flags)
    const project = await this.openProject()
    const { workspaceMetrics, renderMetricsShow } = await import('@trellis/core')
    const metrics = await workspaceMetrics(project, { targets: argv as string[] })
    process.stdout.write(
      renderMetricsShow(metrics, { format: flags.json ? 'json' : flags.md ? 'md' : 'table', precision: flags.precision }),
    )
  }
}
