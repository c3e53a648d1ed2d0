/**
 * `exp apply <exp>` (reference §11), without DVC's destructive edge:
 *
 * 1. resolve the experiment; it must belong to the current HEAD;
 * 2. plan: the experiment's tracked-file changes relative to HEAD (never a
 *    checkout of HEAD: other uncommitted edits and untracked files stay),
 *    then its cached outputs per the applied dvc.lock / .dvc files;
 * 3. refuse, changing nothing, when an output's object is missing from the
 *    cache, or when a path apply would overwrite holds uncommitted work
 *    (an edit that differs from the experiment's version, an untracked file
 *    in the way, an output whose content is not in the cache) — unless
 *    `force`, which first saves that work;
 * 4. write the undo record (git objects + one ref) and the journal, rewrite
 *    the files one atomic rename at a time, check the outputs out, set
 *    `EXEC_APPLY`, drop the journal.
 *
 * A queued entry (with `queued`, the queue) is applied the same way: its commit
 * holds the params it was queued with (no results yet); the queue's
 * `.dvc/tmp/repro.dat` is left out.
 *
 * `undoApply` restores the workspace as it was before the newest apply.
 * Both run under the project lock and write nothing to HEAD, the index,
 * branches or `refs/stash`.
 */
import { posix, relative, sep } from 'node:path'
import { TrellisError } from '../../errors.js'
import { WorkTreeGuard } from '../../fs/safe-path.js'
import type { AcquireOptions } from '../../lock/project-lock.js'
import { WorkingSet, type WorkingSetProgress } from '../../pipeline/working-set.js'
import type { Project } from '../../project.js'
import type { ExperimentStore } from '../../plugin-api/experiment-store.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { toGitPath } from '../run/experiment-session.js'
import type { QueuedExperiments } from '../queue/queued-experiments.js'
import { resolveApplyTarget } from './apply-target.js'
import { planOutputs, type Overlay } from './outputs-plan.js'
import { clearPending, readPending, writePending } from './pending.js'
import { executeRestore, planRestore } from './restore.js'
import { planTrackedChanges, type Conflict, type FileChange } from './tracked-plan.js'
import { APPLY_UNDO_REF, latestUndoRecord, loadUndoRecord, popUndoRecord, writeUndoRecord, type LoadedUndoRecord, type UndoRecord } from './undo-record.js'
import { applyStates } from './workspace-files.js'

export interface ApplyOptions {
  /** Overwrite conflicting uncommitted work, after saving it in the undo record / the cache. */
  force?: boolean
  lock?: AcquireOptions
  /** The queue, when there is one: queued entries can be applied too (see queued-experiments.ts). */
  queued?: QueuedExperiments
  /** Progress of each directory output restored from the cache: files linked of its total. */
  onCheckoutProgress?: (done: number, total: number) => void
}

export interface ApplyResult {
  /** The applied commit and its experiment ('' for a queued entry). */
  sha: string
  name: string
  ref: string
  /** A queued entry was applied (its params; it has no results yet). */
  queued?: boolean
  /** Tracked files changed (git-root relative). */
  files: Array<{ path: string; action: 'added' | 'modified' | 'deleted' }>
  /** Cached outputs checked out (DVC-root relative). */
  outputs: string[]
  /** Paths whose uncommitted content `force` overwrote (saved for undo). */
  overwritten: string[]
  /** Submodule changes left alone. */
  skipped: string[]
  /** The undo record written. */
  undoRecord: string
  /** An interrupted apply/undo that was rolled back first. */
  recovered?: RecoveredApply
}

export interface RecoveredApply {
  operation: 'apply' | 'undo'
  name: string | null
  applied: string
}

export interface UndoResult {
  /** The experiment whose apply was undone. */
  applied: string
  name: string | null
  files: string[]
  outputs: string[]
  /** Only an interrupted operation was finished. */
  recoveredOnly: boolean
}

interface Context {
  project: Project
  store: GitRepository
  /** The experiment store (its `applied` mark). */
  experiments: ExperimentStore
  ws: WorkingSet
}

