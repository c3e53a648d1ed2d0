import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { configLevelFlags, remoteContext } from '../../config-level-flags.js'

export default class RemoteModify extends TrellisCommand {
  static override summary = "Set (or --unset) an option of a data remote."
  static override args = {
    name: Args.string({ required: true, description: 'Name of the remote.' }),
    option: Args.string({ required: true, description: 'Option (url, user, region, ...).' }),
    value: Args.string({ description: 'Its value.' }),
  }
  static override flags = {
    ...configLevelFlags,
    unset: Flags.boolean({ char: 'u', description: 'Remove the option.' }),
  }
  static override examples = ['<%= config.bin %> remote modify storage url /mnt/other', '<%= config.bin %> remote modify --local storage password --unset']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RemoteModify)
    this.setOutput(flags)
    const { modifyRemote, TrellisError } = await import('@trellis/core')
    if (!flags.unset && args.value === undefined) {
      throw new TrellisError('INVALID_ARGUMENT', `no value given for option '${args.option}'`, { hint: `trellis remote modify ${args.name} ${args.option} <value>, or --unset to remove it.` })
    }
    await modifyRemote(await remoteContext(flags), args.name, args.option, flags.unset ? undefined : args.value)
  }
}
