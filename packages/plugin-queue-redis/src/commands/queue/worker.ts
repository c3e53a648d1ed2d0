import { Flags } from '@oclif/core'
import type { QueueEvent } from '@trellis/core/plugin-api'
import { QueueRedisCommand, redisQueue } from '../../cli.js'

export default class QueueWorker extends QueueRedisCommand {
  static override summary = 'Run experiments from the Redis queue on this machine (a worker), until stopped.'
  static override description = `Claims queued entries from the project's Redis queue (queue: {backend: redis} in the trellis config), N at
a time: fetches each entry's commit from the git remote and the data it needs from the DVC remote, runs it in a
temporary workspace, pushes the experiment and its cached outputs, and marks it done (or failed, with its log).
Runs in any clone of the project that reaches the git remote, the DVC remote and Redis. SIGTERM or Ctrl-C
stops the running commands, puts their entries back in the queue and exits (0 after SIGTERM, 130 after Ctrl-C).`
  static override flags = {
    jobs: Flags.integer({ char: 'j', description: 'Entries run at once.', default: 1, min: 1 }),
    once: Flags.boolean({ description: 'Run one entry (waiting for one), then exit.' }),
    'max-jobs': Flags.integer({ description: 'Exit after running this many entries.', min: 1 }),
    'idle-exit': Flags.integer({ description: 'Exit once nothing was queued for this many seconds.', min: 0 }),
  }
  static override examples = ['<%= config.bin %> queue worker -j 2', '<%= config.bin %> queue worker --idle-exit 60']

  async run(): Promise<void> {
    const { flags } = await this.parse(QueueWorker)
    const { project, queue } = await redisQueue(process.cwd())
    const { hostname } = await import('node:os')
    const out = (line: string) => void this.redact(line).then((l) => process.stdout.write(`${l}\n`))
    out(`Worker ${hostname()}:${process.pid} on ${queue.displayUrl} (queue '${queue.settings.name}', ${flags.jobs} at a time)`)
    const short = (id: string) => id.slice(0, 7)
    const onEvent = (event: QueueEvent) => {
      switch (event.type) {
        case 'start':
          out(`Running ${short(event.entry.id)}${event.entry.name ? ` (${event.entry.name})` : ''}`)
          break
        case 'done':
          out(`Done ${short(event.entry.id)}: ${event.result ? `experiment '${event.result.name}' (${short(event.result.commit)})` : 'nothing changed'} in ${event.seconds.toFixed(1)} s`)
          break
        case 'failed':
          out(`${event.entry.state === 'queued' ? 'Failed (will retry)' : 'Failed'} ${short(event.entry.id)}: ${event.error.message}`)
          break
        case 'requeued':
          out(`Back in the queue: ${short(event.entry.id)}`)
          break
        case 'warning':
          void this.redact(event.message).then((m) => process.stderr.write(`WARNING: ${m}\n`))
          break
      }
    }
    const core = await import('@trellis/core')
    let result
    try {
      result = await core.runQueue(project, {
        jobs: flags.jobs,
        once: flags.once,
        maxJobs: flags['max-jobs'],
        waitMs: 2000,
        idleExitMs: flags['idle-exit'] === undefined ? undefined : flags['idle-exit'] * 1000,
        onEvent,
      })
    } finally {
      await queue.close()
    }
    out(`Worker stopped: ${result.succeeded.length} done, ${result.failed.length} failed${result.interrupted ? ` (${result.interrupted})` : ''}.`)
    if (result.interrupted === 'SIGINT') this.exit(130)
  }
}
