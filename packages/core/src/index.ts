export * from './errors.js'
export * from './hooks.js'
export * from './pipeline/types.js'
export * from './util/python-json.js'
export * from './project.js'
export * from './plugins/trellis.js'
export * from './plugins/service-registry.js'
export * from './experiments/experiment-store.js'
export * from './config/dvc-config.js'
export * from './config/trellis-config.js'
export { initProject, type InitOptions } from './repo/init-project.js'
export { reproduce, type ReproOptions, type ReproResult, type StageOutcome } from './pipeline/repro.js'
export { reproduceLocked, summarizeRepro, throwIfFailed } from './pipeline/repro-session.js'
export { PipelineIndex } from './pipeline/pipeline-index.js'
export { pipelineStatus, renderStatus, type StatusOptions } from './pipeline/status.js'
export { workspaceMetrics, metricsFiles, type MetricsShowOptions, type RevMetrics } from './metrics/workspace-metrics.js'
export { renderMetricsShow } from './metrics/metrics-show.js'
export { computeDiff, renderDiff } from './metrics/compare.js'
export { renderTable } from './render/table.js'
export { Hasher } from './hash/hasher.js'
export { ObjectCache } from './cache/object-cache.js'
export * from './experiments/exp-ref.js'
export * from './experiments/resolve-exp.js'
export * from './experiments/exp-hash.js'
export {
  runExperiment,
  checkExpRun,
  experimentStore,
  commitExperiment,
  recordExperiment,
  reproducedEntries,
  producedFiles,
  EXEC_APPLY,
  type ExpRunOptions,
  type ExpRunResult,
  type CommitExperimentOptions,
} from './experiments/exp-run.js'
export * from './experiments/queue.js'
export { checkoutWorkspace, type CheckoutResult } from './pipeline/checkout.js'
export { interruptCommands, takeOverSignals, wasInterrupted } from './pipeline/run-command.js'
export type { StageGate } from './pipeline/repro.js'
export { ProjectLock, type AcquireOptions, type LockOwner } from './lock/project-lock.js'
export { writeFileAtomic } from './util/atomic-write.js'
export { pickle, type PickleValue } from './util/pickle.js'
export {
  parseOverrides,
  parseKeyPath,
  parseOverrideValue,
  resolveKeyPath,
  planOverrides,
  applyOverrides,
  editParamsText,
  type Override,
  type KeySegment,
  type ParamChange,
  type FilePlan,
  type OverridePlan,
  type ApplyOverridesResult,
} from './experiments/param-overrides.js'
export type { EditOp, PathSegment } from './params/edit-ops.js'
