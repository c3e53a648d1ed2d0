/**
 * `exp show`'s data model (DVC 2.x §9.1), what `--json` prints and `renderExpShow` draws:
 *
 *   { workspace: { baseline: { data } },
 *     <baseline sha>: { baseline: { data }, <exp sha>: { data }, …, <extra rows> }, … }
 *
 * `data` is `{timestamp, params, metrics, queued, running, executor}` plus `name` (unless
 * `sha`) and, for every commit of a multi-commit experiment branch (checkpoints),
 * `checkpoint_tip` and `checkpoint_parent`. A revision whose pipeline failed to load also
 * carries `error: {type, msg}` next to `data`.
 *
 * Experiments of a baseline: the refs `refs/exps/AA/BB…/<name>`, by tip commit time,
 * newest first; each contributes its tip and the older commits of its first-parent chain
 * down to (not including) the baseline. A checkpoint chain resumed from another one
 * shares its older commits: as in DVC, they are shown once, under the chain collected
 * last (the older tip), and the newer chain's oldest own commit names its parent.
 *
 * Extension point: `extraRows` adds rows after a baseline's experiments (queued
 * experiments, later); rows of baselines that are not shown are ignored.
 */
import { TrellisError } from '../../errors.js'
import type { Project } from '../../project.js'
import { commitNames, selectBaselines, type BaselineSelection } from './baselines.js'
import type { RevData } from '../read/rev-data.js'
import { RevReader } from '../read/rev-reader.js'
import { viewMetrics, viewParams, type RevViewOptions } from '../read/rev-view.js'
import { listExpRefs } from '../refs/resolve-exp.js'
import type { ExpEntry, ExpRowData, ExpShowData } from './show-data.js'

/** A row added under a baseline after its experiments (e.g. a queued experiment). */
export interface ExtraExpRow {
  /** Full sha of the baseline it belongs to. */
  baseline: string
  /** Key of the row (the queued entry's sha). */
  rev: string
  entry: ExpEntry
}

export interface CollectExpShowOptions extends BaselineSelection {
  /** `--sha`: no `name`s. */
  sha?: boolean
  /** `--param-deps`: only params that are stage dependencies. */
  paramDeps?: boolean
  /** Rows to add after each baseline's experiments (the queue plugs in here). */
  extraRows?: readonly ExtraExpRow[]
  /** A reader to use (and leave unsaved); by default one is opened, used and saved. */
  reader?: RevReader
}

/** Longest first-parent walk from an experiment tip looking for its baseline. */
const MAX_CHAIN = 100_000

export async function collectExpShow(project: Project, options: CollectExpShowOptions = {}): Promise<ExpShowData> {
  const reader = options.reader ?? (await RevReader.open(project))
  const store = reader.store
  const view: RevViewOptions = { root: project.root, cwd: project.cwd, paramDeps: options.paramDeps }
  const result: ExpShowData = {}

  result.workspace = { baseline: entryFor(null, await reader.workspace(), view) }

  const commit = (sha: string) => reader.commit(sha)
  const baselines = await selectBaselines(store, commit, options)
  const names = options.sha ? new Map<string, string>() : await commitNames(store, baselines)
  const wanted = new Set(baselines)
  const expsByBaseline = new Map<string, Array<{ name: string; sha: string; time: number }>>()
  for (const exp of await listExpRefs(reader.experiments)) {
    if (!wanted.has(exp.baseline)) continue
    const time = (await commit(exp.sha)).timestamp
    const list = expsByBaseline.get(exp.baseline) ?? []
    list.push({ name: exp.name, sha: exp.sha, time })
    expsByBaseline.set(exp.baseline, list)
  }

  for (const baseline of baselines) {
    const group = new Map<string, ExpEntry>()
    group.set('baseline', entryFor(await commit(baseline), await reader.data(baseline), view, names.get(baseline)))
    const exps = (expsByBaseline.get(baseline) ?? []).sort((a, b) => b.time - a.time)
    for (const exp of exps) {
      // DVC's _collect_experiment_branch: a commit shared by several chains (a resumed
      // checkpoint) ends up under the chain collected last, moved to its end.
      const chain = await firstParentChain(exp.sha, baseline, commit)
      const checkpoints = chain.length > 1
      let prev: string | undefined
      for (const sha of chain) {
        let entry = group.get(sha)
        if (checkpoints) {
          if (prev) group.get(prev)!.data!.checkpoint_parent = sha
          if (entry) group.delete(sha)
          else entry = entryFor(await commit(sha), await reader.data(sha), view, sha === exp.sha && !options.sha ? exp.name : undefined)
          entry.data!.checkpoint_tip = exp.sha
          group.set(sha, entry)
        } else if (!entry) {
          group.set(sha, entryFor(await commit(sha), await reader.data(sha), view, options.sha ? undefined : exp.name))
        }
        prev = sha
      }
      if (checkpoints) group.get(prev!)!.data!.checkpoint_parent = baseline
    }
    for (const row of options.extraRows ?? []) if (row.baseline === baseline && !group.has(row.rev)) group.set(row.rev, row.entry)
    result[baseline] = Object.fromEntries(group)
  }

  if (!options.reader) await reader.save()
  return result
}

/** `tip` and its first-parent ancestors down to (excluding) `baseline`, or to the root. */
async function firstParentChain(tip: string, baseline: string, commit: (sha: string) => Promise<{ parents: string[] }>): Promise<string[]> {
  const chain = [tip]
  let sha = tip
  for (let i = 0; i < MAX_CHAIN; i++) {
    const parent = (await commit(sha)).parents[0]
    if (!parent || parent === baseline) return chain
    chain.push(parent)
    sha = parent
  }
  throw new TrellisError('GIT_ERROR', `experiment ${tip.slice(0, 7)} does not descend from its baseline ${baseline.slice(0, 7)}`)
}

function entryFor(commit: { timestamp: number } | null, data: RevData, view: RevViewOptions, name?: string): ExpEntry {
  const row: ExpRowData = {
    timestamp: commit ? localIsoTime(commit.timestamp) : null,
    params: viewParams(data, view),
    metrics: viewMetrics(data, view),
    queued: false,
    running: false,
    executor: null,
  }
  if (name !== undefined) row.name = name
  return data.error ? { data: row, error: data.error } : { data: row }
}

/** Seconds since the epoch as a local naive ISO time (`2021-08-02T16:48:14`), like Python's `datetime.fromtimestamp`. */
export function localIsoTime(seconds: number): string {
  const d = new Date(seconds * 1000)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}
