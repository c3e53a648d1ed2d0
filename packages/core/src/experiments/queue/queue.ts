/**
 * The experiment queue, as core sees it: `exp run --queue` makes the entry's
 * commit here (baseline + the workspace's tracked changes + the `-S` edits,
 * computed in memory: the workspace is not written) and hands it to the
 * `queue` service, which stores entries durably and hands them to runners
 * (core's queue runner, queue-runner.ts: `--run-all -j N`, `--temp`, workers).
 * The built-in backend is `@trellis/plugin-queue` (DVC's `refs/exps/stash`
 * reflog plus a record per entry); another backend (a distributed one)
 * implements {@link QueueBackend}.
 *
 * Entry commits are DVC's: parent = baseline, tree = the tracked files as
 * they were queued with the params edits, plus `.dvc/tmp/repro.dat` (the
 * repro arguments as a Python pickle, so DVC can run the entry too; it is
 * deleted before the run and never reaches the experiment), commit message
 * `dvc-exp:<rev>:<baseline>:<name>[:<branch>]`.
 *
 * Checkpoints (DVC §4.1): queueing a pipeline with checkpoint stages without
 * `--rev` starts its experiment over (`reset`; the last checkpoint is
 * forgotten at once). With
 * `--rev X` the entry's parent is the checkpoint X (`rev`), and whether it
 * continues X's experiment or forks a new one from X is decided when it is
 * queued, as DVC does: the entry's inputs (tracked files with the `-S` edits)
 * the same as X's and X the tip of its experiment → `branch` names that
 * experiment's ref; different → no branch (a new experiment from X). The run
 * restores X's dvc.lock and outputs in its temporary workspace
 * (`runExperiment` with `resumeFrom`).
 */
import { relative } from 'node:path'
import { TrellisError } from '../../errors.js'
import { DEFAULT_PARAMS_FILE } from '../../dvcfile/resolver.js'
import { paramsFormatOf, parseParamsText } from '../../params/params-file.js'
import { PipelineIndex, dependencyPaths } from '../../pipeline/pipeline-index.js'
import { planStages } from '../../pipeline/plan.js'
import { plannedStages, type ReproOptions } from '../../pipeline/repro.js'
import { resolveTargets } from '../../pipeline/targets.js'
import type { Project } from '../../project.js'
import { pickle, type PickleValue } from '../../util/pickle.js'
import type { ExpEntry } from '../show/show-data.js'
import type { CheckpointOrigin } from '../../plugin-api/checkpoints.js'
import { refsContaining } from '../run/checkpoint-chain.js'
import { resolveCheckpointRev } from '../run/checkpoint-origin.js'
import { checkpointInputsDiffer, checkpointStages } from '../run/checkpoint-outputs.js'
import { checkpointSupport, requireCheckpointSupport } from '../run/checkpoint-support.js'
import { resetCheckpoints } from '../run/last-checkpoint.js'
import { checkExpRun, experimentStore, gitRepository, runExperiment, type ExpRunOptions, type ExpRunResult, type QueuedRunContext } from '../run/exp-run.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository, SnapshotFile } from '../../plugin-api/git-repository.js'
import { parseExpRef, validateExpName } from '../refs/exp-ref.js'
import { localIsoTime } from '../show/exp-show.js'
import { parseOverrides, planOverrides, type Override, type OverridePlan } from '../../params/param-overrides.js'
import type { QueuedEntry, QueuedExperiments } from './queued-experiments.js'
import type {
  NewQueueEntry,
  QueueBackend,
  QueueEntry,
  QueueEvent,
  QueueRequest,
  QueuedReproFlags,
  RunQueueResult,
} from '../../plugin-api/queue-backend.js'
import { runQueue } from './queue-runner.js'

export async function queueBackend(project: Project): Promise<QueueBackend> {
  return project.services.get('queue')
}

/** DVC's stash message `dvc-exp:<rev>:<baseline>:<name>[:<branch>]` (the reflog adds `commit: `). */
export function dvcExpMessage(rev: string, baseline: string, name?: string, branch?: string): string {
  return `dvc-exp:${rev}:${baseline}:${name ?? ''}${branch ? `:${branch}` : ''}`
}

