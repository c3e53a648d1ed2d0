import { Flags } from '@oclif/core'
import { QueueRedisCommand, redisQueue } from '../../cli.js'

export default class QueueRepair extends QueueRedisCommand {
  static override summary = 'Resolve orphans of the Redis queue: entry refs without a job, jobs without their entry ref.'
  static override description = `An entry ref (refs/trellis/queue/<id> on the git remote) whose job is gone or done is deleted. A queued job
whose ref is missing gets it pushed again when its commit is in this repository, and is removed otherwise.
\`trellis queue status\` lists the orphans; --dry-run lists them here without changing anything.`
  static override flags = {
    'dry-run': Flags.boolean({ description: 'Only list the orphans.' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(QueueRepair)
    const { queue } = await redisQueue(process.cwd())
    try {
      if (flags['dry-run']) {
        const orphans = await queue.orphans()
        process.stdout.write(orphans.length ? orphans.map((o) => `orphan: ${o.description}\n`).join('') : 'No orphans.\n')
        return
      }
      const done = await queue.repair()
      process.stdout.write(done.length ? done.map((d) => `${d}\n`).join('') : 'No orphans.\n')
    } finally {
      await queue.close()
    }
  }
}
