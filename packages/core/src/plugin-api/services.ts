/**
 * The service registry: named services that plugins provide and core consumes.
 * Each service may have several implementations, each registered under its own
 * name by the plugin that provides it; the project's config chooses one by name
 * (`queue: {backend: local}`, `experimentStore: {backend: git-refs}`). Without a
 * choice the only implementation is used, and two are an error naming both.
 * A service is created on first use, so a command that never needs git never
 * loads a git library. The registry belongs to one project (nothing is
 * module-global), so a plugin that bundles its own copy of `@trellis/core`
 * still registers where the engine looks.
 */
import type { CheckpointSupport } from './checkpoints.js'
import type { DataRemoteFactory } from './data-remote.js'
import type { ExperimentStore } from './experiment-store.js'
import type { GitRepository } from './git-repository.js'
import type { QueueBackend } from './queue-backend.js'
import type { WorkspaceProvider } from './workspace-provider.js'

export interface ServiceMap {
  /** Where experiments are stored (`git-refs`: commits under `refs/exps/`, DVC's layout). */
  gitRepository: GitRepository
  /** Which commit is which experiment (`git-refs`: DVC's `refs/exps/<baseline>/<name>`). */
  experimentStore: ExperimentStore
  /** The experiment queue (`local`: DVC's `refs/exps/stash` and records under `.dvc/tmp/exps/`). */
  queue: QueueBackend
  /** Where a queued run executes (`temp`: a temporary work tree under `.dvc/tmp/exps/`). */
  workspaceProvider: WorkspaceProvider
  /** The checkpoints plugin's rules (resume or fork); without it a `checkpoint: true` stage is refused before anything runs. */
  checkpoints: CheckpointSupport
}

export type ServiceName = keyof ServiceMap & string

export type ServiceFactory<T> = () => T | Promise<T>

export interface ServiceRegistry {
  /**
   * Register an implementation of a service. `implementation` is the name the config
   * selects it by (`local`, `git-refs`, `redis`); registering the same name again replaces it.
   */
  register<K extends ServiceName>(service: K, implementation: string, factory: ServiceFactory<ServiceMap[K]>): void
  /** Whether any implementation of the service is registered. */
  has(service: ServiceName): boolean
  /** The names of the registered implementations, in registration order. */
  implementations(service: ServiceName): string[]
  /** The chosen implementation, created on first use (PLUGIN_INVALID when none, or when several and the config chose none). */
  get<K extends ServiceName>(service: K): Promise<ServiceMap[K]>
  /** Add (or replace) the data-remote backend for a URL scheme (`s3`, `mem`, …). */
  registerDataRemote(scheme: string, factory: DataRemoteFactory): void
  /** The data-remote backend of a scheme, if one is registered. */
  dataRemote(scheme: string): DataRemoteFactory | undefined
}