/** Parse `[commit: ]dvc-exp:<rev>:<baseline>:<name>[:<branch>]`; undefined when it is not one. */
export function parseDvcExpMessage(message: string): { rev: string; baseline: string; name?: string; branch?: string } | undefined {
  const m = /^(?:commit: )?dvc-exp:([0-9a-f]{40}):([0-9a-f]{40}):([^:]*)(?::(.+))?$/.exec(message.trim())
  if (!m) return undefined
  return { rev: m[1], baseline: m[2], name: m[3] || undefined, branch: m[4] }
}

export interface QueueExperimentOptions extends ExpRunOptions {
  /** The transient entry of a `--temp` run. */
  temp?: boolean
  /** `--rev`: continue from this checkpoint (a sha, experiment name or ref; see `resolveCheckpointRev`). */
  rev?: string
}

export interface QueueExperimentResult {
  entry: QueueEntry
  warnings: string[]
}

/** One entry of a batch (`queueExperiments`): its `-S`, its name, its sweep. */
export interface QueueVariant {
  /** `-S` arguments as recorded in the request (a sweep's combination: concrete values). */
  setParams: string[]
  /** Overrides already parsed from `setParams` (default: parsed here). */
  overrides?: Override[]
  /** Their edits, already planned (default: planned here, under the lock). */
  plan?: OverridePlan
  /** `-n` name (default: none, the name comes from the results). */
  name?: string
  /** The sweep the entry belongs to. */
  sweep?: string
}

/**
 * `exp run --queue`: check the name, plan the `-S` edits on the params files'
 * current text, commit baseline + tracked changes + edits (nothing in the
 * workspace is written), and record the entry. Warns about stage dependencies
 * git does not track (a temporary workspace will not have them). With `reset`
 * the last checkpoint is forgotten now; with `rev`, continue or fork is decided
 * now (see the module comment).
 */
export async function queueExperiment(project: Project, options: QueueExperimentOptions = {}): Promise<QueueExperimentResult> {
  const { entries, warnings } = await queueExperiments(project, options, [{ setParams: options.setParams ?? [], name: options.name }])
  return { entry: entries[0], warnings }
}

/**
 * Queue several entries at once (a sweep): everything is checked — names, every
 * variant's `-S` edits — before the first entry is recorded, under one project
 * lock, with the pipeline loaded once. `options.setParams` and `options.name`
 * are ignored (each variant has its own).
 */
