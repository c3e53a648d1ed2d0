import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { progress } from '../progress.js'

export default class Status extends TrellisCommand {
  static override summary = 'Show which stages changed and why (command, deps, params, outs, always_changed).'
  static override description = 'Read-only: never takes the project lock. Exit code 0 whether or not something changed.'
  static override strict = false
  static override args = { targets: Args.string({ description: 'Stages or dvc.yaml files (default: ./dvc.yaml).' }) }
  static override flags = {
    json: Flags.boolean({ description: 'Print DVC\'s JSON: {"stage": [{"changed deps": {...}}, "always changed", ...]}.' }),
    recursive: Flags.boolean({ char: 'R', description: 'Targets may be directories.' }),
  }
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status train --json']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Status)
    this.setOutput(flags)
    const project = await this.openProject()
    const { pipelineStatus, renderStatus } = await import('@trellis/core')
    const bar = progress('Hashing', { quiet: this.quiet })
    let status: Awaited<ReturnType<typeof pipelineStatus>>
    try {
      status = await pipelineStatus(project, { targets: argv as string[], recursive: flags.recursive, onHashProgress: bar.update })
    } finally {
      bar.stop()
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(status)}\n`)
    else if (!this.quiet) process.stdout.write(renderStatus(status))
  }
}
