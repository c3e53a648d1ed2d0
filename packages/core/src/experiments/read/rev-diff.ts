/**
 * `exp diff`, `metrics diff` and `params diff` (DVC §10, §d.4): the params and metrics of
 * two revisions compared with DVC's rules (metrics/compare.ts). `a` defaults to HEAD (the
 * running experiment's baseline while one runs), `b` to the workspace; either may be an
 * experiment name or ref, a sha or any git revision, or `workspace`. A repository without
 * commits compares nothing: `{}`.
 */
import { computeDiff, type DiffResult, type DiffSide } from '../../metrics/compare.js'
import type { Project } from '../../project.js'
import { EXEC_BASELINE_REF } from '../show/baselines.js'
import type { FileEntry, RevData } from './rev-data.js'
import { RevReader } from './rev-reader.js'
import { viewMetrics, viewParams, type RevViewOptions } from './rev-view.js'
import { resolveRevOrThrow } from '../refs/resolve-exp.js'

export const WORKSPACE = 'workspace'

export interface RevDiffOptions {
  /** Old side (default `HEAD`). */
  a?: string
  /** New side (default the workspace). */
  b?: string
  /** Keep unchanged keys (`--all`). */
  all?: boolean
  /** Only params that are stage dependencies (`--param-deps` / `--deps`). */
  paramDeps?: boolean
  reader?: RevReader
}

export interface ExpDiffResult {
  metrics: DiffResult
  params: DiffResult
}

/** `exp diff`: `{metrics, params}`, or `{}` without commits. */
export async function expDiff(project: Project, options: RevDiffOptions = {}): Promise<ExpDiffResult | Record<string, never>> {
  const sides = await readSides(project, options)
  if (!sides) return {}
  return {
    metrics: computeDiff(metricsSide(sides.old, sides.view), metricsSide(sides.new, sides.view), { all: options.all }),
    params: computeDiff(paramsSide(sides.old, sides.view), paramsSide(sides.new, sides.view), { all: options.all }),
  }
}

/** `metrics diff`: `{<path>: {<key>: {old, new, diff?}}}`. */
export async function metricsDiff(project: Project, options: RevDiffOptions = {}): Promise<DiffResult> {
  const sides = await readSides(project, options)
  if (!sides) return {}
  return computeDiff(metricsSide(sides.old, sides.view), metricsSide(sides.new, sides.view), { all: options.all })
}

/** `params diff`: `{<path>: {<key>: {old, new, diff?}}}`. */
export async function paramsDiff(project: Project, options: RevDiffOptions = {}): Promise<DiffResult> {
  const sides = await readSides(project, options)
  if (!sides) return {}
  return computeDiff(paramsSide(sides.old, sides.view), paramsSide(sides.new, sides.view), { all: options.all })
}

async function readSides(project: Project, options: RevDiffOptions): Promise<{ old: RevData; new: RevData; view: RevViewOptions } | undefined> {
  const reader = options.reader ?? (await RevReader.open(project))
  if ((await reader.store.head()) === null) return undefined
  const old = await readRev(reader, options.a ?? 'HEAD')
  const neu = await readRev(reader, options.b ?? WORKSPACE)
  if (!options.reader) await reader.save()
  return { old, new: neu, view: { root: project.root, cwd: project.cwd, paramDeps: options.paramDeps } }
}

async function readRev(reader: RevReader, rev: string): Promise<RevData> {
  if (rev === WORKSPACE) return reader.workspace()
  let spec = rev
  // while a workspace experiment runs HEAD is detached on it: HEAD means its baseline
  if (/^HEAD(?=$|[~^])/.test(rev) && (await reader.store.resolve(EXEC_BASELINE_REF))) spec = EXEC_BASELINE_REF + rev.slice(4)
  const { sha } = await resolveRevOrThrow(reader.store, reader.experiments, spec).catch((error: unknown) => {
    if (spec !== rev) return resolveRevOrThrow(reader.store, reader.experiments, rev)
    throw error
  })
  return reader.data(sha)
}

function sideOf(files: Record<string, FileEntry>): DiffSide {
  const side: DiffSide = {}
  for (const [path, entry] of Object.entries(files)) side[path] = entry.error !== undefined ? { error: entry.error } : entry.data
  return side
}

function metricsSide(data: RevData, view: RevViewOptions): DiffSide {
  return sideOf(viewMetrics(data, view))
}

function paramsSide(data: RevData, view: RevViewOptions): DiffSide {
  return sideOf(viewParams(data, view))
}
