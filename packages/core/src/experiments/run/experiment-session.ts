/**
 * One experiment being made: the chain of commits an `exp run` appends to.
 *
 * A plain experiment is one commit whose parent is the baseline. A checkpoint
 * experiment is a chain: every checkpoint is a commit whose parent is the previous
 * one (the first has the baseline, or the checkpoint it was resumed from, as
 * parent), all under one ref `refs/exps/<baseline>/<name>` that is advanced with a
 * compare-and-swap; the intermediate commits have no ref of their own (DVC §8.6).
 * Walking the ref's first parents down to the baseline gives the chain back
 * (`checkpointChain`).
 *
 * The session is handed to `runStage` decorators (`StageRunContext.experiment`):
 * the checkpoints plugin calls `checkpoint(stage, lock)` on every signal, which
 * commits and fires `onCheckpoint` then `onExperimentCommit`; `exp run` calls
 * `commit()` once more when the pipeline finished, which adds a final commit only
 * when something changed after the last one. `onExperimentCommit` fires only for
 * a commit written (not for an identical experiment reused).
 */
import { join, relative, sep } from 'node:path'
import { TrellisError } from '../../errors.js'
import { lockPathFor } from '../../dvcfile/lockfile.js'
import { PipelineIndex } from '../../pipeline/pipeline-index.js'
import type { LockEntry, Stage } from '../../pipeline/types.js'
import type { Project } from '../../project.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { ExperimentCommit, ExperimentRun } from '../../plugin-api/experiment-run.js'
import type { RunInfo } from '../../plugin-api/run-info.js'
import { autoExpName, experimentHash } from './exp-hash.js'


export type { ExperimentCommit, ExperimentRun } from '../../plugin-api/experiment-run.js'

export interface ExperimentSessionOptions {
  baseline: string
  /** Parent of the first commit (default: the baseline). */
  parent?: string
  /** Continue this existing ref (its tip must be `parent`). */
  ref?: string
  /** `-n`; otherwise `exp-<5 hex>` of the first commit's experiment hash. */
  name?: string
  /** Replace an existing experiment of the same name (`-f`, `--reset`). */
  force?: boolean
  /** The run continues from a checkpoint. */
  resumed?: boolean
  /** Keep the store's `applied` / `checkpoint` marks up to date (workspace runs; default true). */
  execRefs?: boolean
  /** Snapshot this work tree (a queued run's temporary workspace, made by `checkoutTree`) instead of the repository's. */
  workTree?: string
  /** The root `onExperimentCommit` reports (default the project's; a queued run reports the main project's). */
  eventRoot?: string
  /** Every commit (snapshot and ref move) runs through it (the queue's single writer). */
  serialize?: <T>(work: () => Promise<T>) => Promise<T>
}

export class ExperimentSession implements ExperimentRun {
  readonly baseline: string
  readonly resumed: boolean
  readonly commits: ExperimentCommit[] = []
  private current: { parent: string; ref?: string; name?: string }
  private readonly force: boolean
  private readonly execRefs: boolean
  private readonly workTree?: string
  private readonly eventRoot: string
  private readonly serialize: <T>(work: () => Promise<T>) => Promise<T>
  private readonly entries = new Map<Stage, LockEntry>()
  private produced?: Promise<string[]>
  private checkpointsTaken = 0
  /** The run this experiment belongs to (set by `exp run` once it made its RunInfo); carried by every event. */
  run!: RunInfo

  constructor(
    private readonly project: Project,
    private readonly store: GitRepository,
    /** Which commit is which experiment: the session records each commit there (`put`, compare-and-swap). */
    private readonly experiments: ExperimentStore,
    options: ExperimentSessionOptions,
  ) {
    this.baseline = options.baseline
    this.resumed = !!options.resumed
    this.force = !!options.force
    this.execRefs = options.execRefs !== false
    this.workTree = options.workTree
    this.eventRoot = options.eventRoot ?? project.root
    this.serialize = options.serialize ?? ((work) => work())
    this.current = { parent: options.parent ?? options.baseline, ref: options.ref, name: options.name }
  }

  get parent(): string {
    return this.current.parent
  }

  get ref(): string | undefined {
    return this.current.ref
  }

  get name(): string | undefined {
    return this.current.name
  }

  record(stage: Stage, entry: LockEntry): void {
    this.entries.delete(stage) // keep the order in which stages finished
    this.entries.set(stage, entry)
  }

  /** The experiment hash over the stages recorded so far. */
  hash(): string {
    return experimentHash(this.entries)
  }

