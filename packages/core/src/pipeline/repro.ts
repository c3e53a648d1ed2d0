/**
 * The repro engine: for each planned stage, in DAG order, decide whether it
 * changed; run it (or restore it from the run-cache), cache its outputs and
 * write its dvc.lock entry. `beforeStage`/`afterStage` fire around each stage
 * that does work. Independent stages may run in parallel (`jobs`), and with
 * `keepGoing` a failure only stops the stages downstream of it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { readParamsFile } from '../params/params-file.js'
import { collectLockParams } from '../params/key-path.js'
import { StageFailedError, TrellisError } from '../errors.js'
import type { Project } from '../project.js'
import type { ExperimentRun } from '../plugin-api/experiment-run.js'
import type { StageRunContext, StageRunner } from '../plugin-api/hooks.js'
import type { StageGate } from '../plugin-api/plugin.js'
import type { RunInfo } from '../plugin-api/run-info.js'
import { lockPathFor } from '../dvcfile/lockfile.js'
import { buildInputs, currentOutputs, withOutputs } from './lock-entry.js'
import { checkoutOutputs, commitOutputs, copyOutputsToCache, outputsInCache, prepareOutputs } from './outputs.js'
import { PipelineIndex, dependencyPaths } from './pipeline-index.js'
import { planStages } from './plan.js'
import { RunCache, canSaveRunCache, isHashable, runCacheKey } from './run-cache.js'
import { runCommand } from './run-command.js'
import { hasCheckpointOuts, isChanged, sameCmd, stageStatus } from './stage-status.js'
import { resolveTargets } from './targets.js'
import type { LockEntry, Stage } from './types.js'
import { WorkingSet } from './working-set.js'
import { pyEquals } from '../util/python-json.js'
import { newRunInfo } from './run-lifecycle.js'

export interface ReproOptions {
  targets?: string[]
  force?: boolean
  singleItem?: boolean
  pipeline?: boolean
  allPipelines?: boolean
  recursive?: boolean
  downstream?: boolean
  forceDownstream?: boolean
  dry?: boolean
  noCommit?: boolean
  noRunCache?: boolean
  allowMissing?: boolean
  /** Run what does not depend on a failed stage. */
  keepGoing?: boolean
  /** Independent stages run at once (default 1). */
  jobs?: number
  /** Progress lines (`Running stage 'x':`, `> cmd`, skips). */
  log?: (line: string) => void
  /** Progress of directory hashing: files hashed of files queued, told per batch (`Hasher`'s `onProgress`). */
  onHashProgress?: (done: number, total: number) => void
  /** Progress of each directory output restored from the cache: files linked of its total. */
  onCheckoutProgress?: (done: number, total: number) => void
  /** Extra environment for stage commands (experiments add DVC_EXP_*). */
  env?: Record<string, string>
  /** Checkpoint stages are only allowed under `exp run`. */
  allowCheckpoints?: boolean
  /** The experiment this reproduction belongs to (`exp run`): told every lock entry written, handed to `runStage` decorators. */
  experiment?: ExperimentRun
  /** Where stage commands' output goes: the terminal (default) or a file descriptor (a queued run's log). */
  stdio?: 'inherit' | number
  /**
   * Runs that share a run-cache pass the same gate: before a stage that the
   * run-cache could hold is run, the gate is taken for its run-cache key, so
   * an identical stage running elsewhere (another queued experiment) is
   * waited for and then restored from the run-cache instead of run twice.
   */
  stageGate?: StageGate
  /** The run this reproduction belongs to (events carry it); a `repro` run of its own when absent. */
  run?: RunInfo
}


export type StageOutcome = 'ran' | 'restored' | 'verified' | 'unchanged' | 'dry'

export interface ReproResult {
  /** Every planned stage with what happened to it, in plan order. */
  outcomes: Map<Stage, StageOutcome>
  /** Lock entries written this run. */
  entries: Map<Stage, LockEntry>
  failed: Array<{ stage: Stage; error: TrellisError }>
  /** Not attempted because something upstream failed (keep-going). */
  skipped: Stage[]
}

export async function reproduce(project: Project, options: ReproOptions = {}): Promise<ReproResult> {
  const index = await PipelineIndex.load(project.root)
  const targets = resolveTargets(index, project.cwd, options.targets ?? [], { recursive: options.recursive })
  const plan = planStages(index, targets, options)
  if (!options.allowCheckpoints) refuseCheckpointStages(plan)
  await checkInputsExist(project, index, plan, options)
  const ws = await WorkingSet.openFor(project, options.log, { onHashProgress: options.onHashProgress, onCheckoutProgress: options.onCheckoutProgress })
  try {
    checkWritablePaths(ws, plan)
    const run = options.run ?? newRunInfo({ kind: 'repro', projectRoot: project.root, workspaceRoot: project.root })
    return await new Run(project, index, ws, plan, options, run).execute()
  } finally {
    await ws.close()
  }
}

