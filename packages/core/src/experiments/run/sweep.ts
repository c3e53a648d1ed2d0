/**
 * Sweeps: `exp run -S 'train.lr=0.1,0.2' -S 'train.epochs=range(10,40,10)'` (grid) or
 * `--sweep random --samples N --seed S` with `interval`/`loguniform`/`randint` (random).
 *
 * 1. `planSweep` parses every `-S` (params/override-grammar.ts), checks each override's key
 *    against its params file (errors name the `-S` text and position), expands the
 *    combinations (params/sweep-expand.ts; more than `maxRuns` is an error), names them
 *    `NAME-1`…`NAME-k` after `-n NAME`, and plans every combination's params edits in memory
 *    (files, keys, types: a TOML null, a Python negative number…). Nothing is written.
 * 2. `queueSweep` queues one entry per combination, all under one project lock and only after
 *    every one was validated (queue.ts `queueExperiments`); each entry records the sweep id.
 * 3. `runSweep` queues the sweep and runs exactly its entries at once, `jobs` at a time, in
 *    temporary workspaces (the workspace is untouched), like `--run-all`.
 *
 * `exp show --sweep <id>` and the summary after a run select the sweep's rows with
 * sweep-show.ts.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, posix, relative, sep } from 'node:path'
import { DEFAULT_PARAMS_FILE } from '../../dvcfile/resolver.js'
import { TrellisError } from '../../errors.js'
import { isMapping } from '../../params/edit-ops.js'
import { formatOverride, formatOverrideValue, hasSweep, overrideError, parseOverrideArg, type ParsedOverride } from '../../params/override-grammar.js'
import { paramsFormatOf, parseParamsText } from '../../params/params-file.js'
import { expandSweep, type Assignment } from '../../params/sweep-expand.js'
import type { Project } from '../../project.js'
import { renderTable } from '../../render/table.js'
import { overridesFromParsed, parseKeyPath, planOverrides, resolveKeyPath, type OverridePlan, type ParamsFileCache } from '../../params/param-overrides.js'
import { queueExperiments, type QueueExperimentOptions, type QueueVariant } from '../queue/queue.js'
import { runQueue } from '../queue/queue-runner.js'
import type { QueueEntry, QueueEvent, RunQueueResult } from '../../plugin-api/queue-backend.js'

export interface SweepOptions extends QueueExperimentOptions {
  /** `--sweep`: grid (default) or random search. */
  mode?: 'grid' | 'random'
  /** `--samples N` (random). */
  samples?: number
  /** `--seed S` (random; default: a new seed, printed so the sweep can be repeated). */
  seed?: string
  /** `--max-runs` (default 100). */
  maxRuns?: number
}

export interface SweepCombination {
  /** `-n NAME` → `NAME-<i>`; undefined: automatic. */
  name?: string
  /** The concrete `-S` of this combination (recorded on its queue entry). */
  setParams: string[]
  /** The swept values, one per column. */
  values: unknown[]
}

export interface SweepPlan {
  /** Recorded on every entry (`exp show --sweep <id>`). */
  id: string
  mode: 'grid' | 'random'
  /** The seed a random sweep used. */
  seed?: string
  /** Swept keys (`key`, or `file:key` outside the default params file), in `-S` order. */
  columns: string[]
  /** The swept keys as dotted paths (`layers[0]` → `layers.0`), for the summary. */
  keys: string[]
  combinations: SweepCombination[]
  /** For `queueSweep`: each combination's parsed and planned edits. */
  variants: QueueVariant[]
}

/** Whether these `-S` hold a sweep (`a=1,2`, `choice(…)`, `range(…)`, …). Throws on a malformed one. */
export function isSweep(setParams: readonly string[] | undefined): boolean {
  return hasSweep([...(setParams ?? [])])
}

const PIPELINE_FILE = /(^|\/)(dvc\.yaml|dvc\.lock)$|\.dvc$/

