import { Args } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { configLevelFlags, remoteContext } from '../../config-level-flags.js'

export default class RemoteRemove extends TrellisCommand {
  static override summary = 'Remove a data remote (and core.remote when it names it).'
  static override args = { name: Args.string({ required: true, description: 'Name of the remote.' }) }
  static override flags = { ...configLevelFlags }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RemoteRemove)
    this.setOutput(flags)
    const { removeRemote } = await import('@trellis/core')
    await removeRemote(await remoteContext(flags), args.name)
  }
}
