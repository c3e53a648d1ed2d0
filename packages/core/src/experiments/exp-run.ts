/**
 * `exp run` in the workspace: reproduce a variation of the committed pipeline
 * and store the result as a commit under `refs/exps/<baseline>/<name>`.
 *
 * 1. baseline = HEAD; a `-n` name is validated and checked for a conflict
 *    before anything runs (DVC finds conflicts only after the run);
 * 2. `-S` overrides are written into the params files (they stay there);
 * 3. the pipeline is reproduced under the project lock, with DVC_EXP_* set;
 * 4. the workspace's tracked files plus what the run produced (dvc.lock,
 *    .gitignore files, uncached outputs) are committed with parent = baseline,
 *    without touching HEAD, the index or any branch; the ref is written with a
 *    compare-and-swap, `onExperimentCommit` fires.
 * A failed stage leaves no ref; the workspace stays as the run left it.
 */
import { relative } from 'node:path'
import { TrellisError } from '../errors.js'
import type { AcquireOptions } from '../lock/project-lock.js'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import { reproduce, type ReproOptions, type ReproResult } from '../pipeline/repro.js'
import { throwIfFailed } from '../pipeline/repro-session.js'
import { lockPathFor } from '../dvcfile/lockfile.js'
import type { Project } from '../project.js'
import type { LockEntry, Stage } from '../pipeline/types.js'
import type { ExperimentStore } from './experiment-store.js'
import { autoExpName, experimentHash } from './exp-hash.js'
import { expRefFor, validateExpName } from './exp-ref.js'
import { applyOverrides, parseOverrides } from './param-overrides.js'

export const EXEC_APPLY = 'refs/exps/exec/EXEC_APPLY'

export interface ExpRunOptions extends ReproOptions {
  /** `-n`: the experiment's name (default `exp-<5 hex of the exp hash>`). */
  name?: string
  /** `-S` values (`[file:]key=value`), applied to the params files before anything runs. */
  setParams?: string[]
  /** Non-fatal notices (e.g. a params file that had to be re-formatted). */
  onWarning?: (message: string) => void
  lockOptions?: AcquireOptions
}

export interface ExpRunResult {
  /** Undefined when nothing changed (no experiment was made). */
  experiment?: {
    name: string
    ref: string
    commit: string
    baseline: string
    hash: string
    /** An identical experiment existed already and was reused. */
    reused: boolean
  }
  repro: ReproResult
}

export async function experimentStore(project: Project): Promise<ExperimentStore> {
  return project.services.get('experimentStore')
}

/** Checks that need no lock: a baseline exists, the name is valid and free (unless `force`). */
export async function checkExpRun(store: ExperimentStore, name: string | undefined, force: boolean): Promise<string> {
  const baseline = await store.head()
  if (!baseline) {
    throw new TrellisError('GIT_ERROR', 'the repository has no commits: an experiment needs a baseline commit', {
      hint: 'Commit your pipeline first: git add -A && git commit -m "pipeline"',
    })
  }
  if (name !== undefined) {
    validateExpName(name)
    if (!force && (await store.resolve(expRefFor(baseline, name)))) {
      throw new TrellisError('EXP_EXISTS', `Experiment conflicts with existing experiment '${name}'`, {
        hint: `Use \`trellis exp run -f -n ${name}\` to replace it, or \`trellis exp run -n <new_name>\`.`,
      })
    }
  }
  return baseline
}

export async function runExperiment(project: Project, options: ExpRunOptions = {}): Promise<ExpRunResult> {
  const store = await experimentStore(project)
  const baseline = await checkExpRun(store, options.name, !!options.force)
  const overrides = parseOverrides(options.setParams ?? [], relative(project.root, project.cwd))
  const lock = await project.lock('trellis exp run', options.lockOptions)
  try {
    if (overrides.length) {
      const { warnings } = await applyOverrides(project.root, overrides)
      warnings.forEach((w) => options.onWarning?.(w))
    }
    const repro = await reproduce(project, {
      ...options,
      allowCheckpoints: true,
      env: { ...options.env, DVC_EXP_BASELINE_REV: baseline, DVC_EXP_NAME: options.name ?? '' },
    })
    throwIfFailed(repro)
    const experiment = await commitExperiment(project, store, repro, { baseline, name: options.name, force: !!options.force, setApply: true })
    return experiment ? { repro, experiment } : { repro }
  } finally {
    await lock.release()
  }
}

