import { Flags } from '@oclif/core'
import { createInterface } from 'node:readline/promises'
import { TrellisCommand } from '../../base-command.js'

export default class ExpGc extends TrellisCommand {
  static override summary = 'Remove every experiment except those of the commits you keep.'
  static override description = `The experiments of HEAD are always kept; -a also keeps those of every branch tip, -T of every
tagged commit, -A of every commit in the history of HEAD, branches and tags. At least one of
-w/-a/-T/-A is required. Asks for confirmation unless -f (and refuses when stdin is not a terminal).`
  static override flags = {
    workspace: Flags.boolean({ char: 'w', description: 'Keep the experiments of the current HEAD.' }),
    'all-branches': Flags.boolean({ char: 'a', description: 'Keep the experiments of every branch tip.' }),
    'all-tags': Flags.boolean({ char: 'T', description: 'Keep the experiments of every tagged commit.' }),
    'all-commits': Flags.boolean({ char: 'A', description: 'Keep the experiments of every commit in the history of HEAD, branches and tags.' }),
    queued: Flags.boolean({ description: 'Keep queued experiments whose baseline is kept.' }),
    force: Flags.boolean({ char: 'f', description: 'Do not ask for confirmation.' }),
  }
  static override examples = ['<%= config.bin %> exp gc -w', '<%= config.bin %> exp gc -a -T -f']

  async run(): Promise<void> {
    const { flags } = await this.parse(ExpGc)
    this.setOutput(flags)
    const { TrellisError, checkGcFlags, gcExperiments, gcWarning, optionalQueuedExperiments } = await import('@trellis/core')
    const options = {
      workspace: flags.workspace,
      allBranches: flags['all-branches'],
      allTags: flags['all-tags'],
      allCommits: flags['all-commits'],
      queued: flags.queued,
    }
    checkGcFlags(options)
    const project = await this.openProject()
    const store = await project.services.get('gitRepository')
    const experiments = await project.services.get('experimentStore')
    const queue = await optionalQueuedExperiments(project)
    const plan = await gcExperiments(store, experiments, { ...options, queue, dryRun: true })
    if (plan.removed.length === 0 && plan.removedQueued.length === 0) {
      this.info('No experiments to remove.')
      return
    }
    if (!flags.force) {
      this.warning(gcWarning({ ...options, queue }))
      if (!process.stdin.isTTY) {
        throw new TrellisError('CONFIRMATION_REQUIRED', `Refusing to remove ${plan.removed.length} experiments without confirmation: stdin is not a terminal.`, {
          hint: 'Pass -f/--force to remove them without asking.',
        })
      }
      if (!(await confirm('Are you sure you want to proceed? [y/n] '))) {
        this.info('Nothing was removed.')
        this.exit(1)
      }
    }
    const result = await gcExperiments(store, experiments, { ...options, queue })
    if (result.removed.length > 0 || result.removedQueued.length > 0) this.info(`Removed ${result.removed.length + result.removedQueued.length} experiments.`)
    else this.info('No experiments to remove.')
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    for (;;) {
      const answer = (await rl.question(question)).trim().toLowerCase()
      if (answer === 'y' || answer === 'yes') return true
      if (answer === 'n' || answer === 'no' || answer === '') return false
    }
  } finally {
    rl.close()
  }
}
