import { Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'

export default class Init extends TrellisCommand {
  static override summary = 'Create .dvc/ in a git repository, as `dvc init` does.'
  static override description = `Creates .dvc/config, .dvc/.gitignore (ignoring /config.local, /tmp, /cache) and .dvcignore.
Run it once in the root of a git repository; every other command needs it.`
  static override examples = ['git init && <%= config.bin %> init']
  static override flags = {
    subdir: Flags.boolean({ description: 'Make a project in a subdirectory of the git repository.' }),
    force: Flags.boolean({ char: 'f', description: 'Re-create the config files of an existing project.' }),
    dvc3: Flags.boolean({ description: 'Write dvc.lock and .dvc entries in the DVC 3.x format (hash: md5, cache in .dvc/cache/files/md5); sets dvcFormat: 3 in .trellisrc.yaml.' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Init)
    this.setOutput(flags)
    const { initProject } = await import('@trellis/core')
    const { created } = await initProject(process.cwd(), flags)
    this.info(`Initialized a Trellis project (DVC-compatible) in ${process.cwd()}`)
    this.info(`Created ${created.join(', ')}. Commit them: git add ${created.join(' ')} && git commit -m "Initialize Trellis"`)
  }
}