export async function queueExperiments(
  project: Project,
  options: QueueExperimentOptions,
  variants: QueueVariant[],
): Promise<{ entries: QueueEntry[]; warnings: string[] }> {
  const store = await gitRepository(project)
  const experiments = await experimentStore(project)
  const queue = await queueBackend(project)
  const single = variants.length === 1 ? variants[0] : undefined
  if (options.rev !== undefined && !single) {
    throw new TrellisError('INVALID_ARGUMENT', '--rev continues one checkpoint: it does not combine with a sweep', {
      hint: 'Queue the sweep without --rev (checkpoint stages then start over), or queue single experiments with --rev.',
    })
  }
  // a resumed experiment's name is checked once it is known whether it continues one (its name is kept then)
  const baseline = await checkExpRun(store, experiments, options.rev === undefined ? single?.name : undefined, !!options.force)
  const names = new Set<string>()
  for (const variant of variants) {
    if (variant.name === undefined) continue
    validateExpName(variant.name)
    if (names.has(variant.name)) throw new TrellisError('EXP_EXISTS', `Two queued experiments would be named '${variant.name}'`, { hint: 'Give each a different name.' })
    names.add(variant.name)
    if (!single) await checkExpRun(store, experiments, variant.name, !!options.force)
  }
  const cwdRel = relative(project.root, project.cwd)
  const overridesOf = variants.map((v) => v.overrides ?? parseOverrides(v.setParams, cwdRel))
  const toGit = (p: string) => relative(project.gitRoot, `${project.root}/${p}`).split('\\').join('/')
  const warnings: string[] = []
  const lock = await project.lock(`trellis exp run --${options.temp ? 'temp' : 'queue'}`, options.lockOptions)
  try {
    const origin =
      options.rev === undefined ? undefined : await resolveCheckpointRev(store, experiments, options.rev, { head: baseline, hasParams: overridesOf[0].length > 0 })
    const existing = await queue.list()
    for (const variant of variants) {
      const clash = variant.name !== undefined && !options.force && !origin && existing.find((e) => e.baseline === baseline && e.name === variant.name && e.state !== 'success')
      if (clash) {
        throw new TrellisError('EXP_EXISTS', `Experiment conflicts with queued experiment '${variant.name}' (${clash.id.slice(0, 7)})`, {
          hint: `Remove it first (trellis queue remove ${clash.id.slice(0, 7)}), use -f, or choose another name with -n.`,
        })
      }
    }
    // every variant's edits are planned (files, keys, types) before anything is recorded
    const plans: OverridePlan[] = []
    for (const [i, overrides] of overridesOf.entries()) {
      const plan = variants[i].plan ?? (overrides.length ? await planOverrides(project.root, overrides) : { files: [], warnings: [] })
      for (const w of plan.warnings) if (!warnings.includes(w)) warnings.push(w)
      plans.push(plan)
    }
    const index = await PipelineIndex.load(project.root)
    const targets = resolveTargets(index, project.cwd, options.targets ?? [], { recursive: options.recursive })
    const stages = planStages(index, targets, options)
    requireCheckpointSupport(project, checkpointStages(stages))
    const common: Omit<QueueRequest, 'setParams'> = {
      targets: options.targets ?? [],
      cwd: relative(project.gitRoot, project.cwd).split('\\').join('/'),
      force: !!options.force,
      repro: pickFlags(options),
    }
    if (options.reset && checkpointStages(stages).length > 0) {
      // DVC forgets the last checkpoint when it queues; a pipeline without checkpoint stages keeps its EXEC refs (exp apply uses EXEC_APPLY)
      common.reset = true
      await resetCheckpoints(experiments)
    }
    const paramsFiles = new Set<string>([DEFAULT_PARAMS_FILE])
    for (const stage of index.stages) for (const p of stage.params) paramsFiles.add(p.file)
    for (const p of index.topLevelParams) paramsFiles.add(p)
    for (const plan of plans) for (const f of plan.files) paramsFiles.add(f.file)
    const known = new Set(existing.map((e) => e.id))
    const fresh: NewQueueEntry[] = []
    const entries: QueueEntry[] = []
    // a batch reads the workspace once: each entry is that snapshot's tree plus its own edits
    const base = origin || single ? undefined : await store.snapshot({ parent: baseline, message: 'trellis: queued workspace' })
    for (const [i, variant] of variants.entries()) {
      const request: QueueRequest = { ...common, setParams: variant.setParams }
      const overlay: SnapshotFile[] = plans[i].files
        .filter((f) => f.changed)
        .map((f) => ({ path: toGit(f.file), content: f.after, mode: f.mode & 0o100 ? 0o100755 : 0o100644 }))
      const parent = origin?.rev ?? baseline
      let branch: string | undefined
      if (origin) {
        const probe = await store.snapshot({ parent, message: 'trellis: queued inputs', overlay })
        const dirty = await checkpointInputsDiffer(project, store, origin.rev, probe)
        const decision = (await checkpointSupport(project)).decideResume(origin, { dirty, branchTip: origin.branch ? await experiments.read(origin.branch) : null, name: variant.name })
        if (!options.temp) options.log?.(decision.notice) // (a --temp run says it when it starts)
        if (decision.mode === 'continue') {
          branch = decision.ref
          if (decision.warning) warnings.push(decision.warning)
        } else if (variant.name !== undefined && !options.force) {
          await checkExpRun(store, experiments, variant.name, false)
        }
      }
      const message = dvcExpMessage(parent, baseline, branch ? undefined : variant.name, branch)
      let id = ''
      for (let extra = 0; extra < 100; extra++) {
        const reproDat = { path: toGit('.dvc/tmp/repro.dat'), content: reproArgsPickle(request, extra) }
        id = await store.snapshot({ parent, message, overlay: [...overlay, reproDat], base })
        if (!known.has(id)) break // the same content queued within the same second gets a counter
      }
      known.add(id)
      if (i === 0) {
        // the same pipeline for every variant: untracked dependencies are reported once
        for (const stage of stages) {
          if (stage.frozen) continue
          for (const path of dependencyPaths(stage)) {
            if (index.producersOf(path).length > 0) continue
            if ((await store.pathType(id, toGit(path))) === null) {
              warnings.push(
                `stage '${stage.address}' depends on '${path}', which git does not track: the queued run will not have it and will fail (git add it, then queue again)`,
              )
            }
          }
        }
      }
      const entry: NewQueueEntry = {
        id,
        name: branch ? parseExpRef(branch)?.name : variant.name,
        baseline,
        rev: parent,
        branch,
        request,
        paramsFiles: [...paramsFiles].map(toGit),
        temp: options.temp,
      }
      if (variant.sweep) entry.sweep = variant.sweep
      fresh.push(entry)
    }
    // recorded only once every entry's commit is made
    if (queue.enqueueAll && fresh.length > 1) entries.push(...(await queue.enqueueAll(fresh)))
    else for (const entry of fresh) entries.push(await queue.enqueue(entry))
    for (const entry of entries) await project.hooks.queueEntryChanged.promise({ projectRoot: project.root, state: 'queued', entry, reason: 'new' })
    return { entries, warnings }
  } finally {
    await lock.release()
  }
}