  /** Commit the workspace as the next commit of the chain; `onExperimentCommit` fires when a commit was written. */
  async commit(options: { checkpoint: boolean }): Promise<ExperimentCommit | undefined> {
    const result = await this.serialize(() => this.write(options.checkpoint))
    if (result && !result.reused) await this.notify(result)
    return result
  }

  async checkpoint(stage: Stage, lock: LockEntry): Promise<ExperimentCommit | undefined> {
    const result = await this.serialize(() => this.write(true))
    this.checkpointsTaken++
    await this.project.hooks.onCheckpoint.promise({
      stage,
      root: this.project.root,
      run: this.run,
      commit: result?.commit,
      ref: this.ref,
      lock,
      index: this.checkpointsTaken,
    })
    if (result && !result.reused) await this.notify(result)
    return result
  }

  private async write(checkpoint: boolean): Promise<ExperimentCommit | undefined> {
    const { store } = this
    const hash = this.hash()
    const message = `dvc: commit experiment ${hash}`
    const parent = this.current.parent
    const sha = await store.snapshot({ parent, message, include: await this.producedFiles(), workTree: this.workTree })
    const [made, before] = await Promise.all([store.readCommit(sha), store.readCommit(parent)])
    if (made.tree === before.tree) return undefined

    let result: ExperimentCommit
    if (this.current.ref) {
      await this.experiments.put({ baseline: this.baseline, name: this.current.name! }, sha, { expect: parent, message })
      result = { name: this.current.name!, ref: this.current.ref, commit: sha, parent, baseline: this.baseline, hash, checkpoint, reused: false }
    } else {
      result = await this.createRef(sha, made.tree, hash, checkpoint, message)
    }
    this.current = { parent: result.commit, ref: result.ref, name: result.name }
    this.commits.push(result)
    if (this.execRefs) {
      if (checkpoint) await this.experiments.writeMark('checkpoint', result.commit)
      await this.experiments.writeMark('applied', result.commit)
    }
    return result
  }

  private async notify(commit: ExperimentCommit): Promise<void> {
    await this.project.hooks.onExperimentCommit.promise({
      run: this.run,
      root: this.eventRoot,
      ref: commit.ref,
      commit: commit.commit,
      baseline: commit.baseline,
      name: commit.name,
      checkpoint: commit.checkpoint,
    })
  }

  /** The first commit of a new experiment: name it and create its ref (DVC §3.3 collisions). */
  private async createRef(sha: string, tree: string, hash: string, checkpoint: boolean, message: string): Promise<ExperimentCommit> {
    const name = this.current.name ?? autoExpName(hash)
    const id = { baseline: this.baseline, name }
    const ref = this.experiments.locator(id)
    const existing = await this.experiments.read(id)
    const base = { name, ref, parent: this.current.parent, baseline: this.baseline, hash, checkpoint }
    if (existing && !this.force) {
      if (checkpoint) {
        throw new TrellisError('EXP_EXISTS', `Checkpoint experiment '${name}' already exists (refs from an earlier run)`, {
          hint: `Use \`trellis exp run --reset\` to start it over (replacing it), or \`trellis exp apply ${name}\` then \`trellis exp run\` to continue it.`,
        })
      }
      if ((await this.store.readCommit(existing)).tree !== tree) {
        throw new TrellisError('EXP_EXISTS', `Experiment conflicts with existing experiment '${name}' (same ${this.current.name === undefined ? 'automatic ' : ''}name, different results)`, {
          hint: `Use \`trellis exp run -f\` to replace it, or \`trellis exp run -n <name>\` to keep both.${this.execRefs ? ' Your results are in the workspace.' : ''}`,
        })
      }
      return { ...base, commit: existing, reused: true }
    }
    await this.experiments.put(id, sha, { expect: existing ?? null, message })
    return { ...base, commit: sha, reused: false }
  }

  /** Untracked files a run may have created that belong in the experiment (DVC `git add`s them). */
  private producedFiles(): Promise<string[]> {
    this.produced ??= producedFiles(this.project)
    return this.produced
  }
}

/** dvc.yaml/dvc.lock files, uncached outputs and the .gitignore files beside cached ones, relative to the git root. */
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
  return [...files].map((p) => toGitPath(project, p))
}

/** A project-relative path as a path relative to the git work tree root (POSIX). */
export function toGitPath(project: Pick<Project, 'root' | 'gitRoot'>, path: string): string {
  return relative(project.gitRoot, join(project.root, path)).split(sep).join('/')
}
