/**
 * The params and metrics DVC shows for one revision (`exp show`, `exp diff`,
 * `metrics diff`, `params diff`), read from a commit's tree or from the workspace:
 *
 * - pipeline: every dvc.yaml and `.dvc` file of the revision (rev-pipeline.ts);
 * - metrics: every stage out under `metrics:` plus the top-level `metrics:` files, in that
 *   order. A file absent from a commit's tree because DVC caches it is read from the DVC
 *   cache by the hash its dvc.lock records (as DVC's repo filesystem does); a file absent
 *   from both is left out;
 * - params: `params.yaml` at the root if present, every params file used by any stage
 *   (whole files), the top-level `params:` files; `paramDeps` says which keys stages depend
 *   on (for `--param-deps`); `vars` holds the values the stages interpolated from vars
 *   files, by file and dotted key.
 *
 * A file that cannot be parsed becomes `{error: {type, msg}}`; a dvc.yaml that cannot be
 * loaded becomes `error` (its stages' files are then unknown). Paths are relative to the
 * DVC root; presentation (cwd-relative paths, `--param-deps`) is rev-view.ts's business.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ParsingConfig } from '../../dvcfile/interpolate.js'
import { lockPathFor, parseLockfile } from '../../dvcfile/lockfile.js'
import { DEFAULT_PARAMS_FILE } from '../../dvcfile/resolver.js'
import { parseMetricsBuffer } from '../../metrics/read-metrics-file.js'
import type { Out, Stage } from '../../pipeline/types.js'
import { TrellisError } from '../../errors.js'
import { errorInfo, isTransient, type ErrorInfo } from '../show/error-info.js'
import { parseMetricsFile, parseParamsFile, type Parsed } from './parsed-files.js'
import { loadRevPipeline, type RevPipeline } from './rev-pipeline.js'
import type { RevSource } from './rev-source.js'

export interface FileEntry {
  data?: unknown
  error?: ErrorInfo
}

export interface RevData {
  /** Whole params files, DVC-root-relative path → content. */
  params: Record<string, FileEntry>
  /** Params files stages depend on → the keys they depend on (null: the whole file). */
  paramDeps: Record<string, string[] | null>
  /** Values interpolated from vars files: file → dotted key → value. */
  vars: Record<string, Record<string, unknown>>
  /** Metrics files, DVC-root-relative path → content. */
  metrics: Record<string, FileEntry>
  /** Why (part of) the pipeline could not be loaded. */
  error?: ErrorInfo
}

export interface CollectRevDataOptions {
  /** Absolute DVC root. */
  root: string
  parsing?: ParsingConfig
  /** Absolute DVC cache directory (cached metrics of commits are read from there). */
  cacheDir?: string
}

export interface CollectedRevData {
  data: RevData
  /** Something may read differently next time (git trouble, a cache object not pulled yet): do not cache. */
  transient: boolean
}

export async function collectRevData(source: RevSource, options: CollectRevDataOptions): Promise<CollectedRevData> {
  const pipeline = await loadRevPipeline(source, options)
  const state = { transient: pipeline.transient }
  const data: RevData = {
    params: await readParams(source, pipeline, state),
    paramDeps: paramDeps(pipeline.stages),
    vars: trackedVars(pipeline),
    metrics: await readMetrics(source, pipeline, options, state),
  }
  if (pipeline.errors.length > 0) {
    const [first] = pipeline.errors
    data.error = pipeline.errors.length === 1 ? first.error : { type: first.error.type, msg: pipeline.errors.map((e) => e.error.msg).join('\n') }
  }
  return { data, transient: state.transient }
}

// ---------------------------------------------------------------------------------------
// Params

function paramsFiles(source: RevSource, pipeline: RevPipeline): string[] {
  const files = new Set<string>()
  if (source.kind(DEFAULT_PARAMS_FILE) === 'file') files.add(DEFAULT_PARAMS_FILE)
  for (const stage of pipeline.stages) for (const dep of stage.params) files.add(dep.file)
  for (const file of pipeline.files) for (const path of file.params) files.add(path)
  return [...files]
}

