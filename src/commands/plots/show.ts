import { Args } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { plotsFlags, runPlots } from '../../plots-flags.js'

export default class PlotsShow extends TrellisCommand {
  static override summary = "Render the workspace's plots into an offline HTML page."
  static override description = `Plots are the stage outputs under plots: and the top-level plots: section of every
dvc.yaml (files, directories, or named plots drawing fields of several files); targets select
plot ids or name data files directly. Data: JSON/YAML (records), CSV/TSV; images are shown as
they are. The page (<out>/index.html) is self-contained: Vega is inlined, no network.
Errors of one plot are printed as warnings and shown beside it; the command fails only when
nothing could be rendered.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Plot ids or data files (default: every plot).' }) }
  static override flags = plotsFlags
  static override examples = ['<%= config.bin %> plots show', '<%= config.bin %> plots show plots/loss.csv -x step -y loss', '<%= config.bin %> plots show --json']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(PlotsShow)
    this.setOutput(flags)
    const project = await this.openProject()
    await runPlots(project, flags, { revs: ['workspace'], targets: argv as string[], info: this.info, warning: this.warning })
  }
}