function pickFlags(options: ReproOptions): QueuedReproFlags {
  const flags: QueuedReproFlags = {}
  for (const key of ['force', 'singleItem', 'pipeline', 'allPipelines', 'recursive', 'downstream', 'forceDownstream', 'noRunCache', 'allowMissing', 'keepGoing'] as const) {
    if (options[key]) flags[key] = true
  }
  return flags
}

/** DVC's `repro.dat`: `{"args": (), "kwargs": {...}}` with DVC's keyword names. */
function reproArgsPickle(request: QueueRequest, extra: number): Buffer {
  const names: Record<keyof QueuedReproFlags, string> = {
    force: 'force',
    singleItem: 'single_item',
    pipeline: 'pipeline',
    allPipelines: 'all_pipelines',
    recursive: 'recursive',
    downstream: 'downstream',
    forceDownstream: 'force_downstream',
    noRunCache: 'run_cache',
    allowMissing: 'allow_missing',
    keepGoing: 'keep_going',
  }
  const kwargs: Record<string, PickleValue> = { targets: request.targets }
  for (const [key, value] of Object.entries(request.repro) as Array<[keyof QueuedReproFlags, boolean]>) {
    if (key === 'keepGoing' || key === 'allowMissing') continue // not DVC 2.8 repro arguments
    if (value) kwargs[names[key]] = key === 'noRunCache' ? false : true
  }
  if (extra > 0) kwargs.extra = extra
  return pickle({ args: { tuple: [] }, kwargs })
}

// ---- reading and removing entries ------------------------------------------

export async function listQueue(project: Project): Promise<QueueEntry[]> {
  return (await queueBackend(project)).list()
}

/**
 * The entry `ref` names: its full id, a unique id prefix (4+ hex), or its name
 * (an entry of the current baseline preferred). Undefined when none matches.
 */
export async function findQueueEntry(project: Project, ref: string, entries?: QueueEntry[]): Promise<QueueEntry | undefined> {
  const all = entries ?? (await listQueue(project))
  const lower = ref.toLowerCase()
  if (/^[0-9a-f]{4,40}$/.test(lower)) {
    const byId = all.filter((e) => e.id.startsWith(lower))
    if (byId.length === 1) return byId[0]
    if (byId.length > 1) {
      throw new TrellisError('EXP_AMBIGUOUS', `'${ref}' matches several queued experiments: ${byId.map((e) => e.id.slice(0, 12)).join(', ')}`, {
        hint: 'Give more digits of the id.',
      })
    }
  }
  const byName = all.filter((e) => e.name === ref)
  if (byName.length <= 1) return byName[0]
  const head = await (await gitRepository(project)).head()
  const onHead = byName.filter((e) => e.baseline === head)
  if (onHead.length === 1) return onHead[0]
  throw new TrellisError('EXP_AMBIGUOUS', `'${ref}' names several queued experiments: ${byName.map((e) => e.id.slice(0, 7)).join(', ')}`, {
    hint: 'Use the id (trellis queue status lists them).',
  })
}

/** Remove entries named by id, id prefix or name; nothing is removed unless all resolve. Returns the removed entries. */
export async function removeQueueEntries(project: Project, refs: string[]): Promise<QueueEntry[]> {
  const queue = await queueBackend(project)
  const entries = await queue.list()
  const found: QueueEntry[] = []
  const missing: string[] = []
  for (const ref of refs) {
    const entry = await findQueueEntry(project, ref, entries)
    if (entry) found.push(entry)
    else missing.push(ref)
  }
  if (missing.length) {
    throw new TrellisError('EXP_NOT_FOUND', `'${missing.join(', ')}' ${missing.length > 1 ? 'are not queued experiments' : 'is not a queued experiment'}`, {
      hint: 'List the queue with `trellis queue status`.',
    })
  }
  const unique = [...new Map(found.map((e) => [e.id, e])).values()]
  await removeEntries(project, queue, unique)
  return unique
}

