/**
 * `exp branch <exp> <branch>` (reference §12): a git branch at the tip of the
 * experiment's ref — even when an earlier checkpoint of it was named — with
 * DVC's reflog message. Only `refs/heads/<branch>` is written (and only if it
 * does not exist); HEAD, the index and the workspace are not touched.
 */
import { TrellisError } from '../../errors.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { expRefsContaining, notAnExperiment, pickTowardHead, type ExpRefAt } from '../refs/exp-lineage.js'
import { resolveRevOrThrow } from '../refs/resolve-exp.js'

export interface BranchResult {
  /** The branch name as given, and its full ref. */
  branch: string
  branchRef: string
  /** The experiment ref the branch was made from, and the commit it points at (the ref's tip). */
  exp: ExpRefAt
}

export async function branchExperiment(store: GitRepository, experiments: ExperimentStore, rev: string, branch: string): Promise<BranchResult> {
  checkBranchName(branch)
  const resolved = await resolveRevOrThrow(store, experiments, rev)
  const head = await store.head()
  let exp: ExpRefAt
  if (resolved.exp) {
    const tip = await experiments.read(resolved.exp)
    if (!tip) throw notAnExperiment(rev)
    exp = { ...resolved.exp, sha: tip }
  } else {
    const candidates = await expRefsContaining(store, experiments, resolved.sha)
    if (candidates.length === 0) throw notAnExperiment(rev)
    exp = pickTowardHead(rev, candidates, head)
  }
  const branchRef = `refs/heads/${branch}`
  if (await store.resolve(branchRef)) {
    throw new TrellisError('GIT_BRANCH_EXISTS', `Git branch '${branch}' already exists.`, {
      hint: 'Choose another branch name, or delete the branch first (git branch -D).',
    })
  }
  try {
    await store.writeRef(branchRef, exp.sha, { expect: null, reflogMessage: `dvc: Created from experiment '${exp.name}'` })
  } catch (error) {
    if (error instanceof TrellisError && error.code === 'GIT_REF_CONFLICT') {
      throw new TrellisError('GIT_BRANCH_EXISTS', `Git branch '${branch}' already exists.`, { cause: error })
    }
    throw error
  }
  return { branch, branchRef, exp }
}

/** git's rules for a branch name (`git check-ref-format --branch`). */
export function checkBranchName(branch: string): void {
  const bad =
    branch === '' ||
    branch === 'HEAD' ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.includes('..') ||
    branch.includes('@{') ||
    branch.includes('//') ||
    branch === '@' ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(branch) ||
    branch.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))
  if (bad) {
    throw new TrellisError('INVALID_ARGUMENT', `'${branch}' is not a valid branch name`, {
      hint: 'See `git check-ref-format --branch`: no spaces, ~^:?*[\\, "..", "@{", leading "-" or ".", trailing "/", "." or ".lock".',
    })
  }
}
