/**
 * Where a queued run executes. A provider belongs to the project whose registry
 * created it (its factory receives `trellis`). The built-in provider (`temp`, from the queue
 * plugin) checks the entry's commit out into a temporary work tree under
 * `.dvc/tmp/exps/`, with data linked from the shared cache; another provider
 * could run in a container or on a scratch disk. Selected like every service
 * (`workspaceProvider: {backend: temp}`).
 */
import type { GitRepository } from './git-repository.js'

export interface RunWorkspace {
  /** The work tree's top (the git root of the copy). */
  dir: string
  /** The DVC project root inside it. */
  root: string
  /** Where `exp run` was run from, inside it. */
  cwd: string
  /** Outputs linked from the cache, files among them, and outputs missing from the cache. */
  checkout: { outputs: number; files: number; missing: string[] }
}

export interface WorkspaceProvider {
  readonly name: string
  /** Materialise an entry's commit in `dir` (empty or absent) for a run: files, `.dvc/config.local`, data from the cache. */
  create(store: GitRepository, entry: { id: string; baseline: string; request?: { cwd: string } }, dir: string): Promise<RunWorkspace>
  /** Remove a workspace made by `create`, whatever state the run left it in. */
  remove(dir: string): Promise<void>
}