export interface CommitExperimentOptions {
  baseline: string
  /** `-n`; default `exp-<5 hex of the exp hash>`. */
  name?: string
  /** Replace an existing experiment of the same name. */
  force: boolean
  /** Point EXEC_APPLY at the result (workspace runs, as DVC). */
  setApply: boolean
  /** `project` runs in a work tree made by `ExperimentStore.checkoutTree` (a queued run's temp workspace). */
  workTree?: string
  /** Project to fire `onExperimentCommit` on and report the root of (default `project`). */
  hooksProject?: Project
}

/** The stages a run reproduced (ran, restored or verified): what the experiment hash covers. */
export function reproducedEntries(repro: ReproResult): Array<[Stage, LockEntry]> {
  return [...repro.entries].filter(([stage]) => {
    const outcome = repro.outcomes.get(stage)
    return outcome === 'ran' || outcome === 'restored' || outcome === 'verified'
  })
}

/**
 * After a successful repro in `project`'s work tree: snapshot its tracked files
 * (plus what the run produced) on the baseline and write the experiment ref.
 * Undefined when the tree equals the baseline's (nothing to store).
 */
export async function commitExperiment(
  project: Project,
  store: ExperimentStore,
  repro: ReproResult,
  options: CommitExperimentOptions,
): Promise<ExpRunResult['experiment'] | undefined> {
  const hash = experimentHash(reproducedEntries(repro))
  const commit = await store.snapshot({
    parent: options.baseline,
    message: `dvc: commit experiment ${hash}`,
    include: await producedFiles(project),
    workTree: options.workTree,
  })
  const [tree, baseTree] = await Promise.all([store.readCommit(commit), store.readCommit(options.baseline)])
  if (tree.tree === baseTree.tree) return undefined
  return recordExperiment(options.hooksProject ?? project, store, { ...options, commit, hash, tree: tree.tree })
}

/** Untracked files a run may have created that belong in the experiment (DVC `git add`s them). */
export async function producedFiles(project: Pick<Project, 'root' | 'gitRoot'>): Promise<string[]> {
  const index = await PipelineIndex.load(project.root)
  const files = new Set<string>()
  for (const stage of index.stages) {
    files.add(stage.dvcfile)
    if (stage.kind === 'pipeline') files.add(lockPathFor(stage.dvcfile))
    for (const out of stage.outs) {
      if (!out.cache) files.add(out.path)
      else {
        const slash = out.path.lastIndexOf('/')
        files.add(slash < 0 ? '.gitignore' : `${out.path.slice(0, slash)}/.gitignore`)
      }
    }
  }
  const toGit = (p: string) => relative(project.gitRoot, `${project.root}/${p}`)
  return [...files].map(toGit)
}

/**
 * Write the experiment ref for `commit` (compare-and-swap). An existing
 * experiment of that name is replaced with `force`, reused when its tree is
 * identical, else EXP_EXISTS. Fires `onExperimentCommit`.
 */
export async function recordExperiment(
  project: Project,
  store: ExperimentStore,
  exp: { baseline: string; commit: string; hash: string; tree: string; name?: string; force: boolean; setApply?: boolean },
): Promise<NonNullable<ExpRunResult['experiment']>> {
  const name = exp.name ?? autoExpName(exp.hash)
  const ref = expRefFor(exp.baseline, name)
  const existing = await store.resolve(ref)
  let commit = exp.commit
  let reused = false
  if (existing && !exp.force) {
    if ((await store.readCommit(existing)).tree !== exp.tree) {
      throw new TrellisError('EXP_EXISTS', `Experiment conflicts with existing experiment '${name}' (same ${exp.name === undefined ? 'automatic ' : ''}name, different results)`, {
        hint: `Use \`trellis exp run -f\` to replace it, or \`trellis exp run -n <name>\` to keep both.${exp.setApply !== false ? ' Your results are in the workspace.' : ''}`,
      })
    }
    commit = existing
    reused = true
  } else {
    await store.writeRef(ref, commit, { expect: existing ?? null, reflogMessage: `dvc: commit experiment ${exp.hash}` })
  }
  if (exp.setApply !== false) await store.writeRef(EXEC_APPLY, commit)
  await project.hooks.onExperimentCommit.promise({ root: project.root, ref, commit, baseline: exp.baseline, name, checkpoint: false })
  return { name, ref, commit, baseline: exp.baseline, hash: exp.hash, reused }
}
