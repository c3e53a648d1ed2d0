import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { terminalConfirm } from '../confirm.js'

export default class Commit extends TrellisCommand {
  static override summary = 'Record the current state of outputs and .dvc files in dvc.lock and the cache (after a manual edit).'
  static override description = `Runs nothing. For every stage (or those of the targets) whose deps, params or outputs differ from dvc.lock (or its .dvc file), asks before overwriting the record, unless -f; refuses when stdin is not a terminal. Outputs are put into the cache and linked back per cache.type.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Stages, .dvc files or outputs (default: all).' }) }
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Commit changed stages without asking.' }),
    'with-deps': Flags.boolean({ char: 'd', description: 'Also the stages the targets depend on.' }),
    recursive: Flags.boolean({ char: 'R', description: 'Directory targets select the stages inside them.' }),
  }
  static override examples = ['<%= config.bin %> commit', '<%= config.bin %> commit train -f', '<%= config.bin %> commit data.dvc']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Commit)
    this.setOutput(flags)
    const project = await this.openProject()
    const { commitData } = await import('@trellis/core')
    await commitData(project, {
      targets: argv as string[],
      cwd: process.cwd(),
      force: flags.force,
      withDeps: flags['with-deps'],
      recursive: flags.recursive,
      confirm: terminalConfirm(),
    })
  }
}