async function withContext<T>(
  project: Project,
  cmd: string,
  lockOptions: AcquireOptions | undefined,
  work: (ctx: Context) => Promise<T>,
  progress: WorkingSetProgress = {},
): Promise<T> {
  const lock = await project.lock(cmd, lockOptions)
  try {
    const store = await project.services.get('gitRepository')
    const experiments = await project.services.get('experimentStore')
    const ws = await WorkingSet.openFor(project, undefined, progress)
    try {
      return await work({ project, store, experiments, ws })
    } finally {
      await ws.close()
    }
  } finally {
    await lock.release()
  }
}

export async function applyExperiment(project: Project, rev: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  return withContext(project, `trellis exp apply ${rev}`, options.lock, async (ctx) => {
    const recovered = await recoverInterrupted(ctx)
    const { store, experiments, ws } = ctx
    const head = await store.head()
    if (!head) throw new TrellisError('GIT_ERROR', 'the repository has no commits yet, so it has no experiments', { hint: 'Commit your project first.' })
    const target = await resolveApplyTarget(store, experiments, rev, head, options.queued)

    // Plan everything before writing anything.
    const gitRoot = project.gitRoot
    const dvcRoot = toPosix(relative(gitRoot, project.root))
    const execApply = await experiments.readMark('applied')
    const skip = new Set(target.queued ? [toGitPath(project, '.dvc/tmp/repro.dat')] : [])
    const guard = new WorkTreeGuard(gitRoot)
    const tracked = await planTrackedChanges(store, guard, head, target.sha, execApply, skip)
    const outputs = await planOutputs(project.root, ws, overlayOf(tracked.changes, dvcRoot), guard, dvcRoot)
    guard.assertSafe() // a path that would leave the work tree or enter .git: nothing is written
    if (outputs.missing.length > 0) throw missingError(rev, outputs.missing)
    const conflicts: Conflict[] = [...tracked.conflicts, ...outputs.changes.filter((o) => o.unsaved).map((o) => ({ path: o.path, reason: 'output not in the cache' }))]
    const blocking = conflicts.filter((c) => c.blocking)
    if (blocking.length > 0) throw conflictError(rev, blocking, true)
    if (conflicts.length > 0 && !options.force) throw conflictError(rev, conflicts, false)

    // Save what will be overwritten: uncommitted outputs into the cache (only with force), files into the undo record.
    for (const output of outputs.changes) if (output.unsaved && output.before) await ws.commitToCache(output.path, output.before.md5, 'copy', output.before.hashName)
    const record: UndoRecord = {
      version: 1,
      applied: target.sha,
      name: target.exp.name,
      head,
      execApply,
      dvcRoot,
      files: tracked.changes.map((c) => ({ path: c.path, before: c.before && { mode: c.before.mode }, after: c.after && { mode: c.after.mode } })),
      outputs: outputs.changes.map((o) => ({ path: o.path, before: o.before, after: o.after })),
    }
    const undo = await writeUndoRecord(store, record, tracked.changes)

    await writePending(project.tmpDir, { record: undo.sha, operation: 'apply' })
    await applyStates(guard, tracked.changes.map((c) => ({ path: c.path, state: c.after })))
    for (const output of outputs.changes) await ws.checkoutFromCache(output.path, output.after.md5, 'link', output.after.isexec, output.after.hashName)
    await experiments.writeMark('applied', target.sha)
    await clearPending(project.tmpDir)

    return {
      sha: target.sha,
      name: target.exp.name,
      ref: target.exp.ref,
      ...(target.queued ? { queued: true } : {}),
      files: tracked.changes.map((c) => ({ path: c.path, action: c.before === null ? 'added' : c.after === null ? 'deleted' : 'modified' })),
      outputs: outputs.changes.map((o) => o.path),
      overwritten: conflicts.map((c) => c.path),
      skipped: tracked.skipped,
      undoRecord: undo.sha,
      recovered,
    }
  }, { onCheckoutProgress: options.onCheckoutProgress })
}

/** The tracked changes as the output planner reads them: DVC-root relative paths → content after apply. */
function overlayOf(changes: FileChange[], dvcRoot: string): Overlay {
  const overlay: Overlay = new Map()
  for (const change of changes) {
    if (dvcRoot === '') overlay.set(change.path, change.after)
    else if (change.path.startsWith(`${dvcRoot}/`)) overlay.set(change.path.slice(dvcRoot.length + 1), change.after)
  }
  return overlay
}

