/**
 * The journal of an apply or undo in progress: `.dvc/tmp/exps/apply-undo/PENDING`
 * names the undo record while the workspace is being rewritten. It is
 * written (atomically) after the record and before the first workspace
 * change, and removed after the last one. If a crash leaves it behind, the
 * next `exp apply` (or `--undo`) first brings the workspace back to the
 * record's "before" state — so after any crash the workspace ends up either
 * as it was before the apply, or fully applied.
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../util/atomic-write.js'

export function pendingPath(tmpDir: string): string {
  return join(tmpDir, 'exps', 'apply-undo', 'PENDING')
}

export interface Pending {
  /** The undo record being applied or undone. */
  record: string
  operation: 'apply' | 'undo'
}

export async function readPending(tmpDir: string): Promise<Pending | null> {
  try {
    const data = JSON.parse(await readFile(pendingPath(tmpDir), 'utf8')) as Pending
    return typeof data?.record === 'string' && /^[0-9a-f]{40}$/.test(data.record) ? data : null
  } catch {
    return null
  }
}

export async function writePending(tmpDir: string, pending: Pending): Promise<void> {
  await writeFileAtomic(pendingPath(tmpDir), `${JSON.stringify(pending)}\n`)
}

export async function clearPending(tmpDir: string): Promise<void> {
  await rm(pendingPath(tmpDir), { force: true })
}
