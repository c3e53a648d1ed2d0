/**
 * The workspace side of checkpoint runs: which stages are checkpoint stages, what
 * `--reset` deletes, what resuming restores from a checkpoint, and whether a queued
 * entry's inputs differ from the checkpoint it resumes from.
 */
import { readFile, rm } from 'node:fs/promises'
import { WorkTreeGuard } from '../../fs/safe-path.js'
import { lockPathFor, parseLockfile } from '../../dvcfile/lockfile.js'
import { PipelineIndex } from '../../pipeline/pipeline-index.js'
import { hasCheckpointOuts } from '../../pipeline/stage-status.js'
import { hashNameOf, type Stage } from '../../pipeline/types.js'
import { WorkingSet } from '../../pipeline/working-set.js'
import type { Project } from '../../project.js'
import { writeFileAtomic } from '../../util/atomic-write.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'
import { toGitPath } from './experiment-session.js'

/**
 * Whether commit `sha` (a queued entry's inputs: the workspace's tracked files with the
 * `-S` edits) differs from checkpoint `rev` in what decides continue vs fork. What a
 * resumed run restores from the checkpoint does not count: the dvc.lock files, the
 * stages' outputs and the .gitignore files beside cached ones (nor the queue's
 * `.dvc/tmp/repro.dat`). The tree-only counterpart of the workspace comparison.
 */
export async function checkpointInputsDiffer(project: Project, store: GitRepository, rev: string, sha: string): Promise<boolean> {
  const index = await PipelineIndex.load(project.root)
  const exact = new Set<string>([toGitPath(project, '.dvc/tmp/repro.dat')])
  const below: string[] = []
  for (const stage of index.stages) {
    if (stage.kind === 'pipeline') exact.add(toGitPath(project, lockPathFor(stage.dvcfile)))
    for (const out of stage.outs) {
      const path = toGitPath(project, out.path)
      exact.add(path)
      below.push(`${path}/`)
      if (out.cache) {
        const slash = out.path.lastIndexOf('/')
        exact.add(toGitPath(project, slash < 0 ? '.gitignore' : `${out.path.slice(0, slash)}/.gitignore`))
      }
    }
  }
  const changes = await store.diffTrees(rev, sha)
  return changes.some((c) => !exact.has(c.path) && !below.some((prefix) => c.path.startsWith(prefix)))
}

/** The stages a run would visit that have checkpoint outputs (and would run). */
export function checkpointStages(plan: Stage[]): Stage[] {
  return plan.filter((s) => hasCheckpointOuts(s) && !s.frozen && s.kind === 'pipeline')
}

/** `--reset`: delete the checkpoint outputs of these stages from the workspace. */
export async function deleteCheckpointOutputs(project: Project, stages: Stage[]): Promise<string[]> {
  const removed: string[] = []
  const guard = new WorkTreeGuard(project.root)
  const outs = stages.flatMap((stage) => stage.outs.filter((out) => out.checkpoint))
  for (const out of outs) guard.check(out.path, { source: 'a checkpoint output' })
  guard.assertSafe()
  for (const stage of stages) {
    for (const out of stage.outs) {
      if (!out.checkpoint) continue
      await rm(guard.path(out.path), { recursive: true, force: true })
      removed.push(out.path)
    }
  }
  return removed
}

/**
 * Make the workspace's pipeline state that of commit `sha` before resuming from it: its
 * dvc.lock files, the cached outputs they record (checked out from the cache; missing
 * objects are reported and left alone) and the uncached outputs (from the commit).
 * Inputs (code, params, dvc.yaml) are not touched: they decide continue vs fork.
 * Returns the paths that were rewritten.
 */
export async function restoreCheckpointOutputs(
  project: Project,
  store: GitRepository,
  sha: string,
  onWarning?: (message: string) => void,
): Promise<string[]> {
  const index = await PipelineIndex.load(project.root)
  const restored: string[] = []
  const ws = await WorkingSet.openFor(project)
  const decoder = new TextDecoder()
  const sameBytes = async (path: string, bytes: Uint8Array) => {
    const current = await readFile(ws.abs(path)).catch(() => undefined)
    return current !== undefined && Buffer.compare(current, bytes) === 0
  }
  try {
    const byLock = new Map<string, Stage[]>()
    for (const stage of index.stages) {
      if (stage.kind !== 'pipeline') continue
      const lockPath = lockPathFor(stage.dvcfile)
      byLock.set(lockPath, [...(byLock.get(lockPath) ?? []), stage])
    }
    for (const [lockPath, stages] of byLock) {
      const bytes = await store.readFile(sha, toGitPath(project, lockPath))
      if (!bytes) continue
      if (!(await sameBytes(lockPath, bytes))) {
        await writeFileAtomic(ws.guard.path(lockPath, { final: 'follow', source: 'a lock file' }), Buffer.from(bytes))
        restored.push(lockPath)
      }
      const lock = parseLockfile(decoder.decode(bytes), lockPath)
      for (const stage of stages) {
        const entry = lock.stages.get(stage.name)
        for (const out of stage.outs) {
          const recorded = entry?.outs?.find((o) => o.path === out.pathAsWritten)
          if (!recorded?.md5) continue
          if (!out.cache) {
            const blob = await store.readFile(sha, toGitPath(project, out.path))
            if (blob && !(await sameBytes(out.path, blob))) {
              await writeFileAtomic(ws.guard.path(out.path, { source: 'an output' }), Buffer.from(blob))
              restored.push(out.path)
            }
            continue
          }
          if (await ws.exists(out.path)) {
            ws.rewritten(out.path)
            const current = await ws.hash(out.path, hashNameOf(recorded)).catch(() => undefined)
            if (current?.md5 === recorded.md5) continue
          }
          if (!(await ws.hasObject(recorded.md5, hashNameOf(recorded)))) {
            onWarning?.(`'${out.pathAsWritten}' as checkpoint ${sha.slice(0, 7)} recorded it is not in the cache; the workspace copy is used as it is`)
            continue
          }
          await ws.removeOutput(out.path)
          await ws.checkoutFromCache(out.path, recorded.md5, 'link', recorded.isexec, hashNameOf(recorded))
          restored.push(out.path)
        }
      }
    }
  } finally {
    await ws.close()
  }
  return restored
}
