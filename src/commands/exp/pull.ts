import { Args } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { describeShare, shareFlags, shareOptions } from '../../share-flags.js'

export default class ExpPull extends TrellisCommand {
  static override summary = "Pull experiments from a git remote, and their cached data from the DVC remote."
  static override description = `Names are looked up among the remote's experiment refs (a name used under several baselines: the one whose baseline is your HEAD, else an error listing them; or give the full ref). Their commits are fetched and each local ref is created or fast-forwarded: nothing else is fetched and no branch moves. Then, unless --no-cache, the cached objects of every commit of the experiment and of its baseline are fetched from the DVC remote (core.remote, or -r).

A local experiment that has diverged from the remote's is kept, with a warning; -f replaces it.`
  static override strict = false
  static override args = {
    git_remote: Args.string({ required: true, description: 'Git remote name or URL.' }),
    experiment: Args.string({ description: 'Experiments to pull: names or full refs.' }),
  }
  static override flags = { ...shareFlags }
  static override examples = ['<%= config.bin %> exp pull origin exp-1a2b3', '<%= config.bin %> exp pull origin -A -j 8']

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(ExpPull)
    this.setOutput(flags)
    const [remote, ...names] = argv as string[]
    const project = await this.openProject()
    const { pullExperiments, throwIfTransferFailed, TrellisError } = await import('@trellis/core')
    const result = await pullExperiments(project, remote!, shareOptions(flags, names, this.warning))
    for (const line of describeShare(result, 'pull')) this.info(line)
    throwIfTransferFailed(result, 'fetch')
    const failed = result.experiments.filter((e) => e.status === 'failed')
    if (failed.length) {
      throw new TrellisError('GIT_REMOTE_ERROR', `${failed.length} experiment${failed.length > 1 ? 's' : ''} could not be pulled from '${result.gitRemote}': ${failed[0]!.reason}`, {
        hint: 'See the warnings above and pull again.',
      })
    }
  }
}
