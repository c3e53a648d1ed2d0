import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class ExpDiff extends TrellisCommand {
  static override summary = 'Compare the params and metrics of two experiments or revisions.'
  static override description = `A_REV defaults to HEAD, B_REV to the workspace; either may be an experiment name or
ref (refs/exps/...), a sha, a branch, a tag, HEAD~1, or "workspace". Prints a metrics
table then a params table (columns Path, Metric|Param, A_REV, B_REV, Change); only
changed keys unless --all. Metric floats show --precision significant digits (default
5); params are never rounded. --json: {"metrics": {...}, "params": {...}}.`
  static override args = {
    a_rev: Args.string({ description: 'Old revision (default: HEAD).' }),
    b_rev: Args.string({ description: 'New revision (default: the workspace).' }),
  }
  static override flags = {
    all: Flags.boolean({ description: 'Show unchanged metrics and params too.' }),
    'param-deps': Flags.boolean({ description: 'Compare only params that are stage dependencies.' }),
    json: Flags.boolean({ aliases: ['show-json'], description: 'Print {"metrics": {...}, "params": {...}}.', exclusive: ['md'] }),
    md: Flags.boolean({ aliases: ['show-md'], description: 'Print Markdown tables.' }),
    'no-path': Flags.boolean({ description: 'Drop the Path column.' }),
    precision: Flags.integer({ description: 'Significant digits of metric floats.', default: 5, min: 0 }),
  }
  static override examples = ['<%= config.bin %> exp diff', '<%= config.bin %> exp diff exp-1a2b3 exp-4c5d6 --all', '<%= config.bin %> exp diff HEAD~1 --json']

  async run(): Promise<void> {
    const { flags, args } = await this.parse(ExpDiff)
    this.setOutput(flags)
    const project = await this.openProject()
    const { expDiff, renderDiff, renderJson, DIFF_NOT_SUPPORTED } = await import('@trellis/core')
    const result = await expDiff(project, { a: args.a_rev, b: args.b_rev, all: flags.all, paramDeps: flags['param-deps'] })
    if (flags.json) {
      process.stdout.write(renderJson(result))
      return
    }
    if (!('metrics' in result)) return
    const common = {
      oldLabel: args.a_rev,
      newLabel: args.b_rev,
      noPath: flags['no-path'],
      format: flags.md ? ('md' as const) : ('table' as const),
      numberFormat: 'significant' as const,
      showChange: true,
      onEmptyDiff: DIFF_NOT_SUPPORTED,
    }
    process.stdout.write(
      renderDiff(result.metrics, { ...common, kind: 'Metric', precision: flags.precision }) +
        '\n' +
        renderDiff(result.params, { ...common, kind: 'Param', precision: null }),
    )
  }
}
