/**
 * The plugin shape and the object handed to `apply` (webpack style: a plugin is
 * `{ name, apply(trellis) }`, and `trellis.core` is the engine's runtime API, as
 * webpack hands `compiler.webpack` to its plugins). A plugin needs nothing from
 * `@trellis/core` at run time: types come from `@trellis/core/plugin-api`
 * (`import type`), values from `trellis.core`.
 */
import type { DvcConfig } from '../config/dvc-config.js'
import type { StageFailedError, TrellisError } from '../errors.js'
import type { WorkTreeGuard } from '../fs/safe-path.js'
import type { ProjectLock } from '../lock/project-lock.js'
import type { ExperimentStore } from './experiment-store.js'
import type { GitRepository } from './git-repository.js'
import type { TrellisHooks } from './hooks.js'
import type { ProjectHandle } from './project-handle.js'
import type { QueueEntry, QueueResult, RunQueueOptions, RunQueueResult } from './queue-backend.js'
import type { ServiceRegistry } from './services.js'

export interface Trellis extends ProjectHandle {
  /** This plugin's own options: the second element of its `[name, options]` entry in the config (undefined without one). */
  readonly options: unknown
  /** The engine's runtime API (error classes and the functions plugins use). */
  readonly core: TrellisCore
  readonly hooks: TrellisHooks
  readonly services: ServiceRegistry
}

export interface TrellisPlugin {
  readonly name: string
  /** Tap hooks, register services. `options` is the same as `trellis.options`. */
  apply(trellis: Trellis, options?: unknown): void | Promise<void>
}

/** A keyed mutex shared by runs (see `QueueEntryRunOptions.stageGate`); `acquire` resolves to the release function. */
export interface StageGate {
  acquire(key: string): Promise<() => void>
}

export interface QueueEntryRunOptions {
  /** Progress lines. */
  log?: (line: string) => void
  onWarning?: (message: string) => void
  /** Where stage commands' output goes: the terminal, or a file descriptor (the entry's log). */
  stdio?: 'inherit' | number
  /** Runs sharing a run-cache pass the same gate: an identical stage running elsewhere is waited for, then restored. */
  stageGate?: StageGate
  /** Aborting stops this run's stage commands only (their process groups; commands not yet started do not start): the run ends with INTERRUPTED. */
  signal?: AbortSignal
  queued: {
    /** The entry's baseline (HEAD may have moved since it was queued). */
    baseline: string
    /** The work tree to snapshot (made by the workspace provider). */
    workTree: string
    /** The main project's root, reported in events. */
    root: string
    /** Every commit (ref move) runs through it: the queue's single writer. */
    serialize?: <T>(work: () => Promise<T>) => Promise<T>
  }
}

export interface QueueEntryRunResult {
  /** Undefined when nothing changed (no experiment was made). */
  experiment?: QueueResult & { baseline: string; checkpoints: number }
}

