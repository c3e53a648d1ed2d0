/**
 * `trellis.core`: the runtime API handed to every plugin (the contract is
 * `TrellisCore` in plugin-api/plugin.ts). Plugins reach the engine through it,
 * so a plugin never needs a copy of @trellis/core of its own; the project handles
 * it passes back are the ones the engine gave it.
 */
import { createRequire } from 'node:module'
import { loadDvcConfig, parseIni } from '../config/dvc-config.js'
import { StageFailedError, TrellisError } from '../errors.js'
import { pullExperiments } from '../experiments/share/exp-pull.js'
import { pushExperiments } from '../experiments/share/exp-push.js'
import { expRefFor, parseExpRef } from '../experiments/refs/exp-ref.js'
import { throwIfTransferFailed, transferCommitData } from '../experiments/share/exp-share.js'
import { experimentStore, gitRepository } from '../experiments/run/exp-run.js'
import { dvcExpMessage, parseDvcExpMessage } from '../experiments/queue/queue.js'
import { runQueue } from '../experiments/queue/queue-runner.js'
import { runQueueEntry } from '../experiments/queue/run-queue-entry.js'
import { WorkTreeGuard } from '../fs/safe-path.js'
import { ProjectLock } from '../lock/project-lock.js'
import { checkoutWorkspace } from '../pipeline/checkout.js'
import { interruptCommands, takeOverSignals } from '../pipeline/run-command.js'
import type { ProjectHandle } from '../plugin-api/project-handle.js'
import type { TrellisCore } from '../plugin-api/plugin.js'
import { Project } from '../project.js'
import { writeFileAtomic, writeFileAtomicSync } from '../util/atomic-write.js'
import { redactText, redactUrl, urlSecrets } from '../util/redact-url.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

/** A handle the engine gave out (plugins cannot make their own). */
function engineProject(handle: ProjectHandle): Project {
  if (handle instanceof Project) return handle
  const found = Object.getPrototypeOf(handle)
  if (found instanceof Project) return found // a plugin's view of a project
  throw new TrellisError('PLUGIN_INVALID', 'a plugin passed trellis.core a project it did not get from Trellis', {
    hint: 'Pass the `trellis` object given to apply(), or a workspace from `trellis.openWorkspace()`.',
  })
}

export const runtimeApi: TrellisCore = Object.freeze({
  version,
  TrellisError,
  StageFailedError,
  gitRepository: (project: ProjectHandle) => gitRepository(engineProject(project)),
  experimentStore: (project: ProjectHandle) => experimentStore(engineProject(project)),
  runQueueEntry: (workspace, entry, options) => runQueueEntry(engineProject(workspace), entry, options),
  async pushExperiments(project, gitRemote, options) {
    throwIfTransferFailed(await pushExperiments(engineProject(project), gitRemote, options), 'push')
  },
  async pullExperiments(project, gitRemote, options) {
    throwIfTransferFailed(await pullExperiments(engineProject(project), gitRemote, options), 'fetch')
  },
  async transferCommitData(project, direction, commits, options = {}) {
    const { transferred, present, missing } = await transferCommitData(engineProject(project), direction, commits, options)
    return { transferred, present, missing: missing.length }
  },
  checkoutWorkspace,
  interruptCommands,
  takeOverSignals,
  writeFileAtomic,
  loadDvcConfig,
  parseIni,
  redactUrl,
  redactText,
  urlSecrets,
  expRefFor,
  parseExpRef,
  dvcExpMessage,
  parseDvcExpMessage,
  runQueue: (project, options) => runQueue(engineProject(project), options),
  writeFileAtomicSync,
  ProjectLock,
  WorkTreeGuard,
} satisfies TrellisCore)