/** Remove entries from the backend, then tell the bus (`queueEntryChanged`, state `removed`). */
async function removeEntries(project: Project, queue: QueueBackend, entries: QueueEntry[]): Promise<void> {
  await queue.remove(entries.map((e) => e.id))
  for (const entry of entries) await project.hooks.queueEntryChanged.promise({ projectRoot: project.root, state: 'removed', entry })
}

/** `exp remove --queue`: forget every entry that is not running. Returns how many were removed. */
export async function clearQueue(project: Project): Promise<number> {
  const queue = await queueBackend(project)
  const entries = (await queue.list()).filter((e) => e.state !== 'running')
  await removeEntries(project, queue, entries)
  return entries.length
}

/** An entry's log (by id, prefix or name). */
export async function queueEntryLog(project: Project, ref: string): Promise<{ entry: QueueEntry; log: string | null }> {
  const entry = await findQueueEntry(project, ref)
  if (!entry) {
    throw new TrellisError('EXP_NOT_FOUND', `'${ref}' is not a queued experiment`, { hint: 'List the queue with `trellis queue status`.' })
  }
  return { entry, log: await (await queueBackend(project)).log(entry.id) }
}

/**
 * `queue logs --follow`: an entry's log as it is, then what is added to it while the entry
 * runs, until it is no longer running (or `signal` aborts). Through the backend's
 * `followLog` when it has one; otherwise `log` is read again every `pollMs`. Returns the
 * entry as it ended (undefined: it was removed meanwhile).
 */
export async function followQueueEntryLog(
  project: Project,
  ref: string,
  onText: (text: string) => void,
  options: { signal?: AbortSignal; pollMs?: number } = {},
): Promise<QueueEntry | undefined> {
  const entry = await findQueueEntry(project, ref)
  if (!entry) {
    throw new TrellisError('EXP_NOT_FOUND', `'${ref}' is not a queued experiment`, { hint: 'List the queue with `trellis queue status`.' })
  }
  const queue = await queueBackend(project)
  const current = async () => (await queue.list()).find((e) => e.id === entry.id)
  if (queue.followLog) {
    await queue.followLog(entry.id, onText, { signal: options.signal })
    return current()
  }
  let printed = 0
  for (;;) {
    // the state first: once it is no longer running, the log read after it is complete
    const now = await current()
    const text = (await queue.log(entry.id)) ?? ''
    if (text.length < printed) printed = 0 // a new run started the log again
    if (text.length > printed) onText(text.slice(printed))
    printed = text.length
    if (now?.state !== 'running' || options.signal?.aborted) return now
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.pollMs ?? 300)
      function done() {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', done)
        resolve()
      }
      options.signal?.addEventListener('abort', done, { once: true })
    })
  }
}

/** The values of an entry's params files (`{file: data}`, paths relative to the git root), read from its commit. */
export async function queueEntryParams(project: Project, entry: QueueEntry): Promise<Record<string, { data?: unknown; error?: { type: string; msg: string } }>> {
  const store = await gitRepository(project)
  const out: Record<string, { data?: unknown; error?: { type: string; msg: string } }> = {}
  for (const file of entry.paramsFiles) {
    const bytes = await store.readFile(entry.id, file)
    if (bytes === null) continue
    try {
      out[file] = { data: parseParamsText(Buffer.from(bytes).toString('utf8'), paramsFormatOf(file), file) }
    } catch (error) {
      out[file] = { error: { type: error instanceof TrellisError ? error.code : 'Error', msg: (error as Error).message } }
    }
  }
  return out
}

/**
 * Rows for `exp show` (`extraRows`): one per entry that is queued, running or
 * failed, keyed by the entry id under its baseline; params from the entry's
 * commit, no metrics. Params file keys are relative to the DVC root.
 */