/** Each override's key checked against its file, with the `-S` text and position in every error. */
async function checkKeys(project: Project, overrides: ParsedOverride[]): Promise<void> {
  const cwd = relative(project.root, project.cwd).split(sep).join('/')
  const contents = new Map<string, unknown>()
  for (const o of overrides) {
    const fileArg = o.file ?? DEFAULT_PARAMS_FILE
    const file = isAbsolute(fileArg) ? relative(project.root, fileArg).split(sep).join('/') : posix.normalize(posix.join(cwd || '.', fileArg))
    if (file === '..' || file.startsWith('../') || isAbsolute(file)) {
      throw overrideError(o.arg, o.offset, `params file '${fileArg}' is outside the repository`, 'Name a params file inside the repository.')
    }
    if (o.sweep && PIPELINE_FILE.test(file)) {
      throw overrideError(o.arg, o.offset, `'${fileArg}' is not a params file: only params can be swept`, "Sweep keys of params files (params.yaml, or name one with -S 'file:key=…').")
    }
    if (!contents.has(file)) {
      let data: unknown
      try {
        data = parseParamsText(await readFile(join(project.root, file), 'utf8'), paramsFormatOf(file), file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        throw overrideError(o.arg, o.offset, `params file '${file}' does not exist`, `Create '${file}', or name an existing file with -S <file>:<key>=<value>.`)
      }
      contents.set(file, data)
    }
    const data = contents.get(file)
    const exists = isMapping(data) && resolveKeyPath(data, parseKeyPath(o.key)) !== undefined
    if (!exists && (o.op === 'set' || o.op === 'delete')) {
      const what = o.sweep ? `cannot sweep '${o.key}': it is not a parameter in '${file}'` : `no parameter '${o.key}' in '${file}'`
      throw overrideError(o.arg, o.keyOffset, what, `Name an existing key, or add a new one with -S '+${o.key}=…'.`)
    }
    if (exists && o.op === 'add') {
      throw overrideError(o.arg, o.offset, `'${o.key}' already exists in '${file}': +key adds new keys only`, `Set it with -S '${o.key}=…', or use -S '++${o.key}=…' (set or add).`)
    }
  }
}

/** Column title of a swept override. */
function columnOf(o: ParsedOverride): string {
  return o.file === undefined ? o.key : `${o.file}:${o.key}`
}

/**
 * Parse, check and expand a sweep; every combination's edits are planned (nothing is
 * written or queued). Throws for a malformed `-S`, a bad key, too many combinations, or a
 * combination one of the files cannot hold.
 */
export async function planSweep(project: Project, options: SweepOptions): Promise<SweepPlan> {
  const parsed = (options.setParams ?? []).flatMap((arg) => parseOverrideArg(arg))
  const swept = parsed.filter((o) => o.sweep)
  const mode = options.mode ?? 'grid'
  if (mode === 'grid' && (options.samples !== undefined || options.seed !== undefined)) {
    throw new TrellisError('INVALID_ARGUMENT', '--samples and --seed are for random search: add --sweep random', {
      hint: "e.g. trellis exp run --sweep random --samples 10 --seed 1 -S 'train.lr=loguniform(1e-4,1e-1)'",
    })
  }
  if (swept.length === 0) {
    throw new TrellisError('INVALID_ARGUMENT', `--sweep ${mode} needs a -S with several values`, {
      hint: "e.g. -S 'train.lr=0.01,0.1' (grid) or --sweep random --samples 10 -S 'train.lr=loguniform(1e-4,1e-1)'.",
    })
  }
  if (options.rev !== undefined) {
    throw new TrellisError('INVALID_ARGUMENT', '--rev continues one checkpoint: it does not combine with a sweep', {
      hint: 'Queue the sweep without --rev (checkpoint stages then start over, as with --queue).',
    })
  }
  await checkKeys(project, parsed)
  const seed = mode === 'random' ? (options.seed ?? String(randomBytes(4).readUInt32BE(0))) : undefined
  const combos: Assignment[][] = expandSweep(parsed, { mode, samples: options.samples, seed, maxRuns: options.maxRuns })
  const cwd = relative(project.root, project.cwd)
  const variants: QueueVariant[] = []
  const combinations: SweepCombination[] = []
  const id = randomBytes(4).toString('hex')
  const files: ParamsFileCache = new Map()
  for (const [i, combo] of combos.entries()) {
    const overrides = overridesFromParsed(combo, cwd)
    const setParams = combo.map((a) => formatOverride(a.override, a.value, a.hasValue))
    const name = options.name === undefined ? undefined : `${options.name}-${i + 1}`
    let plan: OverridePlan
    try {
      plan = await planOverrides(project.root, overrides, files)
    } catch (error) {
      if (error instanceof TrellisError) {
        throw new TrellisError(error.code, `Sweep combination ${i + 1} (${setParams.filter((_, k) => combo[k].override.sweep).join(' ')}): ${error.message}`, {
          hint: `${error.hint ?? ''} Nothing was queued.`.trim(),
        })
      }
      throw error
    }
    variants.push({ setParams, overrides, plan, name, sweep: id })
    combinations.push({ name, setParams, values: combo.filter((a) => a.override.sweep).map((a) => a.value) })
  }
  const keys = swept.map((o) => parseKeyPath(o.key).map((segment) => segment.name).join('.'))
  return { id, mode, seed, columns: swept.map(columnOf), keys, combinations, variants }
}

/** The `--dry` table: one row per combination (`#`, the name if any, each swept value). */
export function renderSweepPlan(plan: SweepPlan): string {
  const named = plan.combinations.some((c) => c.name !== undefined)
  const headers = ['#', ...(named ? ['Name'] : []), ...plan.columns]
  const rows = plan.combinations.map((c, i) => [String(i + 1), ...(named ? [c.name ?? null] : []), ...c.values.map(formatOverrideValue)])
  return renderTable(headers, rows)
}

/** Queue every combination (validated before the first is recorded). */
export async function queueSweep(project: Project, plan: SweepPlan, options: QueueExperimentOptions): Promise<{ entries: QueueEntry[]; warnings: string[] }> {
  return queueExperiments(project, options, plan.variants)
}

/** Queue the sweep, then run its entries now, `jobs` at a time, in temporary workspaces. */
export async function runSweep(
  project: Project,
  plan: SweepPlan,
  options: QueueExperimentOptions & { jobs?: number; onEvent?: (event: QueueEvent) => void; onQueued?: (entries: QueueEntry[], warnings: string[]) => void },
): Promise<{ entries: QueueEntry[]; warnings: string[]; run: RunQueueResult }> {
  const { entries, warnings } = await queueSweep(project, plan, options)
  options.onQueued?.(entries, warnings)
  const run = await runQueue(project, { ids: entries.map((e) => e.id), jobs: options.jobs ?? 1, onEvent: options.onEvent })
  return { entries, warnings, run }
}
