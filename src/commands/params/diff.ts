import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class ParamsDiff extends TrellisCommand {
  static override summary = 'Compare the params of two revisions (default: HEAD and the workspace).'
  static override description = `Compares every key of params.yaml, of every params file a stage uses and of the
top-level params files, plus the vars values stages interpolate (--deps: only the keys
stages depend on). Revisions may be experiment names or refs, shas, branches, tags,
HEAD~1, or "workspace". Columns: Path, Param, A_REV, B_REV; only changed keys unless --all.
--json: {"<path>": {"<key>": {"old": 1, "new": 3, "diff": 2}}}.`
  static override args = {
    a_rev: Args.string({ description: 'Old revision (default: HEAD).' }),
    b_rev: Args.string({ description: 'New revision (default: the workspace).' }),
  }
  static override flags = {
    all: Flags.boolean({ description: 'Show unchanged params too.' }),
    deps: Flags.boolean({ description: 'Compare only params that are stage dependencies.' }),
    json: Flags.boolean({ aliases: ['show-json'], description: 'Print the comparison as JSON.', exclusive: ['md'] }),
    md: Flags.boolean({ aliases: ['show-md'], description: 'Print a Markdown table.' }),
    'no-path': Flags.boolean({ description: 'Drop the Path column.' }),
  }
  static override examples = ['<%= config.bin %> params diff', '<%= config.bin %> params diff HEAD~1 --deps', '<%= config.bin %> params diff main exp-1a2b3 --json']

  async run(): Promise<void> {
    const { flags, args } = await this.parse(ParamsDiff)
    this.setOutput(flags)
    const project = await this.openProject()
    const { paramsDiff, renderDiff } = await import('@trellis/core')
    const result = await paramsDiff(project, { a: args.a_rev, b: args.b_rev, all: flags.all, paramDeps: flags.deps })
    process.stdout.write(
      renderDiff(result, {
        kind: 'Param',
        format: flags.json ? 'json' : flags.md ? 'md' : 'table',
        oldLabel: args.a_rev,
        newLabel: args.b_rev,
        noPath: flags['no-path'],
      }),
    )
  }
}