/** The stages a reproduction with these options would visit, in order (nothing is checked or run). */
export async function plannedStages(project: Project, options: ReproOptions = {}): Promise<Stage[]> {
  const index = await PipelineIndex.load(project.root)
  const targets = resolveTargets(index, project.cwd, options.targets ?? [], { recursive: options.recursive })
  return planStages(index, targets, options)
}

/** `repro` does not run checkpoint stages (DVC neither): they need an experiment to commit checkpoints to. */
function refuseCheckpointStages(plan: Stage[]): void {
  const stage = plan.find((s) => hasCheckpointOuts(s) && !s.frozen && s.kind === 'pipeline')
  if (!stage) return
  const outs = stage.outs.filter((o) => o.checkpoint).map((o) => o.pathAsWritten)
  throw new TrellisError('CHECKPOINT_IN_REPRO', `Checkpoint stages are not supported in 'trellis repro': stage '${stage.address}' has checkpoint output${outs.length > 1 ? 's' : ''} ${outs.join(', ')}`, {
    hint: `Checkpoint stages must be reproduced with 'trellis exp run' (each checkpoint is a commit of the experiment; see 'trellis exp run --help').`,
  })
}

/**
 * Before anything runs: every path the plan may write (outputs, removed before their stage
 * runs; the `.gitignore` beside each cached output; lock and `.dvc` files) is one the work
 * tree's guard lets Trellis write. Each write checks again (a stage's command may have made
 * a symlink since); this check only makes sure nothing starts when a path is refused.
 */
function checkWritablePaths(ws: WorkingSet, plan: Stage[]): void {
  for (const stage of plan) {
    const where = `${stage.dvcfile}${stage.line ? `:${stage.line}` : ''}`
    for (const out of stage.outs) {
      ws.guard.check(out.path, { source: `output of stage '${stage.address}', ${where}` })
      if (out.cache) {
        const slash = out.path.lastIndexOf('/')
        ws.guard.check(slash < 0 ? '.gitignore' : `${out.path.slice(0, slash)}/.gitignore`, { final: 'follow', source: `the .gitignore of output '${out.path}'` })
      }
    }
    ws.guard.check(stage.kind === 'single' ? stage.dvcfile : lockPathFor(stage.dvcfile), { final: 'follow', source: `the lock of stage '${stage.address}'` })
  }
  ws.guard.assertSafe()
}

/** Before anything runs: every dep exists or is produced by some stage; params files and keys exist. */
async function checkInputsExist(project: Project, index: PipelineIndex, plan: Stage[], options: ReproOptions): Promise<void> {
  if (options.allowMissing) return
  const exists = (p: string) => existsSync(join(project.root, p))
  for (const stage of plan) {
    if (stage.frozen || stage.kind === 'single') continue
    for (const dep of stage.params) {
      if (!dep.keys || !exists(dep.file) || index.producersOf(dep.file).length > 0) continue
      try {
        collectLockParams(dep, await readParamsFile(join(project.root, dep.file), dep.file))
      } catch (error) {
        if (!(error instanceof TrellisError)) throw error
        const where = `${stage.dvcfile}${stage.line ? `:${stage.line}` : ''}`
        throw new TrellisError(error.code, `${error.message.replace(/\.$/, '')} (params of stage '${stage.address}', ${where})`, { hint: error.hint })
      }
    }
    for (const path of dependencyPaths(stage)) {
      if (exists(path) || index.producersOf(path).length > 0) continue
      const isParams = stage.params.some((p) => p.file === path) && !stage.deps.some((d) => d.path === path)
      throw new TrellisError(isParams ? 'PARAMS_INVALID' : 'MISSING_DEPENDENCY', isParams
        ? `params file '${path}' of stage '${stage.address}' (${stage.dvcfile}${stage.line ? `:${stage.line}` : ''}) does not exist`
        : `dependency '${path}' of stage '${stage.address}' (${stage.dvcfile}${stage.line ? `:${stage.line}` : ''}) does not exist and no stage produces it`, {
        hint: isParams ? `Create ${path} with the keys the stage reads.` : `Create ${path}, fix the path in ${stage.dvcfile}, or add a stage that outputs it.`,
      })
    }
  }
}

class Run {
  private readonly outcomes = new Map<Stage, StageOutcome>()
  private readonly entries = new Map<Stage, LockEntry>()
  private readonly failed: Array<{ stage: Stage; error: TrellisError }> = []
  private readonly skipped: Stage[] = []
  private forceRest = false
  private readonly runCache: RunCache

