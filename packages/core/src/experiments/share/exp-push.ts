/**
 * `exp push <git_remote> <exp...> | -A | --rev <rev>` (DVC 2.10 §16): each
 * experiment's ref goes to the git remote as `<ref>:<ref>` and nothing else
 * (no branch, no helper ref); then, unless `noCache`, the cached objects of
 * every commit of the experiment (each checkpoint) and of its baseline go to
 * the DVC remote.
 *
 * A remote ref that has diverged (it differs and is not an ancestor of ours)
 * is left alone with a warning naming `--force`; the other experiments go on.
 */
import { redactUrl } from '../../util/redact-url.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExperimentPushResult, ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { ExpRef } from '../refs/exp-ref.js'
import { listExpRefs, resolveRev } from '../refs/resolve-exp.js'
import {
  baselinesOf,
  dataRemoteFor,
  experimentsOf,
  idKey,
  noSelectionError,
  pickByName,
  storeOf,
  transferExperimentData,
  unresolvedError,
  type ShareContext,
  type ShareOptions,
  type ShareResult,
  type SharedExperiment,
} from './exp-share.js'

export interface ExpSelection {
  /** Names, full refs (`refs/exps/...`) or experiment commit shas. */
  names?: string[]
  /** `-A/--all-commits`: every experiment. */
  all?: boolean
  /** `--rev`: the experiments of this baseline ... */
  rev?: string
  /** ... and of its `num - 1` first-parent ancestors (`-n`). */
  num?: number
}

export type ExpPushOptions = ShareOptions & ExpSelection

type LocalExp = ExpRef & { sha: string }

/** The local experiments a selection names. Unresolvable names are one error, before anything is pushed. */
export async function selectLocalExperiments(store: GitRepository, experiments: ExperimentStore, selection: ExpSelection): Promise<LocalExp[]> {
  const names = selection.names ?? []
  if (!selection.all && selection.rev === undefined && names.length === 0) throw noSelectionError()
  const all = await listExpRefs(experiments)
  const chosen = new Map<string, LocalExp>()
  if (selection.all) for (const e of all) chosen.set(e.ref, e)
  if (selection.rev !== undefined) {
    const baselines = await baselinesOf(store, selection.rev, selection.num)
    for (const e of all) if (baselines.has(e.baseline)) chosen.set(e.ref, e)
  }
  const unresolved: string[] = []
  const head = await store.head()
  for (const name of names) {
    const byRef = all.find((e) => e.ref === name)
    const byName = all.filter((e) => e.name === name)
    let found: LocalExp | undefined = byRef ?? (byName.length ? pickByName(name, byName, head) : undefined)
    if (!found && !name.startsWith('refs/')) {
      const resolved = await resolveRev(store, experiments, name)
      if (resolved?.exp) found = { ...resolved.exp, sha: resolved.sha }
    }
    if (found) chosen.set(found.ref, found)
    else unresolved.push(name)
  }
  if (unresolved.length) throw unresolvedError(unresolved, 'in this repository')
  return [...chosen.values()]
}

export async function pushExperiments(ctx: ShareContext, gitRemote: string, options: ExpPushOptions = {}): Promise<ShareResult> {
  const store = await storeOf(ctx)
  const experiments = await experimentsOf(ctx)
  const selected = await selectLocalExperiments(store, experiments, options)
  const dataRemote = await dataRemoteFor(ctx, options)
  const display = redactUrl(gitRemote)
  const remoteTips = new Map((await experiments.listRemote(gitRemote)).map((r) => [idKey(r), r.commit]))

  const results: SharedExperiment[] = []
  const toPush: Array<{ exp: SharedExperiment; force: boolean }> = []
  for (const exp of selected) {
    const theirs = remoteTips.get(idKey(exp))
    const result: SharedExperiment = { ref: exp.ref, name: exp.name, baseline: exp.baseline, sha: exp.sha, status: 'up-to-date' }
    results.push(result)
    if (theirs === exp.sha) continue
    if (theirs === undefined) result.status = 'created'
    else if ((await store.resolve(theirs)) && (await store.isAncestor(theirs, exp.sha))) result.status = 'updated'
    else if (options.force) result.status = 'forced'
    else {
      result.status = 'diverged'
      continue
    }
    toPush.push({ exp: result, force: result.status === 'forced' })
  }
  if (toPush.length) {
    // one push per force flag (the store pushes a batch with one)
    const outcome = new Map<string, ExperimentPushResult>()
    for (const force of [false, true]) {
      const batch = toPush.filter((p) => p.force === force).map((p) => p.exp)
      if (batch.length) for (const r of await experiments.push(gitRemote, batch, { force })) outcome.set(idKey(r.id), r)
    }
    for (const { exp } of toPush) {
      const r = outcome.get(idKey(exp))
      if (r?.status === 'ok') continue
      const reason = r?.reason ?? 'no answer from the remote'
      exp.status = /non-fast-forward|fetch first|stale/i.test(reason) ? 'diverged' : 'failed'
      exp.reason = reason
    }
  }
  for (const exp of results) {
    if (exp.status === 'diverged') {
      options.onWarning?.(
        `Experiment '${exp.name}' was not pushed: it has diverged from the one on Git remote '${display}'. ` +
          `Use \`trellis exp push -f ${display} ${exp.name}\` to overwrite the remote's.`,
      )
    } else if (exp.status === 'failed') {
      options.onWarning?.(`Experiment '${exp.name}' was not pushed to '${display}': ${exp.reason}`)
    }
  }
  const result: ShareResult = { gitRemote: display, experiments: results }
  if (dataRemote) result.cache = await transferExperimentData(ctx, store, dataRemote, 'push', results, options)
  return result
}
