/**
 * Which revisions `plots diff` compares, as DVC decides: none given → `HEAD` (only when a
 * tracked file differs from it) and `workspace`; one given → it and `workspace`; several →
 * exactly those. A repository without commits has only the workspace.
 */
import type { GitRepository } from '../plugin-api/git-repository.js'
import { WORKSPACE } from '../experiments/read/rev-diff.js'

export async function diffRevisions(store: GitRepository, given: string[]): Promise<string[]> {
  if (given.length > 1) return [...new Set(given)]
  if (given.length === 1) return given[0] === WORKSPACE ? [WORKSPACE] : [given[0], WORKSPACE]
  const head = await store.head()
  if (head === null) return [WORKSPACE]
  return (await store.changedFiles(head)).length > 0 ? ['HEAD', WORKSPACE] : [WORKSPACE]
}
