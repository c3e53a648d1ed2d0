/**
 * `exp run --run-all` progress lines, drawn from the hook bus: a tap on
 * `queueEntryChanged` prints each entry starting, finishing, failing or going back
 * to the queue; entries recovered from a dead run are gathered into one warning.
 * Given a `Progress` and the number of entries, it also counts entries finished (done or
 * failed) of that total, for the spinner on a terminal (`progress.ts`).
 */
import type { Project, QueueEntry, QueueEntryEvent, QueueEvent } from '@trellis/core'
import type { Progress } from './progress.js'

export interface QueueProgress {
  /** The backend's own events (only warnings are printed from them). */
  onEvent(event: QueueEvent): void
  /** Print what is still gathered (call once the run ended). */
  flush(): void
}

const label = (e: { id: string; name?: string }) => `'${e.id.slice(0, 7)}'${e.name ? ` (${e.name})` : ''}`

export function tapQueueProgress(
  project: Project,
  out: { info(line: string): void; warning(message: string): void },
  count?: { bar: Progress; total: number },
): QueueProgress {
  const recovered: QueueEntry[] = []
  let finished = 0
  const flush = (): void => {
    if (recovered.length) out.warning(`${recovered.length} experiment(s) left running by a stopped run are queued again: ${recovered.splice(0).map(label).join(', ')}`)
  }
  project.hooks.queueEntryChanged.tap('trellis-cli', (event: QueueEntryEvent) => {
    if (event.state === 'queued' && event.reason === 'recovered') {
      recovered.push(event.entry)
      return
    }
    flush()
    const seconds = (event.seconds ?? 0).toFixed(1)
    if (event.state === 'running') out.info(`Running experiment ${label(event.entry)} in ${event.workspace}`)
    else if (event.state === 'done') {
      out.info(
        event.result
          ? `Reproduced experiment '${event.result.name}' from ${label(event.entry)} (${seconds} s)${event.result.reused ? ', identical to an existing one' : ''}`
          : `Experiment ${label(event.entry)}: nothing changed, no experiment (${seconds} s)`,
      )
    } else if (event.state === 'failed') {
      process.stderr.write(`Failed to reproduce experiment ${label(event.entry)}: ${event.error?.message}\n  log: trellis queue logs ${event.entry.id.slice(0, 7)}\n`)
    } else if (event.state === 'queued' && event.reason === 'interrupted') {
      out.info(`Experiment ${label(event.entry)} was interrupted: it is back in the queue.`)
    }
    if (event.state === 'done' || event.state === 'failed') finished++
    count?.bar.update(finished, count.total)
  })
  return {
    onEvent(event) {
      if (event.type === 'warning') out.warning(event.message)
    },
    flush,
  }
}
