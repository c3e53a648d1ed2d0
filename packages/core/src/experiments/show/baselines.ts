/**
 * Which commits `exp show` shows as baselines (DVC §9.2) and what they are called.
 *
 * - default: HEAD (`refs/exps/exec/EXEC_BASELINE` while a workspace experiment runs);
 * - `-n N`: HEAD and its first-parent ancestors `HEAD~1 … HEAD~(N-1)`, stopping at the root
 *   (N < 1 is an error, as in DVC 2.8);
 * - `-a`: every branch tip; `-T`: every tag's commit; `-A`: every commit reachable from
 *   branches, tags and remote-tracking refs, newest first.
 *
 * In that order, without duplicates. Names (§9.1): a tag pointing at the commit, else a
 * branch, else nothing; only the last `/` component is kept.
 */
import { TrellisError } from '../../errors.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { CachedCommit } from '../read/rev-data-cache.js'

export interface BaselineSelection {
  /** `-n`: how many commits from HEAD down its first-parent chain (default 1). */
  num?: number
  allBranches?: boolean
  allTags?: boolean
  allCommits?: boolean
}

/** Commit metadata lookup (the RevReader's, cached). */
export type CommitLookup = (sha: string) => Promise<CachedCommit>

export const EXEC_BASELINE_REF = 'refs/exps/exec/EXEC_BASELINE'

/** The baseline HEAD stands for: EXEC_BASELINE while a workspace experiment runs, else HEAD. */
export async function currentBaseline(store: GitRepository): Promise<string | null> {
  return (await store.resolve(EXEC_BASELINE_REF)) ?? (await store.head())
}

export async function selectBaselines(store: GitRepository, commit: CommitLookup, selection: BaselineSelection = {}): Promise<string[]> {
  const num = selection.num ?? 1
  if (!Number.isInteger(num) || num < 1) {
    throw new TrellisError('INVALID_ARGUMENT', `Invalid number of commits '${selection.num}'`, { hint: '-n/--num takes a positive number of commits.' })
  }
  const out = new Set<string>()
  const head = await currentBaseline(store)
  if (head) {
    let sha: string | undefined = head
    for (let i = 0; i < num && sha; i++) {
      out.add(sha)
      sha = (await commit(sha)).parents[0]
    }
  }
  if (selection.allBranches) for (const { sha } of await store.listRefs('refs/heads/')) out.add(sha)
  if (selection.allTags) for (const sha of await tagCommits(store)) out.add(sha)
  if (selection.allCommits) for (const sha of await allCommits(store, commit)) out.add(sha)
  return [...out]
}

/** The commits tags point at (annotated tags peeled; tags of non-commits skipped). */
async function tagCommits(store: GitRepository): Promise<string[]> {
  const out: string[] = []
  for (const { ref } of await store.listRefs('refs/tags/')) {
    const sha = await store.resolve(ref).catch(() => null)
    if (sha) out.push(sha)
  }
  return out
}

/** Every commit reachable from branches, tags and remote-tracking refs, newest first. */
async function allCommits(store: GitRepository, commit: CommitLookup): Promise<string[]> {
  const starts = [
    ...(await store.listRefs('refs/heads/')).map((r) => r.sha),
    ...(await tagCommits(store)),
    ...(await store.listRefs('refs/remotes/')).map((r) => r.sha),
  ]
  const head = await store.head()
  if (head) starts.push(head)
  const seen = new Map<string, number>()
  const stack = [...new Set(starts)]
  while (stack.length > 0) {
    const sha = stack.pop()!
    if (seen.has(sha)) continue
    let info: CachedCommit
    try {
      info = await commit(sha)
    } catch {
      continue // a remote ref to something not a commit, or a shallow boundary
    }
    seen.set(sha, info.timestamp)
    for (const parent of info.parents) if (!seen.has(parent)) stack.push(parent)
  }
  return [...seen].sort((a, b) => b[1] - a[1]).map(([sha]) => sha)
}

/** Display names of commits: a tag pointing at it, else a branch (last `/` component). */
export async function commitNames(store: GitRepository, shas: readonly string[]): Promise<Map<string, string>> {
  const wanted = new Set(shas)
  const names = new Map<string, string>()
  const short = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1)
  for (const { ref } of await store.listRefs('refs/tags/')) {
    const sha = await store.resolve(ref).catch(() => null)
    if (sha && wanted.has(sha) && !names.has(sha)) names.set(sha, short(ref))
  }
  const headRef = await store.headRef()
  const branches = await store.listRefs('refs/heads/')
  // the checked-out branch first, then the others by name
  branches.sort((a, b) => Number(b.ref === headRef) - Number(a.ref === headRef))
  for (const { ref, sha } of branches) if (wanted.has(sha) && !names.has(sha)) names.set(sha, short(ref))
  return names
}
