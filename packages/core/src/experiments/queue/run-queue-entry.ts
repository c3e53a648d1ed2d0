/**
 * One queue entry's run, in the workspace the queue runner made for it (`temp`,
 * opened there; the entry's commit checked out, `.dvc/tmp/repro.dat` gone):
 * `runExperiment` with the entry's request, the EXEC refs left alone, and for a
 * `--rev` entry the checkpoint to resume from with the decision made when it was
 * queued. The experiment ref is written through `queued.serialize`; the run's
 * commands stop when `signal` aborts (that run's only).
 */
import { TrellisError } from '../../errors.js'
import { plannedStages } from '../../pipeline/repro.js'
import { withRunSignal } from '../../pipeline/run-command.js'
import type { Project } from '../../project.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import type { QueueEntryRunOptions } from '../../plugin-api/plugin.js'
import type { QueueEntry } from '../../plugin-api/queue-backend.js'
import { checkpointStages, refsContaining, type CheckpointOrigin } from '../run/checkpoints.js'
import { gitRepository, runExperiment, type ExpRunResult } from '../run/exp-run.js'
import { parseExpRef } from '../refs/exp-ref.js'

export async function runQueueEntry(temp: Project, entry: QueueEntry, options: QueueEntryRunOptions): Promise<ExpRunResult> {
  if (options.signal?.aborted) throw new TrellisError('INTERRUPTED', 'interrupted: the run was stopped', { exitCode: 130 })
  return withRunSignal(options.signal, () => runEntry(temp, entry, options))
}

async function runEntry(temp: Project, entry: QueueEntry, options: QueueEntryRunOptions): Promise<ExpRunResult> {
  const store = await gitRepository(temp)
  const request = entry.request
  const resumeFrom = entry.rev !== entry.baseline ? await queuedOrigin(store, entry) : undefined
  // an entry DVC queued without --rev starts its checkpoint experiment over, as DVC runs it
  const reset = request
    ? !!request.reset
    : !resumeFrom && checkpointStages(await plannedStages(temp, { targets: [] })).length > 0
  return runExperiment(temp, {
    ...request?.repro,
    targets: request?.targets ?? [],
    name: entry.name,
    force: !!request?.force,
    reset,
    workspace: false,
    resumeFrom,
    resumeMode: resumeFrom ? (entry.branch ? 'continue' : 'fork') : undefined,
    queued: { ...options.queued, entryId: entry.id },
    log: options.log,
    stdio: options.stdio,
    stageGate: options.stageGate,
    onWarning: options.onWarning,
  })
}

/** The checkpoint a `--rev` entry resumes from, as it stands now. */
async function queuedOrigin(store: GitRepository, entry: QueueEntry): Promise<CheckpointOrigin> {
  const containing = await refsContaining(store, entry.rev)
  // a fork records no branch; the only experiment holding the checkpoint still names it in messages
  const branch = entry.branch ? containing.find((r) => r.ref === entry.branch) : containing.length === 1 ? containing[0] : undefined
  if (entry.branch && !branch) {
    throw new TrellisError('CHECKPOINT_RESUME', `Cannot resume checkpoint '${entry.rev.slice(0, 7)}': experiment '${parseExpRef(entry.branch)?.name ?? entry.branch}' no longer holds it`, {
      hint: 'The experiment was removed or rewritten since this entry was queued; queue it again (trellis exp run --queue --rev ...).',
    })
  }
  return { rev: entry.rev, baseline: entry.baseline, branch, containing }
}
