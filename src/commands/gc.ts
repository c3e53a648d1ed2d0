import { Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'
import { terminalConfirm } from '../confirm.js'

export default class Gc extends TrellisCommand {
  static override summary = 'Remove unused objects from the cache (and with -c from the DVC remote).'
  static override description = `Keeps what the workspace's dvc.lock and .dvc files record, HEAD's, and per flag: branch tips (-a), tagged commits (-T), every commit (-A/--all-commits), every experiment (--all-experiments). The data of queued experiments is always kept. At least one of -w/-a/-T/-A/--all-experiments is required. Asks before deleting unless -f (and refuses when stdin is not a terminal). Reports how many objects and bytes were freed. Collects both cache layouts (2.x objects and DVC 3's files/md5) and also removes the hidden temp files that interrupted cache writes of older Trellis versions left in the cache.`
  static override flags = {
    workspace: Flags.boolean({ char: 'w', description: 'Keep only what the workspace (and HEAD) use.' }),
    'all-branches': Flags.boolean({ char: 'a', description: 'Also keep what every branch tip uses.' }),
    'all-tags': Flags.boolean({ char: 'T', description: 'Also keep what every tagged commit uses.' }),
    'all-commits': Flags.boolean({ char: 'A', description: 'Also keep what every commit uses.' }),
    'all-experiments': Flags.boolean({ description: 'Also keep what every experiment (every checkpoint) uses.' }),
    cloud: Flags.boolean({ char: 'c', description: 'Also remove unused objects from the DVC remote.' }),
    remote: Flags.string({ char: 'r', description: 'The DVC remote for -c (default: core.remote).', helpValue: '<name>' }),
    force: Flags.boolean({ char: 'f', description: 'Do not ask for confirmation.' }),
    jobs: Flags.integer({ char: 'j', min: 1, description: 'Parallel deletions on the remote (default 4).', helpValue: '<number>' }),
  }
  static override examples = ['<%= config.bin %> gc -w', '<%= config.bin %> gc -a -T --all-experiments -f', '<%= config.bin %> gc -w -c -r storage']

  async run(): Promise<void> {
    const { flags } = await this.parse(Gc)
    this.setOutput(flags)
    const { TrellisError, checkDataGcFlags, dataGcWarning, optionalQueuedExperiments, planGc, runGc } = await import('@trellis/core')
    const options = {
      workspace: flags.workspace,
      allBranches: flags['all-branches'],
      allTags: flags['all-tags'],
      allCommits: flags['all-commits'],
      allExperiments: flags['all-experiments'],
      cloud: flags.cloud,
      remote: flags.remote,
      jobs: flags.jobs,
      onWarning: this.warning,
    }
    checkDataGcFlags(options)
    const project = await this.openProject()
    const lock = await project.lock('trellis gc')
    try {
      const plan = await planGc(project, { ...options, queue: await optionalQueuedExperiments(project) })
      const targets = [plan.local, ...(plan.cloud ? [plan.cloud] : [])]
      if (targets.every((t) => t.remove.length === 0) && plan.leftovers.length === 0) {
        this.info("No unused 'local' cache to remove.")
        if (plan.cloud) this.info('No unused cache to remove from remote.')
        return
      }
      if (!flags.force) {
        this.warning(dataGcWarning(options))
        const confirm = terminalConfirm()
        if (!confirm) {
          throw new TrellisError('CONFIRMATION_REQUIRED', `Refusing to remove ${describe(plan.local)}${plan.cloud ? ` and ${plan.cloud.remove.length} objects from DVC remote '${plan.cloud.where}'` : ''} without confirmation: stdin is not a terminal.`, {
            hint: 'Pass -f/--force to remove them without asking.',
          })
        }
        if (!(await confirm('Are you sure you want to proceed?'))) {
          this.info('Nothing was removed.')
          this.exit(1)
        }
      }
      await runGc(project, plan, { jobs: flags.jobs })
      this.info(plan.local.remove.length ? `Removed ${describe(plan.local)} from the cache.` : "No unused 'local' cache to remove.")
      if (plan.leftovers.length) {
        const n = plan.leftovers.length
        this.info(`Removed ${n} leftover temp file${n === 1 ? '' : 's'} of interrupted cache writes (${bytes(plan.leftovers.reduce((sum, f) => sum + f.size, 0))}).`)
      }
      if (plan.cloud) {
        this.info(plan.cloud.remove.length ? `Removed ${plan.cloud.remove.length} object${plan.cloud.remove.length > 1 ? 's' : ''} from DVC remote '${plan.cloud.where}'.` : 'No unused cache to remove from remote.')
      }
    } finally {
      await lock.release()
    }
  }
}

function describe(target: { remove: readonly unknown[]; bytes: number }): string {
  const n = target.remove.length
  return `${n} object${n === 1 ? '' : 's'} (${bytes(target.bytes)})`
}

/** 1536 → "1.5 KiB". */
function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`
}
