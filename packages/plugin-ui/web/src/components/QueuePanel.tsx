/**
 * The queue: every entry with its state, follow one (its log so far from
 * `/api/queue/:id/log`, then live through the event stream), cancel or remove entries, and
 * start the queue in the server (`exp run --run-all -j N`).
 */
import { useState } from 'preact/hooks'
import type { QueueBadge, QueueRemoveResponse, QueueStartResponse, RunEvent } from '../../../src/api-types.js'
import { post } from '../api.js'
import { shownError, type ShownError } from '../errors.js'
import { ErrorBox } from './ErrorBox.js'

export interface QueuePanelProps {
  entries: QueueBadge[]
  followed: string | null
  log: string
  onFollow(id: string | null): void
  /** The last background run of the server (queue or workspace) that started or ended. */
  run: RunEvent | null
}

export function QueuePanel(props: QueuePanelProps) {
  const [jobs, setJobs] = useState('1')
  const [error, setError] = useState<ShownError | null>(null)
  const [message, setMessage] = useState('')
  const waiting = props.entries.filter((e) => e.state === 'queued').length

  const call = async (run: () => Promise<string>) => {
    setError(null)
    setMessage('')
    try {
      setMessage(await run())
    } catch (e) {
      setError(shownError(e))
    }
  }

  return (
    <section class="queue-panel">
      <h2>Queue</h2>
      <div class="run-options">
        <label>
          -j <input class="num" name="jobs" type="number" min={1} value={jobs} onInput={(e) => setJobs(e.currentTarget.value)} style={{ width: '3.5rem' }} />
        </label>
        <button
          class="start-queue"
          disabled={waiting === 0}
          onClick={() =>
            call(async () => {
              const r = await post<QueueStartResponse>('/api/queue/start', { jobs: Math.max(1, Number(jobs) || 1) })
              return r.started ? `Running ${waiting} queued experiment(s).` : 'The queue is already running; new entries join it.'
            })
          }
        >
          Run queued ({waiting})
        </button>
      </div>
      <ErrorBox error={error} onClose={() => setError(null)} />
      {message ? <p class="done">{message}</p> : null}
      <RunStatus run={props.run} />
      {props.entries.length === 0 ? <p class="muted">Nothing queued.</p> : null}
      <ul>
        {props.entries.map((entry) => (
          <li key={entry.id} data-entry={entry.id} data-state={entry.state}>
            <span class={`badge ${entry.state}`}>{entry.state}</span>
            <span class="entry-name" title={[entry.id, ...entry.setParams].join(' ')}>
              {entry.id.slice(0, 7)} {entry.result?.name ?? entry.name ?? ''} {entry.setParams.join(' ')}
            </span>
            <button
              class="follow"
              title="Show its log"
              onClick={() => props.onFollow(props.followed === entry.id ? null : entry.id)}
            >
              {props.followed === entry.id ? 'Unfollow' : 'Follow'}
            </button>
            {entry.state !== 'success' ? (
              <button
                class="danger cancel"
                title={entry.state === 'running' ? 'Stop it and remove it (queue remove)' : 'Remove it from the queue'}
                onClick={() =>
                  call(async () => {
                    const r = await post<QueueRemoveResponse>('/api/queue/remove', { ids: [entry.id] })
                    return `Removed ${r.removed.map((id) => id.slice(0, 7)).join(', ')}.`
                  })
                }
              >
                {entry.state === 'running' ? 'Cancel' : 'Remove'}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {props.followed ? (
        <div class="followed">
          <h3>log of {props.followed.slice(0, 7)}</h3>
          <pre class="log" data-entry={props.followed}>
            {props.log || '(no output yet)'}
          </pre>
        </div>
      ) : null}
    </section>
  )
}

function RunStatus(props: { run: RunEvent | null }) {
  const { run } = props
  if (!run) return null
  const what = run.kind === 'queue' ? 'Queue run' : 'Run in the workspace'
  if (run.state === 'failed' && run.error) return <ErrorBox error={{ code: run.error.code, message: `${what} failed: ${run.error.message}`, hint: run.error.hint }} />
  const made = run.experiment ? `: ${run.experiment}` : run.experiment === null && run.state === 'finished' && run.kind === 'workspace' ? ': nothing changed' : ''
  return (
    <p class={`run-status ${run.state}`} data-state={run.state}>
      {what} {run.state}
      {made}.
    </p>
  )
}