export async function queueShowRows(project: Project): Promise<Array<{ baseline: string; rev: string; entry: ExpEntry }>> {
  const rows: Array<{ baseline: string; rev: string; entry: ExpEntry }> = []
  for (const entry of await listQueue(project)) {
    if (entry.state === 'success') continue
    const params: Record<string, { data?: unknown; error?: unknown }> = {}
    for (const [file, value] of Object.entries(await queueEntryParams(project, entry))) {
      params[relative(project.root, `${project.gitRoot}/${file}`).split('\\').join('/')] = value
    }
    rows.push({
      baseline: entry.baseline,
      rev: entry.id,
      entry: {
        data: {
          timestamp: entry.created ? localIsoTime(Date.parse(entry.created) / 1000) : null,
          params,
          metrics: {},
          queued: entry.state === 'queued' || entry.state === 'failed',
          running: entry.state === 'running',
          failed: entry.state === 'failed',
          executor: entry.state === 'running' ? 'temp' : null,
          name: entry.name ?? null,
        },
      },
    })
  }
  return rows
}

/** The error `exp run --run-all` ends with, if any: interrupted (130) or some entries failed (255). */
export function queueRunError(result: RunQueueResult): TrellisError | undefined {
  if (result.interrupted) {
    return new TrellisError('INTERRUPTED', `interrupted by ${result.interrupted}: ${result.left.length} experiment(s) left in the queue`, {
      hint: 'Run `trellis exp run --run-all` again to finish them.',
      exitCode: 130,
    })
  }
  if (result.failed.length) {
    const total = result.failed.length + result.succeeded.length
    const list = result.failed.map((e) => `${e.id.slice(0, 7)}${e.name ? ` (${e.name})` : ''}`).join(', ')
    return new TrellisError('STAGE_FAILED', `${result.failed.length} of ${total} queued experiment(s) failed: ${list}`, {
      hint: `Failed entries stay in the queue with their logs: \`trellis queue logs ${result.failed[0].id.slice(0, 7)}\`; remove them with \`trellis queue remove\`.`,
      exitCode: 255,
    })
  }
  return undefined
}

/** The error an `exp run --temp` ends with, if any: interrupted (130) or the experiment failed (255). */
export function tempRunError(run: RunQueueResult): TrellisError | undefined {
  if (run.interrupted) return new TrellisError('INTERRUPTED', `interrupted by ${run.interrupted}`, { exitCode: 130, hint: 'Nothing was stored; your workspace was not touched.' })
  if (run.failed.length) return new TrellisError('STAGE_FAILED', run.failed[0].error ?? 'the experiment failed', { exitCode: 255, hint: 'See the output above.' })
  return undefined
}

/**
 * `exp run --temp`: queue a transient entry and run it at once in a temporary
 * workspace (stage output live), then drop it from the queue whatever happened
 * (as DVC does). The user's workspace is not touched.
 */
export async function runExperimentInTemp(
  project: Project,
  options: QueueExperimentOptions & { onEvent?: (event: QueueEvent) => void },
): Promise<{ entry: QueueEntry; warnings: string[]; run: RunQueueResult }> {
  const { entry, warnings } = await queueExperiment(project, { ...options, temp: true })
  const queue = await queueBackend(project)
  let run: RunQueueResult
  try {
    run = await runQueue(project, { ids: [entry.id], jobs: 1, live: true, onEvent: options.onEvent })
  } finally {
    await removeEntries(project, queue, [entry]).catch(() => undefined)
  }
  return { entry, warnings, run }
}

/**
 * The queue as `exp remove` and `exp gc` manage it (see queued-experiments.ts):
 * the entries waiting to run or that failed. Running entries cannot be removed;
 * the records of finished runs are not queued experiments (their experiments
 * are; `trellis queue remove` drops the records).
 */
export function queuedExperiments(project: Project): QueuedExperiments {
  const pending = async () => (await listQueue(project)).filter((e) => e.state === 'queued' || e.state === 'failed')
  return {
    async list(): Promise<QueuedEntry[]> {
      return (await pending()).map((e) => ({ id: e.id, name: e.name ?? '', baseline: e.baseline }))
    },
    async resolve(names: string[]): Promise<Map<string, string>> {
      const entries = await pending()
      const found = new Map<string, string>()
      for (const name of names) {
        const entry = await findQueueEntry(project, name, entries)
        if (entry) found.set(name, entry.id)
      }
      return found
    },
    async remove(ids: string[]): Promise<void> {
      const wanted = new Set(ids)
      await removeEntries(project, await queueBackend(project), (await listQueue(project)).filter((e) => wanted.has(e.id)))
    },
  }
}

/** The queue, when a plugin provides one (library users may load none). */
export async function optionalQueuedExperiments(project: Project): Promise<QueuedExperiments | undefined> {
  return project.services.has('queue') ? queuedExperiments(project) : undefined
}
