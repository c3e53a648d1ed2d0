/**
 * An opened Trellis/DVC project: its roots, both configurations, the hook bus
 * and the services plugins registered. `Project.open()` is the entry point of
 * the Node API and of every CLI command.
 */
import { join } from 'node:path'
import { cleanStaging } from './cache/cache-staging.js'
import { loadDvcConfig, type DvcConfig } from './config/dvc-config.js'
import { loadTrellisConfig, type TrellisConfig } from './config/trellis-config.js'
import { createHooks, type TrellisHooks } from './hooks.js'
import { ProjectLock, type AcquireOptions } from './lock/project-lock.js'
import { applyPlugins, resolvePlugins } from './plugins/load-plugins.js'
import { ServiceRegistry } from './plugins/service-registry.js'
import type { Trellis, TrellisPlugin } from './plugins/trellis.js'
import { findProjectRoot } from './repo/find-root.js'

export interface OpenOptions {
  /** The built-in plugins (the CLI passes git-refs, checkpoints and queue); loaded before the config's own. */
  defaultPlugins?: () => Promise<TrellisPlugin[]>
  /** Skip plugin loading entirely (read-only helpers). */
  noPlugins?: boolean
}

export class Project implements Trellis {
  readonly hooks: TrellisHooks
  readonly services: ServiceRegistry

  private constructor(
    /** The DVC root (the directory holding `.dvc/`). */
    readonly root: string,
    /** The git work tree root (equal to `root` unless the project is a --subdir one). */
    readonly gitRoot: string,
    /** Where the command was run from. */
    readonly cwd: string,
    readonly dvcConfig: DvcConfig,
    readonly config: TrellisConfig,
    shared?: { hooks: TrellisHooks; services: ServiceRegistry },
  ) {
    this.hooks = shared?.hooks ?? createHooks()
    this.services = shared?.services ?? new ServiceRegistry()
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

  static async open(cwd: string = process.cwd(), options: OpenOptions = {}): Promise<Project> {
    const { root, gitRoot } = findProjectRoot(cwd)
    const [dvcConfig, config] = await Promise.all([loadDvcConfig(root), loadTrellisConfig(root)])
    const project = new Project(root, gitRoot, cwd, dvcConfig, config)
    if (!options.noPlugins) {
      // Built-ins first, then the config's plugins (a later plugin can replace a service: the
      // last registration wins). A config plugin with a built-in's name takes its place, so
      // nothing is applied twice; `builtins: false` in the config leaves the built-ins out.
      const configured = config.plugins ? await resolvePlugins(root, config.plugins, config.filepath!) : []
      const names = new Set(configured.map(([plugin]) => plugin.name))
      const builtins = options.defaultPlugins && config.settings.builtins !== false ? await options.defaultPlugins() : []
      await applyPlugins(project, [...builtins.filter((plugin) => !names.has(plugin.name)), ...configured])
    }
    return project
  }

  /**
   * The same project in another work tree (a temporary workspace of a queued
   * experiment): root discovery and `.dvc/config` from `cwd`, while the hook bus,
   * the services and the trellis config are this project's, so plugins loaded
   * once see every run (events carry the root they concern).
   */
  async openWorkspace(cwd: string): Promise<Project> {
    const { root, gitRoot } = findProjectRoot(cwd)
    const dvcConfig = await loadDvcConfig(root)
    return new Project(root, gitRoot, cwd, dvcConfig, this.config, { hooks: this.hooks, services: this.services })
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
