/**
 * `exp list <git_remote>` (DVC §13): the remote's experiments, read from its
 * ref advertisement (ls-remote style) without fetching anything. Grouped by
 * baseline; by default only those whose baseline is the local HEAD, with
 * `all` every baseline, with `rev` one baseline (which may be a commit that
 * was never fetched, given as a full sha).
 *
 * `renderExpList` prints DVC's text: `<refs/tags/x, branch or sha7>:` then one
 * tab-indented name per line; `namesOnly` prints bare names.
 */
import type { ExperimentStore } from './experiment-store.js'
import { storeOf, type ShareContext } from './exp-share.js'
import { remoteExperiments } from './exp-pull.js'

export interface ExpListGroup {
  /** 40-hex baseline sha. */
  baseline: string
  /** How DVC 2.x names it: a tag pointing at it (`refs/tags/v1`), else a branch (`main`), else the first 7 hex. */
  label: string
  names: string[]
}

export interface ExpListOptions {
  /** Every baseline, not only HEAD's. */
  all?: boolean
  /** Only this baseline (a local revision, or a full sha). */
  rev?: string
}

export async function listRemoteExperiments(ctx: ShareContext, gitRemote: string, options: ExpListOptions = {}): Promise<ExpListGroup[]> {
  const store = await storeOf(ctx)
  let only: string | null | undefined
  if (options.rev !== undefined) only = (await store.resolve(options.rev)) ?? (/^[0-9a-f]{40}$/i.test(options.rev) ? options.rev.toLowerCase() : null)
  else if (!options.all) only = await store.head()
  const groups = new Map<string, string[]>()
  for (const exp of await remoteExperiments(store, gitRemote)) {
    if (only !== undefined && exp.baseline !== only) continue
    const names = groups.get(exp.baseline) ?? []
    names.push(exp.name)
    groups.set(exp.baseline, names)
  }
  const labels = await describeBaselines(store, [...groups.keys()])
  return [...groups].map(([baseline, names]) => ({ baseline, label: labels.get(baseline)!, names }))
}

/** As DVC 2.x labels a baseline: a tag pointing at it (full ref, as `describe` gives it), else a branch (short name), else the short sha. */
async function describeBaselines(store: ExperimentStore, shas: string[]): Promise<Map<string, string>> {
  const labels = new Map<string, string>()
  if (shas.length === 0) return labels
  const wanted = new Set(shas)
  for (const prefix of ['refs/tags/', 'refs/heads/']) {
    for (const { ref, sha } of await store.listRefs(prefix)) {
      const commit = prefix === 'refs/tags/' ? await store.resolve(ref) : sha
      const label = prefix === 'refs/tags/' ? ref : ref.slice(ref.lastIndexOf('/') + 1)
      if (commit && wanted.has(commit) && !labels.has(commit)) labels.set(commit, label)
    }
  }
  for (const sha of shas) if (!labels.has(sha)) labels.set(sha, sha.slice(0, 7))
  return labels
}

export function renderExpList(groups: readonly ExpListGroup[], options: { namesOnly?: boolean } = {}): string {
  const lines: string[] = []
  for (const group of groups) {
    if (!options.namesOnly) lines.push(`${group.label}:`)
    for (const name of group.names) lines.push(options.namesOnly ? name : `\t${name}`)
  }
  return lines.length ? `${lines.join('\n')}\n` : ''
}
