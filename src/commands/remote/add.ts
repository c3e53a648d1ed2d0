import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { configLevelFlags, remoteContext } from '../../config-level-flags.js'

export default class RemoteAdd extends TrellisCommand {
  static override summary = 'Add a data remote to .dvc/config (or config.local with --local).'
  static override description = `The name is stored lower-cased, as DVC does. A relative local path is stored relative to .dvc/.
Local directories and file:// URLs work for push/pull/fetch; other schemes (s3, gs, azure, ssh, http) are accepted in the config and fail at transfer time with an error naming the missing support.`
  static override args = {
    name: Args.string({ required: true, description: 'Name of the remote.' }),
    url: Args.string({ required: true, description: 'URL or path of the remote storage.' }),
  }
  static override flags = {
    ...configLevelFlags,
    default: Flags.boolean({ char: 'd', description: 'Make it the default remote (core.remote).' }),
    force: Flags.boolean({ char: 'f', description: 'Overwrite an existing remote of that name.' }),
  }
  static override examples = ['<%= config.bin %> remote add -d storage /mnt/shared/dvc-storage', '<%= config.bin %> remote add --local mine ../my-storage']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RemoteAdd)
    this.setOutput(flags)
    const { addRemote } = await import('@trellis/core')
    const name = args.name.toLowerCase()
    if (flags.default) this.info(`Setting '${name}' as a default remote.`)
    await addRemote(await remoteContext(flags), name, args.url, { default: flags.default, force: flags.force })
  }
}
