import { TrellisCommand } from '../../base-command.js'
import { configLevelFlags, remoteContext } from '../../config-level-flags.js'

export default class RemoteList extends TrellisCommand {
  static override summary = 'List the data remotes: name and url, passwords masked.'
  static override flags = { ...configLevelFlags }

  async run(): Promise<void> {
    const { flags } = await this.parse(RemoteList)
    this.setOutput(flags)
    const { listRemotes } = await import('@trellis/core')
    for (const { name, url } of listRemotes(await remoteContext(flags))) this.info(`${name}\t${url}`)
  }
}
