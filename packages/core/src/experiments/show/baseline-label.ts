/**
 * How `exp list` names a baseline commit, as DVC 2.x prints it: a tag
 * pointing exactly at it, as its full ref (`refs/tags/v1.0`); else a branch
 * whose tip it is, as the last component of its name (`main`; `feature/x`
 * shows as `x`); else its short sha (7 hex).
 */
import type { GitRepository } from '../../plugin-api/git-repository.js'

export async function baselineLabels(store: GitRepository, baselines: Iterable<string>): Promise<Map<string, string>> {
  const wanted = new Set(baselines)
  const labels = new Map<string, string>()
  if (wanted.size === 0) return labels
  for (const { ref } of await store.listRefs('refs/tags/')) {
    const commit = await store.resolve(ref) // peels annotated tags
    if (commit && wanted.has(commit) && !labels.has(commit)) labels.set(commit, ref)
  }
  if (labels.size < wanted.size) {
    for (const { ref, sha } of await store.listRefs('refs/heads/')) {
      if (wanted.has(sha) && !labels.has(sha)) labels.set(sha, ref.split('/').pop()!)
    }
  }
  for (const sha of wanted) if (!labels.has(sha)) labels.set(sha, sha.slice(0, 7))
  return labels
}
