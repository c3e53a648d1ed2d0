/**
 * Run or queue an experiment: one field per param of the baseline (pre-filled with its value
 * in `-S` notation), free-form `-S` lines (`+new.key=1`, sweeps: `train.lr=0.1,0.2`,
 * `choice(…)`, `range(…)`), a name, and queue-or-run. Posts `/api/run`; the page reports the
 * server's answer or its error.
 */
import { useMemo, useState } from 'preact/hooks'
import type { RunResponse } from '../../../src/api-types.js'
import { post } from '../api.js'
import { shownError, type ShownError } from '../errors.js'
import { fieldId, paramFields, runOverrides } from '../run-overrides.js'
import { ErrorBox } from './ErrorBox.js'

export function RunForm(props: { params: Record<string, unknown>; baseline: string }) {
  const fields = useMemo(() => paramFields(props.params), [props.params])
  const [values, setValues] = useState<Record<string, string>>({})
  const [extra, setExtra] = useState('')
  const [name, setName] = useState('')
  const [queue, setQueue] = useState(true)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ShownError | null>(null)
  const [done, setDone] = useState('')

  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setDone('')
    let overrides
    try {
      overrides = runOverrides(fields, values, extra)
    } catch (e) {
      setError(shownError(e))
      return
    }
    setBusy(true)
    try {
      const result = await post<RunResponse>('/api/run', { setParams: overrides.setParams, name: name.trim() || undefined, queue, sweep: overrides.sweep || undefined })
      setDone(describe(result, queue))
      setName('')
    } catch (e) {
      setError(shownError(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="run-form" onSubmit={submit}>
      <h2>Run an experiment</h2>
      <p class="muted">From {props.baseline}. Change a value to pass it as <code>-S</code>; several values sweep.</p>
      <div class="param-fields">
        {fields.map((field) => {
          const id = fieldId(field)
          const value = values[id] ?? field.initial
          return (
            <label key={id} class={value !== field.initial ? 'changed' : ''}>
              <span class="param-name" title={id}>
                {field.file === 'params.yaml' ? field.key : id}
              </span>
              <input name={id} value={value} spellcheck={false} onInput={(e) => setValues({ ...values, [id]: e.currentTarget.value })} />
            </label>
          )
        })}
      </div>
      <label class="extra">
        more -S (one per line)
        <textarea name="extra" rows={2} spellcheck={false} placeholder="+train.dropout=0.1" value={extra} onInput={(e) => setExtra(e.currentTarget.value)} />
      </label>
      <div class="run-options">
        <label>
          name <input name="name" value={name} placeholder="exp-…" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          <input type="checkbox" name="queue" checked={queue} onChange={(e) => setQueue(e.currentTarget.checked)} /> queue (run later)
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {queue ? 'Queue' : 'Run'}
        </button>
      </div>
      <ErrorBox error={error} onClose={() => setError(null)} />
      {done ? <p class="done">{done}</p> : null}
    </form>
  )
}

function describe(result: RunResponse, queued: boolean): string {
  const sweep = result.sweep ? ` (sweep ${result.sweep})` : ''
  if (queued || result.queued.length > 0) return `Queued ${result.queued.length} experiment(s)${sweep}: ${result.queued.map((id) => id.slice(0, 7)).join(', ')}.`
  return result.started ? `Running in the workspace${sweep}; the experiment appears when it is committed.` : 'Nothing started.'
}
