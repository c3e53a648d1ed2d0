export * from './errors.js'
export * from './plugin-api/index.js'
export * from './pipeline/types.js'
export * from './util/python-json.js'
export * from './project.js'
export { ServiceRegistry } from './plugins/service-registry.js'
export { openProject, type OpenOptions } from './plugins/open-project.js'
export { resolvePluginFile, type LoadedPlugin } from './plugins/load-plugins.js'
export { runtimeApi } from './plugins/runtime-api.js'
export * from './config/dvc-config.js'
export * from './config/trellis-config.js'
export { initProject, type InitOptions } from './repo/init-project.js'
export { reproduce, plannedStages, type ReproOptions, type ReproResult, type StageOutcome } from './pipeline/repro.js'
export { reproduceLocked, summarizeRepro, throwIfFailed } from './pipeline/repro-session.js'
export { PipelineIndex } from './pipeline/pipeline-index.js'
export { pipelineStatus, renderStatus, type StatusOptions } from './pipeline/status.js'
export { workspaceMetrics, metricsFiles, type MetricsShowOptions, type RevMetrics } from './metrics/workspace-metrics.js'
export { renderMetricsShow } from './metrics/metrics-show.js'
export { computeDiff, renderDiff } from './metrics/compare.js'
export { renderTable } from './render/table.js'
export { Hasher } from './hash/hasher.js'
export { ObjectCache } from './cache/object-cache.js'
export * from './experiments/refs/exp-ref.js'
export * from './experiments/refs/resolve-exp.js'
export * from './experiments/run/exp-hash.js'
export { runExperiment, checkExpRun, gitRepository, experimentStore, requireCheckpointSupport, type ExpRunOptions, type ExpRunResult, type QueuedRunContext } from './experiments/run/exp-run.js'
export {
  ExperimentSession,
  producedFiles,
  toGitPath,
  type ExperimentSessionOptions,
} from './experiments/run/experiment-session.js'
export {
  checkpointChain,
  refsContaining,
  isDerivedFrom,
  resetCheckpoints,
  workspaceResumePoint,
  checkResumeFlags,
  resolveCheckpointRev,
  decideCheckpointResume,
  checkpointStages,
  deleteCheckpointOutputs,
  restoreCheckpointOutputs,
  checkpointInputsDiffer,
  type ChainCommit,
  type CheckpointChain,
  type RefContaining,
  type ResumeFlags,
  type CheckpointOrigin,
  type ResumeDecision,
} from './experiments/run/checkpoints.js'
export * from './experiments/queue/queue.js'
export { checkoutWorkspace, type CheckoutResult } from './pipeline/checkout.js'
export { interruptCommands, takeOverSignals, wasInterrupted } from './pipeline/run-command.js'
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
} from './params/param-overrides.js'
export type { EditOp, PathSegment } from './params/edit-ops.js'
export * from './experiments/run/exec-refs.js'
export { expChain, expRefsContaining, pickTowardHead, type ExpRefAt } from './experiments/refs/exp-lineage.js'
export { baselineLabels } from './experiments/show/baseline-label.js'
export { listExperiments, renderExperimentList, experimentListToJson, type ListExperimentsOptions, type ExperimentListing } from './experiments/show/exp-list.js'
export { branchExperiment, checkBranchName, type BranchResult } from './experiments/apply/exp-branch.js'
export type { QueuedExperiments, QueuedEntry } from './experiments/queue/queued-experiments.js'
export { removeExperiments, deleteExperimentRefs, type RemoveExperimentsOptions, type RemoveExperimentsResult } from './experiments/manage/exp-remove.js'
export { gcExperiments, gcWarning, checkGcFlags, type GcExperimentsOptions, type GcExperimentsResult } from './experiments/manage/exp-gc.js'
export { applyExperiment, undoApply, type ApplyOptions, type ApplyResult, type UndoOptions, type UndoResult, type RecoveredApply } from './experiments/apply/exp-apply.js'
export { latestUndoRecord, type UndoRecord, type LoadedUndoRecord } from './experiments/apply/undo-record.js'
export { renderExpShow, expShowTable, type ExpShowData, type ExpEntry, type ExpRowData, type ExpShowOptions, type ExpShowFormat } from './experiments/show/show-table.js'
export { collectExpShow, localIsoTime, type CollectExpShowOptions, type ExtraExpRow } from './experiments/show/exp-show.js'
export { selectBaselines, commitNames, currentBaseline, type BaselineSelection } from './experiments/show/baselines.js'
export { expDiff, metricsDiff, paramsDiff, WORKSPACE, type RevDiffOptions, type ExpDiffResult } from './experiments/read/rev-diff.js'
export { RevReader, type RevReaderOptions } from './experiments/read/rev-reader.js'
export { collectRevData, type RevData, type FileEntry, type CollectRevDataOptions } from './experiments/read/rev-data.js'
export { RevDataCache, revDataCachePath, REV_DATA_CACHE_VERSION, type CachedCommit } from './experiments/read/rev-data-cache.js'
export { GitTreeSource, WorkspaceSource, type RevSource } from './experiments/read/rev-source.js'
export { viewParams, viewMetrics, displayPath, type RevViewOptions } from './experiments/read/rev-view.js'
export { errorInfo, type ErrorInfo } from './experiments/show/error-info.js'
export { diffTable, DIFF_NOT_SUPPORTED, type DiffResult, type RenderDiffOptions, type DiffFormat } from './metrics/compare.js'
export { renderJson, dumpsJson } from './render/json.js'
export {
  throwIfTransferFailed,
  type ShareContext,
  type ShareOptions,
  type ShareStatus,
  type SharedExperiment,
  type ShareResult,
  type DataTransfer,
} from './experiments/share/exp-share.js'
export { pushExperiments, selectLocalExperiments, type ExpPushOptions, type ExpSelection } from './experiments/share/exp-push.js'
export { pullExperiments, remoteExperiments, selectRemoteExperiments, type ExpPullOptions } from './experiments/share/exp-pull.js'
export { experimentCommits, usedObjects, type UsedObject } from './experiments/share/exp-objects.js'
export { openDataRemote, type DataRemoteBackends } from './remote/data-remote.js'
export { LocalDirRemote } from './remote/local-remote.js'
export { pushObjects, fetchObjects, DEFAULT_JOBS, type TransferOptions, type TransferSummary } from './remote/transfer.js'
export { redactUrl, redactText, urlSecrets } from './util/redact-url.js'
