/**
 * `exp list` (reference §13): experiment names grouped by baseline. By
 * default the experiments of HEAD; `rev` picks another baseline, `all` every
 * baseline; `remote` lists a git remote's experiments instead of the local
 * ones (the experiment store's `listRemote`; `rev` may then be a full sha
 * that was never fetched).
 */
import { TrellisError } from '../../errors.js'
import { baselineLabels } from './baseline-label.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'

export interface ListExperimentsOptions {
  /** Every baseline (default: HEAD's, or `rev`'s). */
  all?: boolean
  /** The baseline to list (a git revision). */
  rev?: string
  /** A git remote name or URL: list its experiment refs. */
  remote?: string
}

/** baseline sha → experiment names (in ref order), as DVC's Python API returns it. */
export type ExperimentListing = Map<string, string[]>

export async function listExperiments(store: GitRepository, experiments: ExperimentStore, options: ListExperimentsOptions = {}): Promise<ExperimentListing> {
  const exps = options.remote ? await experiments.listRemote(options.remote) : await experiments.list()
  let baseline: string | null = null
  if (!options.all) {
    baseline = options.rev === undefined ? await store.head() : await resolveBaseline(store, options.rev, options.remote !== undefined)
    if (baseline === null) return new Map()
  }
  const listing: ExperimentListing = new Map()
  for (const exp of exps) {
    if (baseline !== null && exp.baseline !== baseline) continue
    const names = listing.get(exp.baseline) ?? []
    names.push(exp.name)
    listing.set(exp.baseline, names)
  }
  return listing
}

async function resolveBaseline(store: GitRepository, rev: string, remote: boolean): Promise<string> {
  const sha = await store.resolve(rev)
  if (sha) return sha
  if (remote && /^[0-9a-f]{40}$/i.test(rev)) return rev.toLowerCase()
  throw new TrellisError('INVALID_ARGUMENT', `'${rev}' is not a git revision`, {
    hint: remote ? 'With a remote, --rev may also be a full 40-hex sha that was not fetched.' : 'Pass a commit sha, branch or tag.',
  })
}

/**
 * DVC's text: per baseline a `<label>:` line then one tab-indented name per
 * line; with `namesOnly`, the bare names. Ends with a newline unless empty.
 */
export async function renderExperimentList(store: GitRepository, listing: ExperimentListing, options: { namesOnly?: boolean } = {}): Promise<string> {
  const labels = options.namesOnly ? new Map<string, string>() : await baselineLabels(store, listing.keys())
  const lines: string[] = []
  for (const [baseline, names] of listing) {
    if (!options.namesOnly) lines.push(`${labels.get(baseline)}:`)
    for (const name of names) lines.push(options.namesOnly ? name : `\t${name}`)
  }
  return lines.length ? `${lines.join('\n')}\n` : ''
}

/** `--json`: `{ "<baseline sha>": ["name", ...] }`. */
export function experimentListToJson(listing: ExperimentListing): Record<string, string[]> {
  return Object.fromEntries(listing)
}
