/**
 * Reads revisions for `exp show` and the diffs: commit time and parents, and the params
 * and metrics of a commit (rev-data.ts) or of the workspace — commits through the
 * summary index (rev-data-cache.ts) first, git only for what it does not hold yet.
 * Call `save()` when done so the next command finds what this one read.
 */
import { posix, relative, sep } from 'node:path'
import type { Project } from '../../project.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { collectRevData, type CollectRevDataOptions, type RevData } from './rev-data.js'
import { RevDataCache, revDataCachePath, type CachedCommit } from './rev-data-cache.js'
import { GitTreeSource, WorkspaceSource } from './rev-source.js'

export interface RevReaderOptions {
  /** Use (and update) the summary index under `.dvc/tmp/exps/` (default true). */
  cache?: boolean
}

export class RevReader {
  private constructor(
    readonly project: Project,
    readonly store: GitRepository,
    /** Which commits are experiments (the `experimentStore` service). */
    readonly experiments: ExperimentStore,
    private readonly cache: RevDataCache,
    /** The DVC root relative to the git worktree root ('' when they are the same). */
    private readonly prefix: string,
    private readonly collectOptions: CollectRevDataOptions,
  ) {}

  static async open(project: Project, options: RevReaderOptions = {}): Promise<RevReader> {
    const store = await project.services.get('gitRepository')
    const experiments = await project.services.get('experimentStore')
    const prefix = relative(project.gitRoot, project.root).split(sep).join(posix.sep)
    // (the `parsing` config only changes how dicts render in `cmd`, never params or metrics)
    const collectOptions: CollectRevDataOptions = { root: project.root, cacheDir: project.dvcConfig.cacheDir }
    const scope = JSON.stringify({ prefix, cacheDir: collectOptions.cacheDir })
    const cache = options.cache === false ? RevDataCache.memory() : await RevDataCache.load(revDataCachePath(project.tmpDir), scope)
    return new RevReader(project, store, experiments, cache, prefix, collectOptions)
  }

  /** A commit's time and parents. */
  async commit(sha: string): Promise<CachedCommit> {
    const known = this.cache.commit(sha)
    if (known) return known
    const info = await this.store.readCommit(sha)
    const commit = { timestamp: info.timestamp, parents: info.parents }
    this.cache.putCommit(info.sha, commit)
    return commit
  }

  /** The params and metrics of a commit. */
  async data(sha: string): Promise<RevData> {
    const known = this.cache.data(sha)
    if (known) return known
    await this.commit(sha)
    const source = await GitTreeSource.open(this.store, sha, this.prefix)
    const { data, transient } = await collectRevData(source, this.collectOptions)
    if (!transient) this.cache.putData(sha, data)
    return data
  }

  /** The params and metrics of the workspace (never cached). */
  async workspace(): Promise<RevData> {
    return (await collectRevData(new WorkspaceSource(this.project.root), this.collectOptions)).data
  }

  save(): Promise<void> {
    return this.cache.save()
  }
}
