import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { plotsFlags, runPlots } from '../../plots-flags.js'

export default class PlotsDiff extends TrellisCommand {
  static override summary = 'Overlay the plots of several revisions (commits, branches, tags, experiments, workspace).'
  static override description = `No revision: HEAD (when tracked files changed) and the workspace; one: it and the
workspace; several: those. Revisions are read from git, never checked out. Every datapoint
carries its revision (rev) and file (filename), so one chart overlays the revisions.
--checkpoints adds, per metrics file, a chart of the metrics over each checkpoint experiment's
checkpoints (x = checkpoint index).`
  static override strict = false
  static override args = { revisions: Args.string({ description: 'Revisions to compare.' }) }
  static override flags = {
    ...plotsFlags,
    targets: Flags.string({ description: 'Plot ids or data files to show (default: every plot).', multiple: true }),
    checkpoints: Flags.boolean({ description: 'Also plot the metrics over the checkpoints of checkpoint experiments.' }),
  }
  static override examples = ['<%= config.bin %> plots diff', '<%= config.bin %> plots diff main exp-1a2b3 exp-4c5d6', '<%= config.bin %> plots diff HEAD --targets plots/roc.json --json']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(PlotsDiff)
    this.setOutput(flags)
    const project = await this.openProject()
    const { diffRevisions } = await import('@trellis/core')
    const store = await project.services.get('gitRepository')
    const revs = await diffRevisions(store, argv as string[])
    await runPlots(project, flags, { revs, targets: flags.targets ?? [], checkpoints: flags.checkpoints, info: this.info, warning: this.warning })
  }
}
