import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { progress } from '../progress.js'
import { reproFlags, reproOptions } from '../repro-flags.js'

export default class Repro extends TrellisCommand {
  static override summary = 'Reproduce the pipeline: run the stages whose command, deps, params or outs changed.'
  static override description = `Targets are stage names of ./dvc.yaml, group names (all name@key stages), name@key,
path/to/dvc.yaml, path/to/dvc.yaml:stage or foo.dvc; without targets every stage of ./dvc.yaml.
Upstream stages run first. Unchanged stages are skipped; a stage whose command, deps and params
were seen before is restored from the run-cache instead of running.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Stages or dvc.yaml files to reproduce.' }) }
  static override flags = reproFlags
  static override examples = [
    '<%= config.bin %> repro',
    '<%= config.bin %> repro train',
    '<%= config.bin %> repro -j 2 --keep-going',
    '<%= config.bin %> repro --dry sub/dvc.yaml:evaluate',
  ]

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Repro)
    this.setOutput(flags)
    const project = await this.openProject()
    const { reproduceLocked, summarizeRepro } = await import('@trellis/core')
    const hashing = progress('Hashing', { quiet: this.quiet })
    const checkout = progress('Checkout', { quiet: this.quiet })
    const progressOptions = { onHashProgress: hashing.update, onCheckoutProgress: checkout.update }
    let result: Awaited<ReturnType<typeof reproduceLocked>>
    try {
      result = await reproduceLocked(project, { ...reproOptions(flags), targets: argv as string[], log: this.info, ...progressOptions }, {
        onWait: (owner) => this.warning(`waiting for the project lock held by process ${owner?.pid ?? '?'} (${owner?.cmd ?? 'unknown'})`),
      })
    } finally {
      hashing.stop()
      checkout.stop()
    }
    for (const line of summarizeRepro(result)) this.info(line)
  }
}
