/**
 * The page: the project, the experiments table (loaded once per scope, then patched by the
 * event stream), the selection's actions and comparison, the run form and the queue.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { ExperimentsResponse, ProjectInfo, QueueBadge, QueueLogResponse, RunEvent, ServerEvents } from '../../../src/api-types.js'
import { getJson } from '../api.js'
import type { ExpRowData, ExpShowData } from '../core.js'
import { shownError, type ShownError } from '../errors.js'
import { openEvents } from '../live.js'
import { revLabels } from '../rev-labels.js'
import { keyOrder, rowData } from '../row-data.js'
import { buildTable, checkpointCounts, visibleRows, type TableModel, type TableRow, type ViewOptions } from '../table-model.js'
import { addCommit, dropRows, experimentTip, removeRef, setQueueRow, type NewCommit } from '../table-patches.js'
import { experimentPatch } from '../live-experiment.js'
import { ActionsBar } from './ActionsBar.js'
import { ComparePanel } from './ComparePanel.js'
import { ErrorBox } from './ErrorBox.js'
import { ExperimentsTable } from './ExperimentsTable.js'
import { QueuePanel } from './QueuePanel.js'
import { RunForm } from './RunForm.js'
import { Toolbar, type Scope } from './Toolbar.js'
import { parseWire } from '../wire.js'

/** `?n=10&a=1&T=1&A=1` in the page's address selects the baselines, as `exp show`'s flags. */
function initialScope(): Scope {
  const q = new URLSearchParams(window.location.search)
  return { allBranches: q.get('a') === '1', allTags: q.get('T') === '1', allCommits: q.get('A') === '1', num: Math.max(1, Number(q.get('n')) || 1) }
}

function scopeQuery(scope: Scope): string {
  const q = new URLSearchParams()
  if (scope.allBranches) q.set('a', '1')
  if (scope.allTags) q.set('T', '1')
  if (scope.allCommits) q.set('A', '1')
  if (scope.num !== 1) q.set('n', String(scope.num))
  return q.toString()
}

function upsertEntry(entries: QueueBadge[], entry: QueueBadge, removed: boolean): QueueBadge[] {
  const rest = entries.filter((e) => e.id !== entry.id)
  if (removed) return rest
  const at = entries.findIndex((e) => e.id === entry.id)
  if (at < 0) return [...entries, entry]
  const copy = [...entries]
  copy[at] = entry
  return copy
}

interface Built {
  model: TableModel
  error: ShownError | null
}

