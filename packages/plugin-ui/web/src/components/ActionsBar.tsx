/**
 * What can be done with the selected rows, each through the API (the CLI's core functions):
 * apply one experiment (a refusal names the workspace paths it would overwrite and offers
 * force), make a branch of one, remove experiments, push them to a git remote; queued rows
 * are cancelled (removed from the queue). Every failure is shown as the API returns it.
 */
import { useState } from 'preact/hooks'
import type { ApplyResponse, BranchResponse, PushResponse, QueueRemoveResponse, RemoveResponse } from '../../../src/api-types.js'
import { post } from '../api.js'
import { shownError, type ShownError } from '../errors.js'
import { isExperiment } from '../rev-labels.js'
import type { TableRow } from '../table-model.js'
import { ErrorBox } from './ErrorBox.js'

export function ActionsBar(props: { rows: TableRow[]; labels: ReadonlyMap<string, string>; onClear(): void; onDone(changedWorkspace: boolean): void }) {
  const { rows, labels } = props
  const exps = rows.filter(isExperiment)
  const queued = rows.filter((row) => row.state !== null)
  const label = (row: TableRow) => labels.get(row.id) ?? row.sha
  const [branch, setBranch] = useState('')
  const [remote, setRemote] = useState('origin')
  const [confirmRemove, setConfirmRemove] = useState(false)
  const [error, setError] = useState<ShownError | null>(null)
  const [forceable, setForceable] = useState(false)
  const [message, setMessage] = useState('')
  const [busy, setBusy] = useState(false)

  const act = async (run: () => Promise<string>, changedWorkspace = false) => {
    setError(null)
    setForceable(false)
    setMessage('')
    setBusy(true)
    try {
      setMessage(await run())
      props.onDone(changedWorkspace)
    } catch (e) {
      const shown = shownError(e)
      setError(shown)
      return shown
    } finally {
      setBusy(false)
      setConfirmRemove(false)
    }
  }

  const apply = async (force: boolean) => {
    const exp = label(exps[0])
    const shown = await act(async () => {
      const r = await post<ApplyResponse>('/api/apply', { exp, force: force || undefined })
      return `Applied ${r.exp} (${r.commit.slice(0, 7)}) to the workspace.`
    }, true)
    if (shown && shown.status === 409) setForceable(true)
  }

  if (rows.length === 0) return null
  const paths = Array.isArray(error?.details?.paths) ? (error!.details!.paths as string[]) : []
  return (
    <div class="actions">
      <div class="selection-bar">
        <span class="count">{rows.length} selected</span>
        <button onClick={props.onClear}>Clear</button>
        <button disabled={busy || exps.length !== 1} title="exp apply" onClick={() => apply(false)}>
          Apply
        </button>
        <input name="branch" placeholder="branch name" value={branch} onInput={(e) => setBranch(e.currentTarget.value)} />
        <button
          disabled={busy || exps.length !== 1 || !branch.trim()}
          title="exp branch"
          onClick={() =>
            act(async () => {
              const r = await post<BranchResponse>('/api/branch', { exp: label(exps[0]), branch: branch.trim() })
              setBranch('')
              return `Created branch ${r.branch} at ${r.commit.slice(0, 7)}.`
            })
          }
        >
          Branch
        </button>
        <input name="remote" placeholder="git remote" value={remote} onInput={(e) => setRemote(e.currentTarget.value)} />
        <button
          disabled={busy || exps.length === 0 || !remote.trim()}
          title="exp push"
          onClick={() =>
            act(async () => {
              const r = await post<PushResponse>('/api/push', { remote: remote.trim(), exps: exps.map(label) })
              return `Pushed ${r.pushed.join(', ') || 'nothing'} to ${remote.trim()}.`
            })
          }
        >
          Push
        </button>
        {confirmRemove ? (
          <button
            class="danger"
            disabled={busy}
            onClick={() =>
              act(async () => {
                const done: string[] = []
                if (exps.length) done.push(...(await post<RemoveResponse>('/api/remove', { exps: exps.map(label) })).removed)
                if (queued.length) done.push(...(await post<QueueRemoveResponse>('/api/queue/remove', { ids: queued.map((row) => row.sha) })).removed)
                props.onClear()
                return `Removed ${done.join(', ')}.`
              })
            }
          >
            Confirm remove ({exps.length + queued.length})
          </button>
        ) : (
          <button class="danger" disabled={busy || exps.length + queued.length === 0} title="exp remove / queue remove" onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        )}
      </div>
      <ErrorBox error={error} onClose={() => setError(null)}>
        {paths.length > 0 ? (
          <ul class="paths">
            {paths.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        ) : null}
        {forceable ? (
          <button class="danger force" onClick={() => apply(true)}>
            Force apply (overwrite these changes)
          </button>
        ) : null}
      </ErrorBox>
      {message ? <p class="done action-result">{message}</p> : null}
    </div>
  )
}
