import { Args } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { configLevelFlags, remoteContext } from '../../config-level-flags.js'

export default class RemoteRename extends TrellisCommand {
  static override summary = 'Rename a data remote (core.remote follows).'
  static override args = {
    name: Args.string({ required: true, description: 'Current name.' }),
    new: Args.string({ required: true, description: 'New name.' }),
  }
  static override flags = { ...configLevelFlags }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RemoteRename)
    this.setOutput(flags)
    const { renameRemote } = await import('@trellis/core')
    await renameRemote(await remoteContext(flags), args.name, args.new)
  }
}
