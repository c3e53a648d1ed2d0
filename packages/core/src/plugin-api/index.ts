/**
 * `@trellis/core/plugin-api`: everything a plugin reads, in one place — the hooks
 * and their payloads, the plugin shape and the runtime API it is handed, the
 * service registry, and the contracts of the services (experiment store, queue
 * backend, workspace provider, data remotes). Types only, plus `createHooks`.
 */
export * from './hooks.js'
export * from './run-info.js'
export * from './plugin.js'
export * from './project-handle.js'
export * from './services.js'
export * from './experiment-run.js'
export * from './git-repository.js'
export * from './experiment-store.js'
export * from './checkpoints.js'
export * from './queue-backend.js'
export * from './workspace-provider.js'
export * from './data-remote.js'
export type { LockEntry, Stage, Out, Dep, ParamsDep, HashInfo, LockPathEntry } from '../pipeline/types.js'
export type { DvcConfig } from '../config/dvc-config.js'
export type { ErrorCode } from '../errors.js'
