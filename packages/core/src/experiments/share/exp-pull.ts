/**
 * `exp pull <git_remote> <exp...>` (DVC §16): names are resolved against the
 * remote's refs (several of one name: the one whose baseline is the local
 * HEAD, else an error listing them); their commits are fetched and each
 * local ref is created or fast-forwarded with a compare-and-swap; then,
 * unless `noCache`, the cached objects of every commit of each experiment
 * and of its baseline are fetched from the DVC remote.
 *
 * A local ref that has diverged is kept with a warning naming `--force`; a
 * local ref that already contains the remote's commit (more checkpoints) is
 * kept as it is.
 */
import { redactUrl } from '../../util/redact-url.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExpRef } from '../refs/exp-ref.js'
import {
  asExpRef,
  baselinesOf,
  dataRemoteFor,
  experimentsOf,
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
import type { ExpSelection } from './exp-push.js'

export type ExpPullOptions = ShareOptions & ExpSelection

type RemoteExp = ExpRef & { sha: string }

/** Experiments of a git remote, listed without fetching. */
export async function remoteExperiments(experiments: ExperimentStore, gitRemote: string): Promise<RemoteExp[]> {
  return (await experiments.listRemote(gitRemote)).map(asExpRef)
}

/** The remote experiments a selection names; unresolvable names are one error, before anything is fetched. */
export async function selectRemoteExperiments(store: GitRepository, experiments: ExperimentStore, gitRemote: string, selection: ExpSelection): Promise<RemoteExp[]> {
  const names = selection.names ?? []
  if (!selection.all && selection.rev === undefined && names.length === 0) throw noSelectionError()
  const all = await remoteExperiments(experiments, gitRemote)
  const chosen = new Map<string, RemoteExp>()
  if (selection.all) for (const e of all) chosen.set(e.ref, e)
  if (selection.rev !== undefined) {
    const baselines = await baselinesOf(store, selection.rev, selection.num)
    for (const e of all) if (baselines.has(e.baseline)) chosen.set(e.ref, e)
  }
  const head = await store.head()
  const unresolved: string[] = []
  for (const name of names) {
    const byRef = all.find((e) => e.ref === name)
    const byName = all.filter((e) => e.name === name)
    const found = byRef ?? (byName.length ? pickByName(name, byName, head) : undefined)
    if (found) chosen.set(found.ref, found)
    else unresolved.push(name)
  }
  if (unresolved.length) throw unresolvedError(unresolved, `on Git remote '${redactUrl(gitRemote)}'`)
  return [...chosen.values()]
}

export async function pullExperiments(ctx: ShareContext, gitRemote: string, options: ExpPullOptions = {}): Promise<ShareResult> {
  const store = await storeOf(ctx)
  const experiments = await experimentsOf(ctx)
  const selected = await selectRemoteExperiments(store, experiments, gitRemote, options)
  const dataRemote = await dataRemoteFor(ctx, options)
  const display = redactUrl(gitRemote)

  const results: Array<SharedExperiment & { local: string | null }> = []
  for (const exp of selected) {
    const local = await experiments.read(exp)
    results.push({ ref: exp.ref, name: exp.name, baseline: exp.baseline, sha: exp.sha, local, status: local === exp.sha ? 'up-to-date' : 'created' })
  }
  const needed = []
  for (const r of results) if (r.status !== 'up-to-date' && !(await store.resolve(r.sha))) needed.push(r)
  if (needed.length) await experiments.pull(gitRemote, needed)

  for (const r of results) {
    if (r.status === 'up-to-date') continue
    if (!(await store.resolve(r.sha))) {
      r.status = 'failed'
      r.reason = 'the remote ref moved while it was fetched; pull again'
      continue
    }
    if (r.local === null) r.status = 'created'
    else if (await store.isAncestor(r.local, r.sha)) r.status = 'updated'
    else if (options.force) r.status = 'forced'
    else if (await store.isAncestor(r.sha, r.local)) {
      r.status = 'ahead'
      r.sha = r.local
      continue
    } else {
      r.status = 'diverged'
      continue
    }
    try {
      await experiments.put(r, r.sha, { expect: r.local, message: `trellis: exp pull from ${display}` })
    } catch (error) {
      r.status = 'failed'
      r.reason = error instanceof Error ? error.message : String(error)
    }
  }
  for (const r of results) {
    if (r.status === 'diverged') {
      options.onWarning?.(
        `Experiment '${r.name}' was not pulled: your local '${r.name}' has diverged from the one on Git remote '${display}'. ` +
          `Use \`trellis exp pull -f ${display} ${r.name}\` to replace yours.`,
      )
    } else if (r.status === 'failed') {
      options.onWarning?.(`Experiment '${r.name}' was not pulled from '${display}': ${r.reason}`)
    }
  }
  const shared: SharedExperiment[] = results.map(({ local: _local, ...rest }) => rest)
  const result: ShareResult = { gitRemote: display, experiments: shared }
  if (dataRemote) result.cache = await transferExperimentData(ctx, store, dataRemote, 'fetch', shared, options)
  return result
}
