/**
 * `exp remove` with DVC 2.10's atomic semantics (reference §14): every name
 * is resolved first; if any does not resolve, nothing is removed and the
 * error lists them all. Names may be full refs, experiment names (an
 * ambiguity is resolved toward HEAD's baseline, else an error), the sha of an
 * experiment's tip, or — with a queue backend — queued entries' names/ids.
 * `all` removes every committed experiment of every baseline; `revs` those of
 * the given baselines; `queue` clears the queue.
 *
 * Removing an experiment deletes it from the experiment store (compare-and-swap
 * on the sha that was resolved) and clears the store's marks (`applied`,
 * `checkpoint`, `running`: DVC's EXEC refs) that point into it. Commits stay in
 * git's object store until git's own gc.
 */
import { TrellisError } from '../../errors.js'
import type { ExperimentMark, ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { expChain, type ExpRefAt } from '../refs/exp-lineage.js'
import type { QueuedExperiments } from '../queue/queued-experiments.js'
import { findExpByName, listExpRefs } from '../refs/resolve-exp.js'

export interface RemoveExperimentsOptions {
  /** Experiment names, full refs, tip shas (or queued names/ids with `queued`). */
  names?: string[]
  /** Every committed experiment, all baselines (`-A/--all`). */
  all?: boolean
  /** The experiments of these baselines (git revisions). */
  revs?: string[]
  /** Clear the whole queue (`--queue`); needs `queued`. */
  queue?: boolean
  /** The queue backend, when there is one (see queued-experiments.ts). */
  queued?: QueuedExperiments
}

export interface RemoveExperimentsResult {
  /** Removed experiment refs. */
  refs: ExpRefAt[]
  /** Removed queued entries' names (or ids when unnamed). */
  queued: string[]
  /** Everything removed, as DVC prints it: experiment names, then queued names. */
  removed: string[]
}

export async function removeExperiments(store: GitRepository, experiments: ExperimentStore, options: RemoveExperimentsOptions): Promise<RemoveExperimentsResult> {
  const names = options.names ?? []
  if (names.length === 0 && !options.all && !options.revs?.length && !options.queue) {
    throw new TrellisError('INVALID_ARGUMENT', 'Either provide an `experiment` argument, or use the `--rev` or `--all` flag.', {
      hint: 'e.g. `trellis exp remove exp-1a2b3`, `trellis exp remove --rev main`, `trellis exp remove -A`.',
    })
  }
  if (options.queue && !options.queued) throw noQueue()
  const exps = await listExpRefs(experiments)
  const selected = new Map<string, ExpRefAt>()
  const add = (e: ExpRefAt) => selected.set(e.ref, e)

  if (options.all) exps.forEach(add)
  for (const rev of options.revs ?? []) {
    const baseline = await store.resolve(rev)
    if (!baseline) throw new TrellisError('INVALID_ARGUMENT', `'${rev}' is not a git revision`, { hint: 'Pass a commit sha, branch or tag as --rev.' })
    exps.filter((e) => e.baseline === baseline).forEach(add)
  }
  // Queued entries first, then experiments for the names left (DVC: `_remove_queued_exps`, then the committed ones).
  const queuedIds = new Set<string>()
  const queuedNames = new Map<string, string>()
  let pending = names
  if (options.queued) {
    const entries = await options.queued.list()
    const label = new Map(entries.map((e) => [e.id, e.name || e.id]))
    if (options.queue) entries.forEach((e) => queuedIds.add(e.id))
    const found = names.length ? await options.queued.resolve(names) : new Map<string, string>()
    for (const id of found.values()) queuedIds.add(id)
    pending = names.filter((name) => !found.has(name))
    for (const id of queuedIds) queuedNames.set(id, label.get(id) ?? id)
  }
  const unresolved: string[] = []
  for (const name of pending) {
    const exp = await resolveCommitted(store, experiments, name, exps)
    if (exp) add(exp)
    else unresolved.push(name)
  }
  if (unresolved.length > 0) throw unresolvedNames(unresolved)

  const refs = [...selected.values()]
  await deleteExperimentRefs(store, experiments, refs)
  if (queuedIds.size > 0) await options.queued!.remove([...queuedIds])
  const queued = [...queuedNames.values()]
  return { refs, queued, removed: [...refs.map((r) => r.name), ...queued] }
}

/** A committed experiment named by a full ref, a name, or its tip's sha; undefined when none. */
async function resolveCommitted(store: GitRepository, experiments: ExperimentStore, name: string, exps: ExpRefAt[]): Promise<ExpRefAt | undefined> {
  if (name.startsWith('refs/')) return exps.find((e) => e.ref === name)
  const byName = await findExpByName(store, experiments, name)
  if (byName) return byName
  const sha = /^[0-9a-f]{4,40}$/i.test(name) ? await store.resolve(name) : null
  if (!sha) return undefined
  const tips = exps.filter((e) => e.sha === sha)
  if (tips.length > 1) {
    throw new TrellisError('EXP_AMBIGUOUS', `'${name}' is the tip of several experiments:\n${tips.map((t) => `\t${t.ref}`).join('\n')}`, {
      hint: 'Pass the full ref (refs/exps/...) of the one you mean.',
    })
  }
  return tips[0]
}

/**
 * Delete experiments from the store (each only if its tip is still the one listed)
 * and the EXEC_* refs that point into any of them. Shared by remove and gc.
 */
export async function deleteExperimentRefs(store: GitRepository, experiments: ExperimentStore, refs: ExpRefAt[]): Promise<void> {
  if (refs.length === 0) return
  const removedCommits = new Set<string>()
  for (const exp of refs) for (const sha of await expChain(store, exp)) removedCommits.add(sha)
  // Read the marks before the experiments go (`running` follows its experiment: it dangles afterwards).
  const stale: ExperimentMark[] = []
  for (const mark of ['applied', 'checkpoint', 'running'] as const) {
    const sha = await experiments.readMark(mark)
    if (sha && removedCommits.has(sha)) stale.push(mark)
  }
  for (const exp of refs) await experiments.delete(exp, { expect: exp.sha })
  for (const mark of stale) await experiments.clearMark(mark)
}

function unresolvedNames(names: string[]): TrellisError {
  const joined = names.join(';')
  const message = names.length > 1 ? `'${joined}' are not valid experiment names` : `'${joined}' is not a valid experiment name`
  return new TrellisError('EXP_NOT_FOUND', message, {
    hint: 'Nothing was removed. List experiments with `trellis exp list --all`.',
  })
}

function noQueue(): TrellisError {
  return new TrellisError('INVALID_ARGUMENT', 'there is no experiment queue to clear: no plugin provides one', {
    hint: 'Queued experiments come with the queue plugin.',
  })
}