export function App() {
  const [project, setProject] = useState<ProjectInfo | null>(null)
  const [data, setData] = useState<ExpShowData | null>(null)
  const [queue, setQueue] = useState<QueueBadge[]>([])
  const [scope, setScope] = useState<Scope>(initialScope)
  const [view, setView] = useState<ViewOptions>({ sortOrder: 'asc' })
  const [selected, setSelected] = useState<string[]>([])
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set())
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set())
  const [loadError, setLoadError] = useState<ShownError | null>(null)
  const [followed, setFollowed] = useState<string | null>(null)
  const [log, setLog] = useState('')
  const [live, setLive] = useState(false)
  const [run, setRun] = useState<RunEvent | null>(null)
  const scopeRef = useRef(scope)
  scopeRef.current = scope
  const dataRef = useRef(data)
  dataRef.current = data

  const load = useCallback(async () => {
    const current = scopeRef.current
    try {
      const query = scopeQuery(current)
      // the table first: the server answers one request at a time faster than two at once
      const exps = await getJson<ExperimentsResponse>(`/api/experiments${query ? `?${query}` : ''}`, parseWire)
      if (scopeRef.current !== current) return
      setData(exps.experiments)
      setQueue(exps.queue)
      setProject(await getJson<ProjectInfo>('/api/project', parseWire))
      setLoadError(null)
    } catch (e) {
      setLoadError(shownError(e))
    }
  }, [])

  // the table is read once the event stream is open (events are not replayed: nothing falls
  // between the two), or without it when the stream cannot open
  const [streamReady, setStreamReady] = useState(false)
  const stream = useRef({ opened: false, lost: false })
  useEffect(() => {
    const query = scopeQuery(scope)
    window.history.replaceState(null, '', `${window.location.pathname}${query ? `?${query}` : ''}`)
    if (streamReady) void load()
  }, [scope, streamReady])

  const markFresh = (id: string) => {
    setFresh((s) => new Set(s).add(id))
    setTimeout(
      () =>
        setFresh((s) => {
          const copy = new Set(s)
          copy.delete(id)
          return copy
        }),
      2500,
    )
  }

  // the event stream: the table is patched, never reloaded (except when HEAD moves)
  useEffect(() => {
    let pending: Promise<void> = Promise.resolve()
    const onExperiment = async (event: ServerEvents['experiment']) => {
      const current = dataRef.current
      if (!current) return
      let patch
      try {
        patch = await experimentPatch(event, current)
      } catch {
        return
      }
      const apply = (commits: NewCommit[], drop: string[] = []) => {
        if (commits.length === 0) return
        // an unfolded checkpoint chain stays unfolded as its tip moves
        const previous = dataRef.current ? experimentTip(dataRef.current, event.baseline, event.name) : undefined
        if (previous && commits[0].checkpoint) setExpanded((s) => (s.has(previous) ? new Set(s).add(commits.at(-1)!.commit) : s))
        setData((d) => {
          if (!d) return d
          const next = commits.reduce(addCommit, dropRows(d, event.baseline, drop))
          dataRef.current = next
          return next
        })
        for (const commit of commits) markFresh(`${commit.baseline}/${commit.commit}`)
      }
      apply(patch.commits)
      const chain = await patch.chain?.catch(() => null)
      if (chain) apply(chain, [event.commit])
      // a run in the workspace changed it too (read after, outside the queue of events)
      refreshWorkspace(event.baseline)
    }
    // one read of the workspace row at a time, and one more if asked meanwhile
    let workspaceReading = false
    let workspaceAgain: string | null = null
    const refreshWorkspace = (baseline: string) => {
      if (workspaceReading) {
        workspaceAgain = baseline
        return
      }
      workspaceReading = true
      rowData(baseline, 'workspace', new Date(), keyOrder(dataRef.current ?? {}))
        .then((workspace) =>
          setData((d) => {
            if (!d?.workspace?.baseline) return d
            const next = { ...d, workspace: { ...d.workspace, baseline: { ...d.workspace.baseline, data: { ...workspace, timestamp: null } } } }
            dataRef.current = next
            return next
          }),
        )
        .catch(() => undefined)
        .finally(() => {
          workspaceReading = false
          const again = workspaceAgain
          workspaceAgain = null
          if (again) refreshWorkspace(again)
        })
    }
    const onQueue = async ({ entry, state }: ServerEvents['queue']) => {
      setQueue((entries) => upsertEntry(entries, entry, state === 'removed'))
      if (state === 'done' || state === 'removed') {
        setData((d) => (d ? setQueueRow(d, entry.baseline, entry.id, 'gone') : d))
        return
      }
      let added: ExpRowData | undefined
      if (state === 'queued') {
        try {
          added = { ...(await rowData(entry.baseline, entry.id, entry.created ? new Date(entry.created) : new Date(), keyOrder(dataRef.current ?? {}))), name: entry.name }
        } catch {
          return
        }
      }
      setData((d) => (d ? setQueueRow(d, entry.baseline, entry.id, state, added) : d))
      if (state === 'queued') markFresh(`${entry.baseline}/${entry.id}`)
    }
    return openEvents(
      {
        hello: () => {
          // after a lost connection, what was missed meanwhile is read once
          if (stream.current.lost) void load()
          stream.current = { opened: true, lost: false }
          setStreamReady(true)
        },
        experiment: (event) => {
          // one at a time, in order: each reads the table the previous one patched
          pending = pending.then(() => onExperiment(event))
        },
        removed: (event) => setData((d) => (d ? removeRef(d, event.ref) : d)),
        queue: (event) => void onQueue(event),
        log: (event) => {
          if (followed && (followed.startsWith(event.id) || event.id.startsWith(followed))) setLog((text) => text + event.text)
        },
        baseline: () => void load(),
        run: setRun,
      },
      {
        logs: followed,
        onStatus: (open) => {
          setLive(open)
          if (open) return
          if (stream.current.opened) stream.current.lost = true
          else setStreamReady(true)
        },
      },
    )
  }, [followed])

  useEffect(() => {
    setLog('')
    if (!followed) return
    getJson<QueueLogResponse>(`/api/queue/${encodeURIComponent(followed)}/log`)
      .then((r) => setLog(r.text))
      .catch((e: unknown) => setLog(`(${shownError(e).message})`))
  }, [followed])

  const built = useMemo((): Built | null => {
    if (!data) return null
    try {
      return { model: buildTable(data, view), error: null }
    } catch (e) {
      // a filter or sort column exp show would refuse: say why, show the table without them
      return { model: buildTable(data, { sha: view.sha, noTimestamp: view.noTimestamp }), error: shownError(e) }
    }
  }, [data, view])

  const rows = useMemo(() => (built ? visibleRows(built.model.rows, expanded) : []), [built, expanded])
  const hidden = useMemo(() => (built ? checkpointCounts(built.model.rows) : new Map<string, number>()), [built])
  const labels = useMemo(() => revLabels(built?.model.rows ?? []), [built])
  const byId = useMemo(() => new Map((built?.model.rows ?? []).map((row) => [row.id, row])), [built])
  const selectedRows = useMemo(() => selected.map((id) => byId.get(id)).filter((row): row is TableRow => row !== undefined), [selected, byId])

  // the table is on screen: when (ms since navigation) is kept for the page benchmark
  useEffect(() => {
    if (!built || document.body.dataset.ready) return
    document.body.dataset.ready = 'true'
    document.body.dataset.readyMs = String(Math.round(performance.now()))
  }, [built])

  const onSort = (column: string) =>
    setView((v) =>
      v.sortBy !== column ? { ...v, sortBy: column, sortOrder: 'asc' } : v.sortOrder === 'asc' ? { ...v, sortOrder: 'desc' } : { ...v, sortBy: undefined, sortOrder: 'asc' },
    )
  const onToggle = (row: TableRow) => setSelected((s) => (s.includes(row.id) ? s.filter((id) => id !== row.id) : [...s, row.id]))
  const onExpand = (tip: string) =>
    setExpanded((s) => {
      const copy = new Set(s)
      if (!copy.delete(tip)) copy.add(tip)
      return copy
    })

  return (
    <>
      <header class="top">
        <h1>Trellis experiments</h1>
        {project ? (
          <span class="project" title={project.root}>
            {project.root} · {project.baseline.name ?? 'no commits'} · trellis {project.version}
          </span>
        ) : null}
        <span class={`live ${live ? 'connected' : 'disconnected'}`} title="Server-sent events">
          {live ? 'live' : 'offline'}
        </span>
      </header>
      <main>
        <div class="main-col">
          <Toolbar scope={scope} onScope={setScope} view={view} onView={setView} />
          <ErrorBox error={loadError} />
          <ErrorBox error={built?.error ?? null} />
          {built ? (
            <ExperimentsTable
              model={built.model}
              rows={rows}
              selected={selected}
              onToggle={onToggle}
              expanded={expanded}
              hidden={hidden}
              onExpand={onExpand}
              sortBy={built.error ? undefined : view.sortBy}
              sortOrder={view.sortOrder}
              onSort={onSort}
              fresh={fresh}
            />
          ) : loadError ? null : (
            <p class="muted loading">Loading experiments…</p>
          )}
          <ActionsBar rows={selectedRows} labels={labels} onClear={() => setSelected([])} onDone={(workspace) => workspace && void load()} />
          <ComparePanel rows={selectedRows} labels={labels} />
        </div>
        <aside class="side-col">
          {project && project.baseline.rev ? <RunForm params={project.params} baseline={project.baseline.name ?? project.baseline.rev.slice(0, 7)} /> : null}
          {project?.queue !== false ? <QueuePanel entries={queue} followed={followed} log={log} onFollow={setFollowed} run={run} /> : null}
        </aside>
      </main>
    </>
  )
}