function missingError(rev: string, missing: Array<{ path: string; md5: string }>): TrellisError {
  return new TrellisError('CACHE_MISSING', `Cannot apply '${rev}': these outputs of the experiment are not in the cache:\n${missing.map((m) => `\t${m.path} (${m.md5})`).join('\n')}`, {
    hint: 'Nothing was changed. Fetch them into the cache (dvc pull) or reproduce the experiment, then apply again.',
  })
}

function conflictError(rev: string, conflicts: Conflict[], blocking: boolean): TrellisError {
  const list = conflicts.map((c) => `\t${c.path} (${c.reason})`).join('\n')
  return new TrellisError('EXP_APPLY_CONFLICT', `Cannot apply '${rev}': your workspace has uncommitted changes that the experiment would overwrite:\n${list}`, {
    hint: blocking
      ? 'Nothing was changed. Move those paths aside (even --force does not remove directories or files in the way of directories), then apply again.'
      : 'Nothing was changed. Commit or stash those changes (git stash) and apply again, or pass --force: what it overwrites is saved first and `trellis exp apply --undo` restores it.',
  })
}

export interface UndoOptions {
  /** Overwrite changes made after the apply. */
  force?: boolean
  lock?: AcquireOptions
}

export async function undoApply(project: Project, options: UndoOptions = {}): Promise<UndoResult> {
  return withContext(project, 'trellis exp apply --undo', options.lock, async (ctx) => {
    const recovered = await recoverInterrupted(ctx, options.force)
    if (recovered) return { applied: recovered.applied, name: recovered.name, files: [], outputs: [], recoveredOnly: true }
    const loaded = await latestUndoRecord(ctx.store)
    if (!loaded) {
      throw new TrellisError('NOTHING_TO_UNDO', 'Nothing to undo: no `exp apply` is recorded.', {
        hint: 'Only changes made by `trellis exp apply` can be undone this way.',
      })
    }
    const guard = new WorkTreeGuard(project.gitRoot)
    const plan = await planRestore(guard, ctx.ws, loaded, { force: options.force })
    await writePending(project.tmpDir, { record: loaded.sha, operation: 'undo' })
    await executeRestore(guard, ctx.ws, plan)
    await finishUndo(ctx, loaded)
    return {
      applied: loaded.record.applied,
      name: loaded.record.name,
      files: plan.files.map((f) => f.path),
      outputs: plan.outputs.map((o) => o.path),
      recoveredOnly: false,
    }
  })
}

/**
 * An apply or undo that a crash interrupted (its journal is still there):
 * bring the workspace back to before that apply, and drop its record.
 */
async function recoverInterrupted(ctx: Context, force = false): Promise<RecoveredApply | undefined> {
  const pending = await readPending(ctx.project.tmpDir)
  if (!pending) return undefined
  const loaded = await loadUndoRecord(ctx.store, pending.record)
  const name = loaded.record.name ?? loaded.record.applied.slice(0, 7)
  const guard = new WorkTreeGuard(ctx.project.gitRoot)
  const plan = await planRestore(guard, ctx.ws, loaded, {
    force,
    what: `Cannot roll back the interrupted ${pending.operation === 'apply' ? 'apply' : 'undo'} of '${name}' (it must be, before anything else)`,
    forceHint: 'Move those changes aside and try again, or run `trellis exp apply --undo --force` to roll it back over them.',
  })
  await executeRestore(guard, ctx.ws, plan)
  await finishUndo(ctx, loaded)
  return { operation: pending.operation, name: loaded.record.name, applied: loaded.record.applied }
}

async function finishUndo(ctx: Context, loaded: LoadedUndoRecord): Promise<void> {
  const { store, experiments } = ctx
  // The `applied` mark goes back to what it was, unless something else was applied or run since.
  if ((await experiments.readMark('applied')) === loaded.record.applied) {
    if (loaded.record.execApply) await experiments.writeMark('applied', loaded.record.execApply)
    else await experiments.clearMark('applied')
  }
  if ((await store.resolve(APPLY_UNDO_REF)) === loaded.sha) await popUndoRecord(store, loaded)
  await clearPending(ctx.project.tmpDir)
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join(posix.sep)
}
