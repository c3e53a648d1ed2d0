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
export { runExperiment, checkExpRun, gitRepository, experimentStore, type ExpRunOptions, type ExpRunResult, type QueuedRunContext } from './experiments/run/exp-run.js'
export {
  ExperimentSession,
  producedFiles,
  toGitPath,
  type ExperimentSessionOptions,
} from './experiments/run/experiment-session.js'
export { checkpointChain, refsContaining, isDerivedFrom, type ChainCommit, type CheckpointChain } from './experiments/run/checkpoint-chain.js'
export { resetCheckpoints, lastCheckpoint } from './experiments/run/last-checkpoint.js'
export { checkResumeFlags, expRunMode, type ResumeFlags, type ExpRunFlags, type ExpRunMode } from './experiments/run/run-mode.js'
export { resolveCheckpointRev } from './experiments/run/checkpoint-origin.js'
export { checkpointStages, deleteCheckpointOutputs, restoreCheckpointOutputs, checkpointInputsDiffer } from './experiments/run/checkpoint-outputs.js'
export { requireCheckpointSupport, checkpointSupport } from './experiments/run/checkpoint-support.js'
export * from './experiments/queue/queue.js'
export { runQueue } from './experiments/queue/queue-runner.js'
export { runQueueEntry } from './experiments/queue/run-queue-entry.js'
export { KeyedMutex } from './experiments/queue/stage-gate.js'
export { checkoutWorkspace, type CheckoutResult, type CheckoutOptions as CheckoutWorkspaceOptions } from './pipeline/checkout.js'
export { interruptCommands, takeOverSignals, wasInterrupted, withRunSignal } from './pipeline/run-command.js'
export { ProjectLock, type AcquireOptions, type LockOwner } from './lock/project-lock.js'
export { writeFileAtomic, writeFileAtomicSync } from './util/atomic-write.js'
export { WorkTreeGuard, unsafeName, type CheckOptions, type FinalLink, type PlannedEntry, type Refusal } from './fs/safe-path.js'
export { pickle, type PickleValue } from './util/pickle.js'
export {
  parseOverrides,
  parseKeyPath,
  overridesFromParsed,
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
export { parseOverrideArg, formatOverride, formatOverrideValue, hasSweep, type ParsedOverride, type OverrideOp, type SweepSpec } from './params/override-grammar.js'
export { expandSweep, DEFAULT_MAX_RUNS, type Assignment, type ExpandOptions } from './params/sweep-expand.js'
export { seededRandom, type SeededRandom } from './util/seeded-random.js'
export { isSweep, planSweep, renderSweepPlan, queueSweep, runSweep, type SweepOptions, type SweepPlan, type SweepCombination } from './experiments/run/sweep.js'
export { sweepEntries, selectSweepRows, keepSweptParams, renderSweepSummary, type SweepSummaryOptions } from './experiments/show/sweep-show.js'
export { expChain, expRefsContaining, pickTowardHead, type ExpRefAt } from './experiments/refs/exp-lineage.js'
export { baselineLabels } from './experiments/show/baseline-label.js'
export { listExperiments, renderExperimentList, experimentListToJson, type ListExperimentsOptions, type ExperimentListing } from './experiments/show/exp-list.js'
export { branchExperiment, checkBranchName, type BranchResult } from './experiments/apply/exp-branch.js'
export type { QueuedExperiments, QueuedEntry } from './experiments/queue/queued-experiments.js'
export { removeExperiments, deleteExperimentRefs, type RemoveExperimentsOptions, type RemoveExperimentsResult } from './experiments/manage/exp-remove.js'
export { gcExperiments, gcWarning, checkGcFlags, type GcExperimentsOptions, type GcExperimentsResult } from './experiments/manage/exp-gc.js'
export { applyExperiment, undoApply, type ApplyOptions, type ApplyResult, type UndoOptions, type UndoResult, type RecoveredApply } from './experiments/apply/exp-apply.js'
export { latestUndoRecord, APPLY_UNDO_REF, type UndoRecord, type LoadedUndoRecord } from './experiments/apply/undo-record.js'
export { renderExpShow, expShowTable, type ExpShowOptions, type ExpShowFormat } from './experiments/show/show-table.js'
export type { ExpShowData, ExpEntry, ExpRowData } from './experiments/show/show-data.js'
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
export { redactUrl, redactText, redactError, urlSecrets } from './util/redact-url.js'
export * from './plots/index.js'
export * from './dag/index.js'
export * from './config/configobj.js'
export * from './config/remote-config.js'
export { pushData, fetchData, pullData, throwIfNotFetched, type DataSyncOptions, type DataSyncResult } from './data/data-sync.js'
export { trackedOutputs, type TrackedOutput, type OutputSelection } from './data/tracked-outputs.js'
export { revisionObjects, scopeCommits, type RevisionScope } from './data/revision-objects.js'
export { addData, type AddOptions, type AddResult } from './data/add-data.js'
export { workTreePath } from './data/work-tree-path.js'
export { commitData, type CommitOptions, type CommitResult } from './data/commit-data.js'
export { planGc, runGc, checkDataGcFlags, dataGcWarning, type GcObject, type GcOptions, type GcPlan, type GcTarget } from './data/gc-cache.js'
export { addStage, type StageAddOptions, type StageAddResult } from './data/stage-add.js'
