/**
 * The undo record of one `exp apply`: a git commit (only objects and one ref
 * are written) whose tree holds
 *
 *   record.json       what was applied, and for every path apply changed its
 *                     state before and after (tracked files: git mode;
 *                     cached outputs: md5 + isexec);
 *   before/<path>     the tracked files' previous contents (mode kept);
 *   after/<path>      the contents apply wrote (to tell whether the user
 *                     changed them since).
 *
 * Cached outputs' previous contents are objects of the DVC cache (apply makes
 * sure they are there before replacing them). The newest record is
 * `refs/exps/exec/TRELLIS_APPLY_UNDO`; a record's first parent is the
 * previous record, so successive applies undo one by one.
 */
import { TrellisError } from '../../errors.js'
import type { CommitFile, GitRepository } from '../../plugin-api/git-repository.js'
import type { OutputState } from './outputs-plan.js'
import type { FileChange } from './tracked-plan.js'
import type { FileState } from './workspace-files.js'

/**
 * The newest undo record (a commit; its first parent is the previous record, so undos
 * stack). Trellis' own, kept beside DVC's EXEC refs in `refs/exps/exec/`, which every
 * DVC 2.x version skips when it lists experiments.
 */
export const APPLY_UNDO_REF = 'refs/exps/exec/TRELLIS_APPLY_UNDO'

const RECORD_FILE = 'record.json'
const MESSAGE_PREFIX = 'trellis: undo record of exp apply'

export interface UndoRecord {
  version: 1
  /** The commit that was applied, and its experiment name when known. */
  applied: string
  name: string | null
  /** HEAD when it was applied. */
  head: string
  /** The experiment store's `applied` mark before the apply (restored by undo). */
  execApply: string | null
  /** The DVC root relative to the git root ('' normally): output paths are relative to it. */
  dvcRoot: string
  files: Array<{ path: string; before: { mode: number } | null; after: { mode: number } | null }>
  outputs: Array<{ path: string; before: OutputState | null; after: OutputState }>
}

export interface LoadedUndoRecord {
  sha: string
  record: UndoRecord
  files: FileChange[]
  /** The previous record (the one to undo next), if any. */
  previous: string | null
}

export async function writeUndoRecord(store: GitRepository, record: UndoRecord, files: FileChange[]): Promise<{ sha: string; previous: string | null }> {
  const previous = await store.resolve(APPLY_UNDO_REF)
  const blobs: CommitFile[] = [{ path: RECORD_FILE, content: `${JSON.stringify(record, null, 2)}\n` }]
  for (const change of files) {
    if (change.before) blobs.push({ path: `before/${change.path}`, mode: change.before.mode, content: change.before.content })
    if (change.after) blobs.push({ path: `after/${change.path}`, mode: change.after.mode, content: change.after.content })
  }
  const sha = await store.commitFiles({
    files: blobs,
    parents: previous ? [previous] : [],
    message: `${MESSAGE_PREFIX} ${record.applied}${record.name ? ` (${record.name})` : ''}`,
  })
  await store.writeRef(APPLY_UNDO_REF, sha, { expect: previous, reflogMessage: `trellis: exp apply ${record.name ?? record.applied}` })
  return { sha, previous }
}

/** The newest undo record, or null when there is none. */
export async function latestUndoRecord(store: GitRepository): Promise<LoadedUndoRecord | null> {
  const sha = await store.resolve(APPLY_UNDO_REF)
  return sha ? loadUndoRecord(store, sha) : null
}

export async function loadUndoRecord(store: GitRepository, sha: string): Promise<LoadedUndoRecord> {
  const commit = await store.readCommit(sha)
  const text = await store.readFile(sha, RECORD_FILE)
  if (!commit.message.startsWith(MESSAGE_PREFIX) || text === null) {
    throw new TrellisError('GIT_ERROR', `${sha} is not an exp apply undo record`, {
      hint: `Delete the ref with \`git update-ref -d ${APPLY_UNDO_REF}\`.`,
    })
  }
  const record = JSON.parse(Buffer.from(text).toString('utf8')) as UndoRecord
  const files: FileChange[] = []
  for (const entry of record.files) {
    files.push({ path: entry.path, before: await blob(store, sha, 'before', entry.path, entry.before), after: await blob(store, sha, 'after', entry.path, entry.after) })
  }
  const parent = commit.parents[0] ?? null
  const previous = parent && (await store.readCommit(parent)).message.startsWith(MESSAGE_PREFIX) ? parent : null
  return { sha, record, files, previous }
}

async function blob(store: GitRepository, sha: string, side: 'before' | 'after', path: string, state: { mode: number } | null): Promise<FileState | null> {
  if (!state) return null
  const content = await store.readFile(sha, `${side}/${path}`)
  if (content === null) throw new TrellisError('GIT_ERROR', `undo record ${sha} lacks ${side}/${path}`)
  return { mode: state.mode, content }
}

/** Drop the newest record (after it was undone): the ref goes back to the previous one. */
export async function popUndoRecord(store: GitRepository, loaded: LoadedUndoRecord): Promise<void> {
  if (loaded.previous) await store.writeRef(APPLY_UNDO_REF, loaded.previous, { expect: loaded.sha, reflogMessage: 'trellis: exp apply --undo' })
  else await store.deleteRef(APPLY_UNDO_REF, { expect: loaded.sha })
}
