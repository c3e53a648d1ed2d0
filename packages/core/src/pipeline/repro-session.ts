/** `repro` as a command runs it: under the project lock, with one error for what failed. */
import { TrellisError } from '../errors.js'
import type { AcquireOptions } from '../lock/project-lock.js'
import type { Project } from '../project.js'
import { reproduce, type ReproOptions, type ReproResult } from './repro.js'
import { newRunInfo, stageCounts, withRunEvents } from './run-lifecycle.js'

export async function reproduceLocked(project: Project, options: ReproOptions, lockOptions?: AcquireOptions): Promise<ReproResult> {
  const lock = await project.lock(`trellis repro ${(options.targets ?? []).join(' ')}`.trim(), lockOptions)
  try {
    const run = options.run ?? newRunInfo({ kind: 'repro', projectRoot: project.root, workspaceRoot: project.root })
    return await withRunEvents(
      project.hooks,
      run,
      async () => {
        const result = await reproduce(project, { ...options, run })
        throwIfFailed(result)
        return result
      },
      (result) => ({ stages: stageCounts(result.outcomes.values()) }),
    )
  } finally {
    await lock.release()
  }
}

/** One error for the whole run: the failure(s), with the stages they kept from running in the hint. */
export function throwIfFailed(result: ReproResult): void {
  const { failed, skipped } = result
  if (failed.length === 0) return
  const interrupted = failed.find((f) => f.error.code === 'INTERRUPTED')
  if (interrupted) throw interrupted.error
  if (failed.length === 1 && skipped.length === 0) throw failed[0].error
  const hints = failed.map((f) => f.error.hint).filter(Boolean)
  if (skipped.length) hints.push(`not run because they depend on a failed stage: ${skipped.map((s) => s.address).join(', ')}`)
  throw new TrellisError('STAGE_FAILED', failed.map((f) => f.error.message).join('; '), {
    hint: `${hints.join('; ')}. Stages that succeeded are recorded and will be skipped next time.`,
    exitCode: 255,
  })
}

export function summarizeRepro(result: ReproResult): string[] {
  const did = [...result.outcomes.values()].filter((o) => o === 'ran' || o === 'restored' || o === 'verified')
  if (did.length === 0 && ![...result.outcomes.values()].includes('dry')) return ['Data and pipelines are up to date.']
  return []
}