async function readParams(source: RevSource, pipeline: RevPipeline, state: { transient: boolean }): Promise<Record<string, FileEntry>> {
  const out: Record<string, FileEntry> = {}
  for (const path of paramsFiles(source, pipeline)) {
    const kind = source.kind(path)
    if (kind === null) continue
    if (kind === 'dir') {
      out[path] = { error: errorInfo(new TrellisError('PARAMS_INVALID', `'${path}' is a directory, expected a parameters file`)) }
      continue
    }
    const entry = entryOf(await parseParamsFile(source, path), state)
    if (entry) out[path] = entry
  }
  return out
}

function paramDeps(stages: Stage[]): Record<string, string[] | null> {
  const out: Record<string, string[] | null> = {}
  for (const stage of stages) {
    for (const dep of stage.params) {
      const known = out[dep.file]
      if (dep.keys === null || known === null) out[dep.file] = null
      else out[dep.file] = [...new Set([...(known ?? []), ...dep.keys])]
    }
  }
  return out
}

function trackedVars(pipeline: RevPipeline): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const file of pipeline.files) {
    for (const byFile of file.trackedVars.values()) {
      for (const [path, values] of byFile) {
        const target = (out[path] ??= {})
        for (const [key, value] of values) target[key] = value
      }
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------
// Metrics

interface MetricSource {
  path: string
  out?: Out
  stage?: Stage
}

function metricSources(pipeline: RevPipeline): MetricSource[] {
  const found = new Map<string, MetricSource>()
  for (const stage of pipeline.stages) {
    for (const out of stage.outs) if (out.metric && !found.has(out.path)) found.set(out.path, { path: out.path, out, stage })
  }
  for (const file of pipeline.files) for (const path of file.metrics) if (!found.has(path)) found.set(path, { path })
  return [...found.values()]
}

async function readMetrics(
  source: RevSource,
  pipeline: RevPipeline,
  options: CollectRevDataOptions,
  state: { transient: boolean },
): Promise<Record<string, FileEntry>> {
  const out: Record<string, FileEntry> = {}
  const locks = new Map<string, Promise<Map<string, string>>>()
  for (const metric of metricSources(pipeline)) {
    const { path } = metric
    const kind = source.kind(path)
    if (kind === 'file') {
      const entry = entryOf(await parseMetricsFile(source, path), state)
      if (entry) out[path] = entry
    } else if (kind === null && source.rev !== 'workspace' && metric.out?.cache && options.cacheDir) {
      const md5 = await cachedHash(source, metric, locks)
      if (!md5 || md5.endsWith('.dir')) continue
      let bytes: Uint8Array
      try {
        bytes = await readFile(join(options.cacheDir, md5.slice(0, 2), md5.slice(2)))
      } catch {
        state.transient = true // not pulled (yet)
        continue
      }
      try {
        out[path] = { data: parseMetricsBuffer(bytes, path) }
      } catch (error) {
        out[path] = { error: errorInfo(error) }
      }
    }
  }
  return out
}

/** The md5 a revision's dvc.lock (or `.dvc` file) records for a cached metric. */
async function cachedHash(source: RevSource, metric: MetricSource, locks: Map<string, Promise<Map<string, string>>>): Promise<string | undefined> {
  const { out, stage } = metric
  if (!out || !stage) return undefined
  if (stage.kind === 'single') return out.hash?.md5
  const lockPath = lockPathFor(stage.dvcfile)
  let hashes = locks.get(lockPath)
  if (!hashes) {
    hashes = (async () => {
      const map = new Map<string, string>()
      const bytes = await source.read(lockPath).catch(() => null)
      if (!bytes) return map
      try {
        const lock = parseLockfile(new TextDecoder().decode(bytes), lockPath)
        for (const [name, entry] of lock.stages) for (const o of entry.outs ?? []) if (o.md5) map.set(`${name}\0${o.path}`, o.md5)
      } catch {
        // an unreadable lock file: the metric is simply not known
      }
      return map
    })()
    locks.set(lockPath, hashes)
  }
  return (await hashes).get(`${stage.name}\0${out.pathAsWritten}`)
}

/** A parsed file as a RevData entry; a failure that may not recur marks the data transient. */
function entryOf(parsed: Parsed | undefined, state: { transient: boolean }): FileEntry | undefined {
  if (!parsed) return undefined
  if (parsed.error === undefined) return { data: parsed.data }
  if (isTransient(parsed.error)) state.transient = true
  return { error: errorInfo(parsed.error) }
}
