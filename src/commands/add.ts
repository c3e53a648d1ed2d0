import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { progress } from '../progress.js'

export default class Add extends TrellisCommand {
  static override summary = 'Track data files or directories: <path>.dvc files, the cache, .gitignore.'
  static override description = `Writes <path>.dvc in DVC's layout, puts the data into the cache (a .dir manifest for a directory), links it back per cache.type and adds /<name> to the .gitignore beside it. Re-adding a tracked path records its new content.

Refused, before anything is written: paths outside the project, through a symlink out of it, or inside .git/.dvc; paths git tracks; outputs of pipeline stages and paths overlapping another output.`
  static override strict = false
  static override args = { targets: Args.string({ required: true, description: 'Files or directories to track.' }) }
  static override flags = {
    recursive: Flags.boolean({ char: 'R', description: 'Track every file of a directory on its own (one .dvc file each).' }),
    'no-commit': Flags.boolean({ description: "Write the .dvc file but don't put the data into the cache." }),
    file: Flags.string({ description: 'Name of the .dvc file to write (one target only).', helpValue: '<filename>' }),
    out: Flags.string({ char: 'o', description: 'Copy the target (it may be outside the project) to this path and track it there.', helpValue: '<path>' }),
  }
  static override examples = ['<%= config.bin %> add data/raw.csv', '<%= config.bin %> add -R images', '<%= config.bin %> add /mnt/share/dataset -o data/dataset']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Add)
    this.setOutput(flags)
    const project = await this.openProject()
    const { addData } = await import('@trellis/core')
    const bar = progress('Adding', { quiet: flags.quiet })
    let result
    try {
      result = await addData(project, argv as string[], { cwd: process.cwd(), recursive: flags.recursive, noCommit: flags['no-commit'], file: flags.file, out: flags.out, onProgress: bar.update })
    } finally {
      bar.stop()
    }
    this.info(`\nTo track the changes with git, run:\n\n\tgit add ${result.gitFiles.map(quote).join(' ')}`)
  }
}

/** Shell-quote a path when needed (DVC prints the hint through shlex.quote). */
function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'"'"'`)}'`
}
