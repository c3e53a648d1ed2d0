/**
 * Entry refs on the git remote: each queued entry's commit travels as
 * `refs/trellis/queue/<id>` (its own ref, so no branch or experiment ref is touched and a
 * worker can fetch exactly it). Pushing goes through the `gitRepository` service; deleting a
 * remote ref, which that contract has no call for, is `git push <remote> --delete <ref>`.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { GitRepository, Trellis } from '@trellis/core/plugin-api'

const run = promisify(execFile)

export const ENTRY_REF_PREFIX = 'refs/trellis/queue/'

export const entryRef = (id: string): string => `${ENTRY_REF_PREFIX}${id}`

export class EntryRefs {
  constructor(
    private readonly trellis: Trellis,
    private readonly gitRemote: string,
  ) {}

  private repo(): Promise<GitRepository> {
    return this.trellis.core.gitRepository(this.trellis)
  }

  /** Push the entries' commits under their refs (the local refs are made for the push and removed after). */
  async push(ids: string[]): Promise<void> {
    const repo = await this.repo()
    for (const id of ids) await repo.writeRef(entryRef(id), id)
    try {
      const results = await repo.pushRefs(this.gitRemote, ids.map((id) => ({ ref: entryRef(id), force: true })))
      const failed = results.find((r) => r.status !== 'ok')
      if (failed) {
        throw new this.trellis.core.TrellisError('GIT_REMOTE_ERROR', `cannot push ${failed.ref} to git remote '${this.trellis.core.redactUrl(this.gitRemote)}': ${failed.reason ?? failed.status}`, {
          hint: 'Check that the git remote is reachable and writable (git push works). Nothing was queued.',
        })
      }
    } finally {
      for (const id of ids) await repo.deleteRef(entryRef(id))
    }
  }

  /** Fetch an entry's commit from the remote (it is then in the local object store). */
  async fetch(id: string): Promise<void> {
    const repo = await this.repo()
    await repo.fetchRefs(this.gitRemote, [entryRef(id)])
    if (!(await repo.resolve(id))) {
      throw new this.trellis.core.TrellisError('GIT_REMOTE_ERROR', `entry ${id.slice(0, 7)}: git remote '${this.trellis.core.redactUrl(this.gitRemote)}' has no ${entryRef(id)}`, {
        hint: 'Run `trellis queue repair` on the machine that queued it.',
      })
    }
  }

  /** The entry ids that have a ref on the remote. */
  async list(): Promise<Map<string, string>> {
    const repo = await this.repo()
    const refs = await repo.listRemoteRefs(this.gitRemote, ENTRY_REF_PREFIX)
    return new Map(refs.map((r) => [r.ref.slice(ENTRY_REF_PREFIX.length), r.sha]))
  }

  /** Delete entries' refs on the remote (absent ones are fine). */
  async delete(ids: string[]): Promise<void> {
    if (ids.length === 0) return
    try {
      await run('git', ['push', '--quiet', '--no-verify', this.gitRemote, '--delete', ...ids.map(entryRef)], { cwd: this.trellis.gitRoot })
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? '')
      // deleting a ref the remote does not have (any more: another process deleted it meanwhile) is what we wanted
      const left = await this.list().catch(() => undefined)
      if (left && ids.every((id) => !left.has(id))) return
      throw new this.trellis.core.TrellisError('GIT_REMOTE_ERROR', `cannot delete entry refs on git remote '${this.trellis.core.redactUrl(this.gitRemote)}': ${this.trellis.core.redactUrl(stderr.trim().split('\n').at(-1) ?? '')}`, {
        hint: '`trellis queue repair` removes refs left behind once the remote is reachable.',
      })
    }
  }
}
