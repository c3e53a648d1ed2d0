import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class PlotsModify extends TrellisCommand {
  static override summary = "Set or unset a stage plot output's properties in dvc.yaml."
  static override description = `Edits the entry of the output under its stage's plots: in place; every other byte of
dvc.yaml stays as it was.`
  static override args = { target: Args.string({ description: 'The plot output (a path under a stage\'s plots:).', required: true }) }
  static override flags = {
    template: Flags.string({ char: 't', description: 'Template name or file.' }),
    x: Flags.string({ char: 'x', description: 'Field for the X axis.' }),
    y: Flags.string({ char: 'y', description: 'Field for the Y axis.' }),
    'no-header': Flags.boolean({ description: 'The CSV/TSV file has no header row (header: false).' }),
    title: Flags.string({ description: 'Plot title.' }),
    'x-label': Flags.string({ description: 'X axis label.' }),
    'y-label': Flags.string({ description: 'Y axis label.' }),
    unset: Flags.string({ description: 'Remove these properties (template, x, y, title, x_label, y_label, header).', multiple: true }),
  }
  static override examples = ['<%= config.bin %> plots modify plots/loss.csv -x step -y loss --title Loss', '<%= config.bin %> plots modify plots/loss.csv --unset title x']

  async run(): Promise<void> {
    const { flags, args } = await this.parse(PlotsModify)
    this.setOutput(flags)
    const project = await this.openProject()
    const { modifyPlot } = await import('@trellis/core')
    const { dvcfile, stage } = await modifyPlot(project, {
      target: args.target,
      set: {
        template: flags.template,
        x: flags.x,
        y: flags.y,
        title: flags.title,
        x_label: flags['x-label'],
        y_label: flags['y-label'],
        header: flags['no-header'] ? false : undefined,
      },
      unset: flags.unset,
    })
    this.info(`Modified plot '${args.target}' of stage '${stage}' in ${dvcfile}`)
  }
}