  constructor(
    private readonly project: Project,
    private readonly index: PipelineIndex,
    private readonly ws: WorkingSet,
    private readonly plan: Stage[],
    private readonly options: ReproOptions,
    private readonly run: RunInfo,
  ) {
    this.runCache = new RunCache(project.dvcConfig.cacheDir)
  }

  private log(line: string): void {
    this.options.log?.(line)
  }

  async execute(): Promise<ReproResult> {
    const jobs = Math.max(1, this.options.jobs ?? 1)
    const inPlan = new Set(this.plan)
    const upstream = (s: Stage) => (s.frozen ? [] : this.index.dependenciesOf(s).filter((u) => inPlan.has(u)))
    const finished = new Set<Stage>()
    const bad = new Set<Stage>()
    const running = new Map<Stage, Promise<void>>()
    const pending = [...this.plan]
    let stop = false

    while (pending.length || running.size) {
      for (let i = 0; i < pending.length && running.size < jobs && !stop; ) {
        const stage = pending[i]
        const ups = upstream(stage)
        if (ups.some((u) => bad.has(u))) {
          pending.splice(i, 1)
          bad.add(stage)
          this.skipped.push(stage)
          continue
        }
        if (!ups.every((u) => finished.has(u))) {
          i++
          continue
        }
        pending.splice(i, 1)
        const task = this.reproduceStage(stage).then(
          () => {
            finished.add(stage)
          },
          async (error: unknown) => {
            bad.add(stage)
            const wrapped = wrap(stage, error)
            this.failed.push({ stage, error: wrapped })
            if (!this.options.keepGoing || wrapped.code === 'INTERRUPTED') stop = true
            await this.project.hooks.stageFailed.promise({ stage, root: this.project.root, run: this.run, error: wrapped })
          },
        )
        running.set(stage, task.finally(() => running.delete(stage)))
      }
      if (stop && running.size === 0) break
      if (running.size === 0 && pending.length) {
        // Nothing runnable is left (everything remaining waits on a failed stage).
        for (const s of pending.splice(0)) this.skipped.push(s)
        break
      }
      if (running.size) await Promise.race(running.values())
    }
    return { outcomes: this.outcomes, entries: this.entries, failed: this.failed, skipped: this.skipped }
  }

  private async reproduceStage(stage: Stage): Promise<void> {
    const { ws, options } = this
    const lock = await ws.lockEntry(stage)
    const forced = options.force || this.forceRest
    if (!forced) {
      const status = await stageStatus(ws, stage, lock, { firstOnly: true, allowMissing: options.allowMissing })
      if (!isChanged(status)) {
        this.log(`Stage '${stage.address}' didn't change, skipping`)
        this.outcomes.set(stage, 'unchanged')
        return
      }
    }
    if (stage.frozen || stage.kind === 'single' || stage.cmd === undefined) return this.verify(stage)
    if (options.dry) {
      this.log(`Running stage '${stage.address}':`)
      for (const line of [stage.cmd].flat()) this.log(`> ${line}`)
      this.outcomes.set(stage, 'dry')
      return
    }
    if (options.forceDownstream) this.forceRest = true

    const event = { stage, root: this.project.root, run: this.run }
    await this.project.hooks.beforeStage.promise(event)
    const inputs = await buildInputs(ws, stage)
    await prepareOutputs(ws, stage)

    let entry: LockEntry | undefined
    if (!options.force) entry = await this.restore(stage, lock, inputs)
    let outcome: StageOutcome = 'restored'
    let release: (() => void) | undefined
    try {
      const saveRunCache = canSaveRunCache(stage, !!options.noCommit)
      if (!entry && options.stageGate && saveRunCache && !options.force && !options.noRunCache) {
        // The same stage may be running for another experiment: wait for it, then try the run-cache again.
        release = await options.stageGate.acquire(runCacheKey({ ...inputs, outs: stage.outs.map((o) => ({ path: o.pathAsWritten })) }))
        entry = await this.restore(stage, lock, inputs)
      }
      if (!entry) {
        this.log(`Running stage '${stage.address}':`)
        await this.runStageCommand(stage, inputs)
        for (const out of stage.outs) ws.rewritten(out.path)
        entry = await withOutputs(ws, stage, inputs)
        if (!options.noCommit) await commitOutputs(ws, stage, entry.outs ?? [], saveRunCache)
        if (saveRunCache) await this.runCache.save(entry)
        outcome = 'ran'
      }
    } finally {
      release?.()
    }
    await ws.writeLock(stage, entry)
    this.entries.set(stage, entry)
    options.experiment?.record(stage, entry)
    this.outcomes.set(stage, outcome)
    await this.project.hooks.afterStage.promise({ ...event, result: outcome === 'ran' ? 'ran' : 'restored', lock: entry })
  }

