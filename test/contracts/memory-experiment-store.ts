/**
 * A second, minimal experiment store: experiments in a Map, remotes in a shared
 * Map by name. Commits live in the git repository; the store only reads their
 * parents (for chains and fast-forward checks).
 */
import { TrellisError, type ExperimentId, type ExperimentMark, type ExperimentPushResult, type ExperimentStore, type StoredExperiment } from '@trellis/core'

const remotes = new Map<string, Map<string, string>>()
const key = (id: ExperimentId) => `${id.baseline}/${id.name}`

export class MemoryExperimentStore implements ExperimentStore {
  readonly name = 'memory'
  private readonly tips = new Map<string, string>()
  private readonly marks = new Map<ExperimentMark, string>()

  /** @param parentOf a commit's first parent (null for a root commit) */
  constructor(private readonly parentOf: (sha: string) => string | null) {}

  locator(id: ExperimentId): string {
    return `memory:${key(id)}`
  }

  async put(id: ExperimentId, commit: string, options: { expect?: string | null } = {}): Promise<void> {
    const current = this.tips.get(key(id)) ?? null
    if (options.expect !== undefined && options.expect !== current) throw conflict(id, current)
    this.tips.set(key(id), commit)
  }

  async read(id: ExperimentId): Promise<string | null> {
    return this.tips.get(key(id)) ?? null
  }

  async list(options: { baseline?: string } = {}): Promise<StoredExperiment[]> {
    return listOf(this.tips, options.baseline, (id) => this.locator(id))
  }

  async delete(id: ExperimentId, options: { expect?: string } = {}): Promise<void> {
    const current = this.tips.get(key(id)) ?? null
    if (options.expect !== undefined && current !== null && options.expect !== current) throw conflict(id, current)
    this.tips.delete(key(id))
  }

  async chain(id: ExperimentId): Promise<string[]> {
    const out: string[] = []
    for (let sha = this.tips.get(key(id)) ?? null; sha && sha !== id.baseline; sha = this.parentOf(sha)) out.push(sha)
    return out
  }

  async push(remote: string, ids: ExperimentId[], options: { force?: boolean } = {}): Promise<ExperimentPushResult[]> {
    const target = remotes.get(remote) ?? new Map<string, string>()
    remotes.set(remote, target)
    const out: ExperimentPushResult[] = []
    for (const id of ids) {
      const mine = this.tips.get(key(id))
      const theirs = target.get(key(id))
      if (!mine) out.push({ id, status: 'rejected', reason: 'no such experiment' })
      else if (!theirs || options.force || this.reaches(mine, theirs)) {
        target.set(key(id), mine)
        out.push({ id, status: 'ok' })
      } else out.push({ id, status: 'rejected', reason: 'non-fast-forward' })
    }
    return out
  }

  async listRemote(remote: string, options: { baseline?: string } = {}): Promise<StoredExperiment[]> {
    return listOf(remotes.get(remote) ?? new Map(), options.baseline, (id) => this.locator(id))
  }

  async pull(remote: string, ids: ExperimentId[]): Promise<StoredExperiment[]> {
    const wanted = new Set(ids.map(key))
    return (await this.listRemote(remote)).filter((e) => wanted.has(key(e)))
  }

  async readMark(mark: ExperimentMark): Promise<string | null> {
    return this.marks.get(mark) ?? null
  }

  async writeMark(mark: Exclude<ExperimentMark, 'running'>, commit: string): Promise<void> {
    this.marks.set(mark, commit)
  }

  async clearMark(mark: ExperimentMark): Promise<void> {
    this.marks.delete(mark)
  }

  private reaches(from: string, to: string): boolean {
    for (let sha: string | null = from; sha; sha = this.parentOf(sha)) if (sha === to) return true
    return false
  }
}

function conflict(id: ExperimentId, current: string | null): TrellisError {
  return new TrellisError('GIT_REF_CONFLICT', `experiment '${id.name}' is at ${current ?? 'nothing'}, not where the caller expected`)
}

function listOf(tips: Map<string, string>, baseline: string | undefined, locator: (id: ExperimentId) => string): StoredExperiment[] {
  const out: StoredExperiment[] = []
  for (const [k, commit] of tips) {
    const slash = k.indexOf('/')
    const id = { baseline: k.slice(0, slash), name: k.slice(slash + 1) }
    if (!baseline || id.baseline === baseline) out.push({ ...id, commit, locator: locator(id) })
  }
  return out.sort((a, b) => (a.baseline === b.baseline ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.baseline < b.baseline ? -1 : 1))
}
