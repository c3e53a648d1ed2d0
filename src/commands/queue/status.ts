import { Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

export default class QueueStatus extends TrellisCommand {
  static override summary = 'List the experiment queue: each entry with its name, when it was queued and its state.'
  static override description = `States: Queued (waiting for \`trellis exp run --run-all\` or a worker), Running (on host:pid), Failed (kept in the queue with its log: \`trellis queue logs <entry>\`), Success (the
experiment it made; kept on record until removed). Entries DVC queued are listed too.
--json prints the entries as a list of objects: id, name, baseline, state, created, finished, request
(targets, setParams, cwd, force, repro flags), runner, error, result ({name, ref, commit, reused} or null), sweep (the sweep id, for an entry of a sweep).`
  static override flags = {
    json: Flags.boolean({ description: 'Print the entries as JSON.' }),
  }
  static override examples = ['<%= config.bin %> queue status', '<%= config.bin %> queue status --json']

  async run(): Promise<void> {
    const { flags } = await this.parse(QueueStatus)
    this.setOutput(flags)
    const project = await this.openProject()
    const { listQueue, renderTable } = await import('@trellis/core')
    const entries = await listQueue(project)
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`)
      return
    }
    if (this.quiet) return
    if (entries.length === 0) {
      process.stdout.write('No experiments in the queue.\n')
      await this.reportOrphans(project)
      return
    }
    const state = { queued: 'Queued', running: 'Running', failed: 'Failed', success: 'Success' } as const
    const rows = entries.map((e) => [
      e.id.slice(0, 7),
      e.name ?? null,
      e.created ? created(new Date(e.created)) : null,
      state[e.state],
      e.state === 'success' ? (e.result ? e.result.name : 'no change') : e.state === 'failed' ? (e.error ?? null) : e.state === 'running' ? (e.runner?.host ? `on ${e.runner.host}:${e.runner.pid}` : `pid ${e.runner?.pid ?? '?'}`) : null,
    ])
    process.stdout.write(renderTable(['Task', 'Name', 'Created', 'Status', 'Result'], rows))
    const count = (s: string) => entries.filter((e) => e.state === s).length
    process.stdout.write(`\n${count('queued')} queued, ${count('running')} running, ${count('failed')} failed, ${count('success')} done.\n`)
    await this.reportOrphans(project)
  }

  /** What the backend finds inconsistent (a distributed one: entry refs without jobs, …), as warnings. */
  private async reportOrphans(project: Awaited<ReturnType<QueueStatus['openProject']>>): Promise<void> {
    const orphans = (await (await project.services.get('queue')).orphans?.()) ?? []
    for (const orphan of orphans) this.warning(`orphan: ${orphan.description}`)
    if (orphans.length) this.warning('`trellis queue repair` resolves them')
  }
}

/** `HH:MM` today, `Mon DD HH:MM` otherwise (local time). */
function created(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  const time = `${p(date.getHours())}:${p(date.getMinutes())}`
  const today = new Date()
  if (date.toDateString() === today.toDateString()) return time
  return `${date.toLocaleString('en-US', { month: 'short' })} ${p(date.getDate())} ${time}`
}
