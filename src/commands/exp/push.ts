import { Args } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { describeShare, shareFlags, shareOptions } from '../../share-flags.js'

export default class ExpPush extends TrellisCommand {
  static override summary = 'Push experiments to a git remote, and their cached data to the DVC remote.'
  static override description = `Each experiment's ref goes to the git remote as <ref>:<ref> (refs/exps/...), and nothing else: no branch, no tag. A remote is a remote name or a URL (a path, file://, http(s), ssh). Then, unless --no-cache, the cached objects of every commit of the experiment (every checkpoint) and of its baseline go to the DVC remote (core.remote, or -r), only those it lacks.

An experiment whose ref on the remote has diverged (a different history) is skipped with a warning; the others go on. -f overwrites it.`
  static override strict = false
  static override args = {
    git_remote: Args.string({ required: true, description: 'Git remote name or URL.' }),
    experiment: Args.string({ description: 'Experiments to push: names, full refs or commit shas.' }),
  }
  static override flags = { ...shareFlags }
  static override examples = [
    '<%= config.bin %> exp push origin exp-1a2b3',
    '<%= config.bin %> exp push origin -A --no-cache',
    '<%= config.bin %> exp push https://git.example.com/team/project.git --rev main -j 8',
  ]

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(ExpPush)
    this.setOutput(flags)
    const [remote, ...names] = argv as string[]
    const project = await this.openProject()
    const { pushExperiments, throwIfTransferFailed, TrellisError } = await import('@trellis/core')
    const result = await pushExperiments(project, remote!, shareOptions(flags, names, this.warning))
    for (const line of describeShare(result, 'push')) this.info(line)
    throwIfTransferFailed(result, 'push')
    const failed = result.experiments.filter((e) => e.status === 'failed')
    if (failed.length) {
      throw new TrellisError('GIT_REMOTE_ERROR', `${failed.length} experiment${failed.length > 1 ? 's' : ''} could not be pushed to '${result.gitRemote}': ${failed[0]!.reason}`, {
        hint: 'See the warnings above; fix the remote and push again.',
      })
    }
  }
}