/** The runtime API every plugin receives as `trellis.core`. */
export interface TrellisCore {
  /** The version of `@trellis/core` that runs. */
  readonly version: string
  /** The error family: `new trellis.core.TrellisError(code, message, { hint })`. `instanceof` works across copies of the package. */
  readonly TrellisError: typeof TrellisError
  readonly StageFailedError: typeof StageFailedError
  /** The project's git repository (the `gitRepository` service). */
  gitRepository(project: ProjectHandle): Promise<GitRepository>
  /** The project's experiment store (the `experimentStore` service). */
  experimentStore(project: ProjectHandle): Promise<ExperimentStore>
  /** Run a queue entry in a workspace opened with `project.openWorkspace(runWorkspace.cwd)` (`exp run` with the entry's request). */
  runQueueEntry(workspace: ProjectHandle, entry: QueueEntry, options: QueueEntryRunOptions): Promise<QueueEntryRunResult>
  /** `exp push` of some experiments (full refs or names) to a git remote, with their cached data; throws when a transfer failed. */
  pushExperiments(project: ProjectHandle, gitRemote: string, options: { names: string[]; onWarning?: (message: string) => void }): Promise<void>
  /** `exp pull` of some experiments (full refs or names) from a git remote, with their cached data; throws when a transfer failed. */
  pullExperiments(project: ProjectHandle, gitRemote: string, options: { names: string[]; onWarning?: (message: string) => void }): Promise<void>
  /**
   * Move the cached data of commits (their dvc.lock / `.dvc` outputs and deps, each commit down
   * to its baseline) to (`push`) or from (`fetch`) the project's DVC remote (`core.remote`, or
   * `dvcRemote`): what a distributed queue sends with an entry and fetches before running it.
   * Objects already on the other side are skipped; throws REMOTE_TRANSFER_FAILED when one failed to move.
   */
  transferCommitData(
    project: ProjectHandle,
    direction: 'push' | 'fetch',
    commits: ReadonlyArray<{ commit: string; baseline: string }>,
    options?: { dvcRemote?: string; onWarning?: (message: string) => void },
  ): Promise<{ transferred: number; present: number; missing: number }>
  /** Link (or copy) every output recorded in the project's dvc.lock files from the cache into its work tree (`settings`: the trellis config's, e.g. `dvcFormat`). */
  checkoutWorkspace(project: { root: string; dvcConfig: DvcConfig; settings?: Readonly<Record<string, unknown>> }): Promise<{ outputs: number; files: number; missing: string[] }>
  /** Send a signal to the process group of every stage command this process runs. */
  interruptCommands(signal: NodeJS.Signals): void
  /** Handle SIGINT/SIGTERM by interrupting the running commands; returns the function that gives the signals back. */
  takeOverSignals(): () => void
  /** Write a file atomically (temp file, fsync, rename). */
  writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void>
  /** `.dvc/config` + `config.local` of a project root, as DVC reads them. */
  loadDvcConfig(root: string): Promise<DvcConfig>
  /** Parse a DVC (git-style INI) config file's text. */
  parseIni(text: string, file: string): Record<string, Record<string, string>>
  /** A URL with its password masked. */
  redactUrl(url: string): string
  /** `text` with every URL's password and each of `secrets` masked (for a tool's output that may echo a remote URL). */
  redactText(text: string, secrets?: Iterable<string>): string
  /** The secrets a URL carries (its password, and its user when it stands for a token), for `redactText`. */
  urlSecrets(url: string): string[]
  /** `refs/exps/<AA>/<38 hex>/<name>` */
  expRefFor(baseline: string, name: string): string
  parseExpRef(ref: string): { baseline: string; name: string } | undefined
  /** DVC's stash message `dvc-exp:<rev>:<baseline>:<name>[:<branch>]`. */
  dvcExpMessage(rev: string, baseline: string, name?: string, branch?: string): string
  parseDvcExpMessage(message: string): { rev: string; baseline: string; name?: string; branch?: string } | undefined

  // ---- the queue ----------------------------------------------------------------
  /**
   * The queue runner over the project's `queue` backend (what `exp run --run-all` runs):
   * recover, then claim entries as slots free up (`jobs`), each run by `runQueueEntry` in a
   * workspace from the `workspaceProvider` service, its end reported to the backend
   * (complete / fail / release) and to the bus (`queueEntryChanged`). SIGINT/SIGTERM stop the
   * running commands and put unfinished entries back. `waitMs`, `maxJobs`, `idleExitMs`, `once`
   * make it a worker (`trellis queue worker`). Never throws for a failed entry (see the result).
   */
  runQueue(project: ProjectHandle, options?: RunQueueOptions): Promise<RunQueueResult>
  /** Write a file atomically in the calling thread (many small records in a row). */
  writeFileAtomicSync(path: string, data: string | Uint8Array, mode?: number): void
  /**
   * A flock-held lock file, DVC's kind (`new trellis.core.ProjectLock(path, cmd)`, then
   * `acquire()` / `release()`): released by the kernel when its holder dies; the local queue's
   * lock (`.dvc/tmp/exps/queue.lock`).
   */
  readonly ProjectLock: typeof ProjectLock
  /**
   * Paths inside a work tree that symlinks cannot lead out of (`new WorkTreeGuard(root)`,
   * `guard.path(rel, { internal: true, source })`): for files a plugin writes into a work tree
   * it did not make (a checked-out commit may hold symlinks).
   */
  readonly WorkTreeGuard: typeof WorkTreeGuard
}
