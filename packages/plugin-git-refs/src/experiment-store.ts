/**
 * The `git-refs` experiment store: experiment (baseline, name) is the ref
 * `refs/exps/<AA>/<38 hex>/<name>` (DVC's layout) in the git repository, its
 * tip the ref's target; a checkpoint chain is the tip's first parents down to
 * the baseline. Remotes are git remotes (the repository's `pushRefs`,
 * `listRemoteRefs`, `fetchRefs`). The marks are DVC's EXEC refs.
 */
import type { ExperimentId, ExperimentMark, ExperimentPushResult, ExperimentStore, GitRepository, StoredExperiment, TrellisCore } from '@trellis/core/plugin-api'

const PREFIX = 'refs/exps/'

/** DVC's internal refs (reference §2.2), one per mark; EXEC_BRANCH is symbolic (the ref a running DVC experiment appends to). */
export const MARK_REFS: Readonly<Record<ExperimentMark, string>> = {
  applied: 'refs/exps/exec/EXEC_APPLY',
  checkpoint: 'refs/exps/exec/EXEC_CHECKPOINT',
  running: 'refs/exps/exec/EXEC_BRANCH',
}

/** The layout functions the store uses (from `trellis.core`). */
export type RefLayout = Pick<TrellisCore, 'expRefFor' | 'parseExpRef'>

export class GitExperimentStore implements ExperimentStore {
  readonly name = 'git-refs'

  constructor(
    private readonly repo: GitRepository,
    private readonly layout: RefLayout,
  ) {}

  locator(id: ExperimentId): string {
    return this.layout.expRefFor(id.baseline, id.name)
  }

  async put(id: ExperimentId, commit: string, options: { expect?: string | null; message?: string } = {}): Promise<void> {
    await this.repo.writeRef(this.locator(id), commit, { expect: options.expect, reflogMessage: options.message })
  }

  read(id: ExperimentId): Promise<string | null> {
    return this.repo.resolve(this.locator(id))
  }

  async list(options: { baseline?: string } = {}): Promise<StoredExperiment[]> {
    return this.parse(await this.repo.listRefs(this.prefix(options.baseline)))
  }

  async delete(id: ExperimentId, options: { expect?: string } = {}): Promise<void> {
    await this.repo.deleteRef(this.locator(id), options)
  }

  async chain(id: ExperimentId): Promise<string[]> {
    const out: string[] = []
    const seen = new Set<string>()
    let sha = await this.read(id)
    while (sha && sha !== id.baseline && !seen.has(sha)) {
      seen.add(sha)
      out.push(sha)
      sha = (await this.repo.readCommit(sha)).parents[0] ?? null
    }
    return out
  }

  async push(remote: string, ids: ExperimentId[], options: { force?: boolean } = {}): Promise<ExperimentPushResult[]> {
    const results = await this.repo.pushRefs(remote, ids.map((id) => ({ ref: this.locator(id), force: options.force })))
    const byRef = new Map(results.map((r) => [r.ref, r]))
    return ids.map((id) => {
      const result = byRef.get(this.locator(id))
      return { id, status: result?.status ?? 'rejected', ...(result?.reason ? { reason: result.reason } : {}) }
    })
  }

  async listRemote(remote: string, options: { baseline?: string } = {}): Promise<StoredExperiment[]> {
    return this.parse(await this.repo.listRemoteRefs(remote, this.prefix(options.baseline)))
  }

  async pull(remote: string, ids: ExperimentId[]): Promise<StoredExperiment[]> {
    const wanted = new Set(ids.map((id) => this.locator(id)))
    const found = (await this.listRemote(remote)).filter((e) => wanted.has(e.locator))
    if (found.length) await this.repo.fetchRefs(remote, found.map((e) => e.locator))
    return found
  }

  readMark(mark: ExperimentMark): Promise<string | null> {
    return this.repo.resolve(MARK_REFS[mark])
  }

  async writeMark(mark: Exclude<ExperimentMark, 'running'>, commit: string): Promise<void> {
    await this.repo.writeRef(MARK_REFS[mark], commit)
  }

  async clearMark(mark: ExperimentMark): Promise<void> {
    if (await this.repo.resolve(MARK_REFS[mark])) await this.repo.deleteRef(MARK_REFS[mark])
  }

  private prefix(baseline?: string): string {
    return baseline ? `${PREFIX}${baseline.slice(0, 2)}/${baseline.slice(2)}/` : PREFIX
  }

  private parse(refs: Array<{ ref: string; sha: string }>): StoredExperiment[] {
    const out: StoredExperiment[] = []
    for (const { ref, sha } of refs) {
      const parsed = this.layout.parseExpRef(ref)
      if (parsed) out.push({ baseline: parsed.baseline, name: parsed.name, commit: sha, locator: ref })
    }
    return out.sort((a, b) => (a.baseline === b.baseline ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.baseline < b.baseline ? -1 : 1))
  }
}
