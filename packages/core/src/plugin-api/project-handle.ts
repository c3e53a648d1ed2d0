/**
 * What a plugin knows of the project it was applied to and of the projects
 * (temporary workspaces) the engine opens for it. Core's `Project` implements it;
 * a plugin passes these handles back to `trellis.core` functions.
 */
import type { DvcConfig } from '../config/dvc-config.js'
import type { TrellisHooks } from './hooks.js'
import type { ServiceRegistry } from './services.js'

export interface ProjectHandle {
  /** The project root (the directory holding `.dvc/`). */
  readonly root: string
  /** The git work tree root (equal to `root` unless the project lives in a subdirectory). */
  readonly gitRoot: string
  /** Where the command was run from. */
  readonly cwd: string
  /** `<root>/.dvc` */
  readonly dvcDir: string
  /** `<root>/.dvc/tmp` */
  readonly tmpDir: string
  /** `.dvc/config` (with `config.local`), as DVC reads it. */
  readonly dvcConfig: DvcConfig
  /** The trellis config's project-wide settings (e.g. `dvcFormat`), and each service's mapping (`queue: {backend: redis, url: …}`: the chosen implementation's options); a plugin's own options come with `trellis.options`. */
  readonly settings: Readonly<Record<string, unknown>>
  readonly hooks: TrellisHooks
  readonly services: ServiceRegistry
  /** The same project in another work tree (a temporary workspace): same hooks, services and config. */
  openWorkspace(cwd: string): Promise<ProjectHandle>
  /** Take the project lock (`.dvc/tmp/lock`) for a writing command. */
  lock(cmd: string, options?: { timeoutMs?: number }): Promise<{ release(): Promise<void> }>
}
