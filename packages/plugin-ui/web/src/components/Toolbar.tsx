/**
 * The table's controls, with `exp show`'s flags and semantics: which baselines (`-a`, `-T`,
 * `-A`, `-n`; fetched from the server), which columns (`--include-/--exclude-metrics/params`
 * as comma lists of `[file:]glob`, `--only-changed`), `--sha` and `--no-timestamp`
 * (applied in the page by core's table function).
 */
import { useState } from 'preact/hooks'
import type { ViewOptions } from '../table-model.js'

export interface Scope {
  allBranches: boolean
  allTags: boolean
  allCommits: boolean
  num: number
}

type ListKey = 'includeMetrics' | 'excludeMetrics' | 'includeParams' | 'excludeParams'
const LISTS: Array<[ListKey, string]> = [
  ['includeMetrics', 'include metrics'],
  ['excludeMetrics', 'exclude metrics'],
  ['includeParams', 'include params'],
  ['excludeParams', 'exclude params'],
]

export function Toolbar(props: { scope: Scope; onScope(scope: Scope): void; view: ViewOptions; onView(view: ViewOptions): void }) {
  const { scope, view } = props
  const [num, setNum] = useState(String(scope.num))
  const list = (key: ListKey) => (view[key] ?? []).join(',')
  const setList = (key: ListKey, text: string) => props.onView({ ...view, [key]: text.trim() ? [text.trim()] : undefined })
  return (
    <div class="toolbar">
      <fieldset class="scope">
        <legend>Baselines</legend>
        <label title="exp show -a">
          <input type="checkbox" checked={scope.allBranches} onChange={(e) => props.onScope({ ...scope, allBranches: e.currentTarget.checked })} /> -a branches
        </label>
        <label title="exp show -T">
          <input type="checkbox" checked={scope.allTags} onChange={(e) => props.onScope({ ...scope, allTags: e.currentTarget.checked })} /> -T tags
        </label>
        <label title="exp show -A">
          <input type="checkbox" checked={scope.allCommits} onChange={(e) => props.onScope({ ...scope, allCommits: e.currentTarget.checked })} /> -A all commits
        </label>
        <label title="exp show -n N">
          -n{' '}
          <input
            class="num"
            type="number"
            min={1}
            value={num}
            onInput={(e) => setNum(e.currentTarget.value)}
            onChange={(e) => {
              const n = Math.max(1, Math.floor(Number(e.currentTarget.value)) || 1)
              setNum(String(n))
              props.onScope({ ...scope, num: n })
            }}
          />
        </label>
      </fieldset>
      <fieldset class="columns">
        <legend>Columns</legend>
        {LISTS.map(([key, label]) => (
          <label key={key}>
            {label}{' '}
            <input
              class={`filter ${key}`}
              name={key}
              placeholder="[file:]glob,…"
              value={list(key)}
              onChange={(e) => setList(key, e.currentTarget.value)}
            />
          </label>
        ))}
        <label title="exp show --only-changed">
          <input type="checkbox" name="onlyChanged" checked={!!view.onlyChanged} onChange={(e) => props.onView({ ...view, onlyChanged: e.currentTarget.checked })} /> only changed
        </label>
        <label title="exp show --sha">
          <input type="checkbox" name="sha" checked={!!view.sha} onChange={(e) => props.onView({ ...view, sha: e.currentTarget.checked })} /> --sha
        </label>
        <label title="exp show --no-timestamp">
          <input type="checkbox" name="noTimestamp" checked={!!view.noTimestamp} onChange={(e) => props.onView({ ...view, noTimestamp: e.currentTarget.checked })} /> --no-timestamp
        </label>
      </fieldset>
    </div>
  )
}
