/**
 * The experiment hash DVC writes into `dvc: commit experiment <hash>` and from
 * which it derives automatic names (`exp-` + 5 hex): sha256 of Python's
 * `json.dumps(sort_keys=True)` over `{stage name: dvc.lock entry}` of the
 * stages reproduced in the run. Nothing reproduced hashes `{}` → `exp-44136`.
 */
import { createHash } from 'node:crypto'
import type { LockEntry, Stage } from '../../pipeline/types.js'
import { pyJsonDumps } from '../../util/python-json.js'

export function experimentHash(entries: Iterable<[Stage, LockEntry]>): string {
  const data: Record<string, LockEntry> = {}
  for (const [stage, entry] of entries) if (stage.kind === 'pipeline') data[stage.name] = withoutUndefined(entry)
  return createHash('sha256').update(pyJsonDumps(data)).digest('hex')
}

export function autoExpName(hash: string): string {
  return `exp-${hash.slice(0, 5)}`
}

function withoutUndefined(entry: LockEntry): LockEntry {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as unknown as LockEntry
}
