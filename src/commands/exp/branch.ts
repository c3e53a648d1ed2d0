import { Args } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class ExpBranch extends TrellisCommand {
  static override summary = 'Create a git branch from an experiment (at the tip of its ref).'
  static override description = `The branch points at the experiment's last commit, even when an earlier checkpoint of it is
named. An existing branch is an error. Nothing else changes: check the branch out yourself.`
  static override args = {
    experiment: Args.string({ description: 'Experiment name, full ref (refs/exps/...) or commit sha.', required: true }),
    branch: Args.string({ description: 'Name of the new git branch.', required: true }),
  }
  static override examples = ['<%= config.bin %> exp branch exp-1a2b3 tuned-lr']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExpBranch)
    this.setOutput(flags)
    const project = await this.openProject()
    const { branchExperiment } = await import('@trellis/core')
    const store = await project.services.get('gitRepository')
    const result = await branchExperiment(store, await project.services.get('experimentStore'), args.experiment, args.branch)
    this.info(`Git branch '${result.branch}' has been created from experiment '${args.experiment}'.`)
    this.info('To switch to the new branch run:\n')
    this.info(`\tgit checkout ${result.branch}`)
  }
}
