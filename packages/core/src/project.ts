/**
 * An opened Trellis/DVC project: its roots, both configurations, the hook bus
 * and the services plugins registered. `openProject()` (plugins/open-project.ts)
 * opens one and applies its plugins; `Project.open()` opens one without plugins.
 */
import { join } from 'node:path'
import { cleanStaging } from './cache/cache-staging.js'
import { loadDvcConfig, type DvcConfig } from './config/dvc-config.js'
import { loadTrellisConfig, type TrellisConfig } from './config/trellis-config.js'
import { createHooks, type TrellisHooks } from './plugin-api/hooks.js'
import type { ProjectHandle } from './plugin-api/project-handle.js'
import { ProjectLock, type AcquireOptions } from './lock/project-lock.js'
import { ServiceRegistry } from './plugins/service-registry.js'
import { findProjectRoot } from './repo/find-root.js'

/** The bus and the services, shared by a project and the workspaces opened from it. */
interface Shared {
  hooks: TrellisHooks
  services: ServiceRegistry
  /** The plugin whose `apply` is running (taps registered now belong to it). */
  applying?: string
  /** Where observer-tap failures go (default: a WARNING on stderr). */
  warn: (message: string) => void
}

export class Project implements ProjectHandle {
  readonly hooks: TrellisHooks
  readonly services: ServiceRegistry
  private readonly shared: Shared

  private constructor(
    /** The DVC root (the directory holding `.dvc/`). */
    readonly root: string,
    /** The git work tree root (equal to `root` unless the project is a --subdir one). */
    readonly gitRoot: string,
    /** Where the command was run from. */
    readonly cwd: string,
    readonly dvcConfig: DvcConfig,
    readonly config: TrellisConfig,
    shared?: Shared,
  ) {
    this.shared = shared ?? Project.newShared(config)
    this.hooks = this.shared.hooks
    this.services = this.shared.services
  }

  private static newShared(config: TrellisConfig): Shared {
    const shared: Shared = {
      warn: (message) => void process.stderr.write(`WARNING: ${message}\n`),
      hooks: createHooks(
        (plugin, hook, error) => shared.warn(`plugin '${plugin}' failed in ${hook}: ${error instanceof Error ? error.message : String(error)} (ignored: results are kept)`),
        (tapName) => shared.applying ?? tapName,
      ),
      services: new ServiceRegistry(config.services, config.filepath ? `'${config.filepath}'` : 'the trellis config'),
    }
    return shared
  }

  get settings(): Readonly<Record<string, unknown>> {
    return this.config.settings
  }

  get dvcDir(): string {
    return join(this.root, '.dvc')
  }

  get tmpDir(): string {
    return join(this.root, '.dvc', 'tmp')
  }

  /** Open the project `cwd` is in, without plugins (see `openProject`). */
  static async open(cwd: string = process.cwd()): Promise<Project> {
    const { root, gitRoot } = findProjectRoot(cwd)
    const [dvcConfig, config] = await Promise.all([loadDvcConfig(root), loadTrellisConfig(root)])
    return new Project(root, gitRoot, cwd, dvcConfig, config)
  }

  /** Run `apply` with taps attributed to `plugin` (observer failures are reported with its name). */
  async applying<T>(plugin: string, apply: () => T | Promise<T>): Promise<T> {
    this.shared.applying = plugin
    try {
      return await apply()
    } finally {
      this.shared.applying = undefined
    }
  }

  /** Where warnings of the bus go (observer taps that threw); the CLI keeps stderr. */
  set onWarning(warn: (message: string) => void) {
    this.shared.warn = warn
  }

  /**
   * The same project in another work tree (a temporary workspace of a queued
   * experiment): root discovery and `.dvc/config` from `cwd`, while the hook bus,
   * the services and the trellis config are this project's, so plugins loaded
   * once see every run (events carry the run they concern).
   */
  async openWorkspace(cwd: string): Promise<Project> {
    const { root, gitRoot } = findProjectRoot(cwd)
    const dvcConfig = await loadDvcConfig(root)
    return new Project(root, gitRoot, cwd, dvcConfig, this.config, this.shared)
  }

  /**
   * Take the project lock (`.dvc/tmp/lock`) for a writing command; then remove what killed
   * cache writes left in the cache's staging directory.
   */
  async lock(cmd: string, options?: AcquireOptions): Promise<ProjectLock> {
    const lock = new ProjectLock(join(this.tmpDir, 'lock'), cmd)
    await lock.acquire(options)
    cleanStaging(this.dvcConfig.cacheDir)
    return lock
  }
}
