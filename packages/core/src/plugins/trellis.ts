/**
 * The object handed to every plugin's `apply`: the hook bus, the service
 * registry, the project root and the plugin's options (webpack style).
 */
import type { TrellisHooks } from '../hooks.js'
import type { ServiceRegistry } from './service-registry.js'

export interface Trellis {
  /** The project root (the directory holding `.dvc/`). */
  readonly root: string
  /** The git work tree root (equal to `root` unless the project lives in a subdirectory). */
  readonly gitRoot: string
  readonly hooks: TrellisHooks
  readonly services: ServiceRegistry
  /** Settings from the `trellis` config (cosmiconfig), minus `plugins`. */
  readonly settings: Readonly<Record<string, unknown>>
}

export interface TrellisPlugin {
  readonly name: string
  apply(trellis: Trellis, options?: unknown): void | Promise<void>
}