  /** The command, through the `runStage` decorators (the checkpoints plugin watches for signals there). */
  private async runStageCommand(stage: Stage, inputs: LockEntry): Promise<void> {
    const { ws, options } = this
    const base: StageRunner = (invocation) =>
      runCommand(stage.cmd!, {
        cwd: join(this.project.root, stage.wdir),
        env: invocation.env,
        echo: (line) => this.log(line),
        signal: invocation.signal,
        onSpawn: invocation.onSpawn,
        stdio: options.stdio,
      })
    let active = true
    let saving: Promise<unknown> = Promise.resolve()
    const context: StageRunContext = {
      stage,
      root: this.project.root,
      run: this.run,
      experiment: options.experiment,
      log: (line) => this.log(line),
      save: () => {
        if (!active) return Promise.reject(new Error(`save() called after stage '${stage.address}' finished running`))
        const next = saving.then(async () => {
          for (const out of stage.outs) ws.rewritten(out.path)
          const entry = await currentOutputs(ws, stage, inputs)
          if (!options.noCommit) await copyOutputsToCache(ws, stage, entry.outs ?? [])
          await ws.writeLock(stage, entry)
          this.entries.set(stage, entry)
          options.experiment?.record(stage, entry)
          return entry
        })
        saving = next.catch(() => undefined)
        return next
      },
    }
    const runner = this.project.hooks.runStage.call(base, context)
    try {
      await runner({ env: { DVC_ROOT: this.project.root, ...options.env } })
    } finally {
      active = false
      await saving
    }
  }

  /** The lock entry itself when only outputs changed, else the run-cache (§c.6). */
  private async restore(stage: Stage, lock: LockEntry | undefined, inputs: LockEntry): Promise<LockEntry | undefined> {
    if (!isHashable(stage)) return undefined
    const candidates: LockEntry[] = []
    if (lock && sameInputs(lock, inputs) && lock.outs?.every((o) => o.md5)) candidates.push(lock)
    if (!this.options.noRunCache) candidates.push(...(await this.runCache.lookup(inputs, stage)))
    for (const candidate of candidates) {
      if (!(await outputsInCache(this.ws, stage, candidate.outs ?? []))) continue
      this.log(`Stage '${stage.address}' is cached - skipping run, checking out outputs`)
      await checkoutOutputs(this.ws, stage, candidate.outs!)
      return { ...inputs, outs: candidate.outs }
    }
    return undefined
  }

  /** Frozen stages and data sources: outputs must exist; re-hash, re-cache, rewrite the record. */
  private async verify(stage: Stage): Promise<void> {
    const missing = []
    for (const out of stage.outs) if (!(await this.ws.exists(out.path))) missing.push(out.pathAsWritten)
    if (missing.length) {
      throw new TrellisError('MISSING_DEPENDENCY', `missing data '${missing.length > 1 ? 'sources' : 'source'}': ${missing.join(', ')}`, {
        hint: `Restore ${missing.join(', ')} (e.g. from the cache or a remote), or unfreeze the stage.`,
      })
    }
    if (this.options.dry) {
      this.outcomes.set(stage, 'dry')
      return
    }
    this.log(stage.kind === 'single' ? `Verifying data sources in stage: '${stage.address}'` : `Verifying outputs in frozen stage: '${stage.address}'`)
    const event = { stage, root: this.project.root, run: this.run }
    await this.project.hooks.beforeStage.promise(event)
    const lock = await this.ws.lockEntry(stage)
    const entry = await withOutputs(this.ws, stage, { ...(lock ?? { cmd: stage.cmd ?? '' }), outs: undefined })
    if (!this.options.noCommit) await commitOutputs(this.ws, stage, entry.outs ?? [], false)
    await this.ws.writeLock(stage, entry)
    this.entries.set(stage, entry)
    this.options.experiment?.record(stage, entry)
    this.outcomes.set(stage, 'verified')
    await this.project.hooks.afterStage.promise({ ...event, result: 'verified', lock: entry })
  }
}

function sameInputs(lock: LockEntry, inputs: LockEntry): boolean {
  if (!sameCmd(lock.cmd, inputs.cmd)) return false
  const deps = (e: LockEntry) => JSON.stringify((e.deps ?? []).map((d) => [d.path, d.md5]))
  return deps(lock) === deps(inputs) && pyEquals(lock.params ?? {}, inputs.params ?? {})
}

function wrap(stage: Stage, error: unknown): TrellisError {
  if (error instanceof TrellisError && (error.code === 'INTERRUPTED' || error instanceof StageFailedError)) return error
  if (error instanceof TrellisError || error instanceof Error) return new StageFailedError(stage.address, error)
  return new StageFailedError(stage.address, new Error(String(error)))
}
