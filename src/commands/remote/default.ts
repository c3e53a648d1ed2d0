import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { configLevelFlags, remoteContext } from '../../config-level-flags.js'

export default class RemoteDefault extends TrellisCommand {
  static override summary = 'Print, set or --unset the default data remote (core.remote).'
  static override args = { name: Args.string({ description: 'Remote to make the default.' }) }
  static override flags = {
    ...configLevelFlags,
    unset: Flags.boolean({ char: 'u', description: 'Unset the default remote.' }),
  }
  static override examples = ['<%= config.bin %> remote default', '<%= config.bin %> remote default storage']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RemoteDefault)
    this.setOutput(flags)
    const { defaultRemote } = await import('@trellis/core')
    const shown = args.name === undefined && !flags.unset
    const name = await defaultRemote(await remoteContext(flags), args.name, { unset: flags.unset })
    if (!shown) return
    if (name === undefined) {
      this.info('No default remote set')
      this.exit(1)
    }
    this.info(name!)
  }
}
