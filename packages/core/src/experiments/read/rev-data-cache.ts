/**
 * The summary index behind `exp show` and the diffs: per commit sha, what was read from
 * git once — commit time, parents and {@link RevData} — so unchanged experiments are never
 * read from git trees again. Commits are immutable, so an entry never goes stale; what
 * could change how a commit reads (the DVC root inside the repo, the DVC cache dir, this
 * format) is the file's `scope`, and a different scope discards it.
 *
 * One JSON file, `.dvc/tmp/exps/trellis/rev-data.v1.json`, written atomically (temp +
 * rename) and only when something was added. It is safe to delete at any time; a file
 * that is corrupt, of another version or scope is ignored (and replaced on the next save).
 * It is read with the native JSON parser (this index is what makes `exp show` fast):
 * values JSON cannot carry — Python floats with integral values (`PyFloat`), NaN,
 * infinities, big ints — are stored as strings tagged with a leading NUL (wire-values.ts).
 * Above MAX_ENTRIES, a save keeps only the entries used by the current command.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../util/atomic-write.js'
import type { RevData } from './rev-data.js'
import { fromWire, toWire } from '../show/wire-values.js'

export const REV_DATA_CACHE_VERSION = 1
const MAX_ENTRIES = 50_000

export interface CachedCommit {
  /** Committer time, seconds since the epoch. */
  timestamp: number
  parents: string[]
}

interface Entry {
  t: number
  p: string[]
  /** The data, in wire form until first used. */
  d?: unknown
  decoded?: RevData
}

/** Where the index lives under a project's `.dvc/tmp`. */
export function revDataCachePath(tmpDir: string): string {
  return join(tmpDir, 'exps', 'trellis', `rev-data.v${REV_DATA_CACHE_VERSION}.json`)
}

export class RevDataCache {
  private dirty = false
  private readonly used = new Set<string>()

  private constructor(
    readonly file: string,
    readonly scope: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Load the index (an empty one when it is missing, corrupt, or of another version or scope). */
  static async load(file: string, scope: string): Promise<RevDataCache> {
    return new RevDataCache(file, scope, await readEntries(file, scope))
  }

  /** An index that is never read nor written (caching disabled). */
  static memory(): RevDataCache {
    return new RevDataCache('', '', new Map())
  }

  get size(): number {
    return this.entries.size
  }

  commit(sha: string): CachedCommit | undefined {
    const entry = this.entries.get(sha)
    if (!entry) return undefined
    this.used.add(sha)
    return { timestamp: entry.t, parents: entry.p }
  }

  data(sha: string): RevData | undefined {
    const entry = this.entries.get(sha)
    if (!entry?.d) return undefined
    this.used.add(sha)
    entry.decoded ??= fromWire(entry.d) as RevData
    return entry.decoded
  }

  putCommit(sha: string, commit: CachedCommit): void {
    if (this.entries.has(sha)) return
    this.entries.set(sha, { t: commit.timestamp, p: commit.parents })
    this.used.add(sha)
    this.dirty = true
  }

  /** Record a commit's data (its commit entry must be there). */
  putData(sha: string, data: RevData): void {
    const entry = this.entries.get(sha)
    if (!entry) return
    entry.d = toWire(data)
    entry.decoded = data
    this.used.add(sha)
    this.dirty = true
  }

  /** Write the index if it changed. Failing to write a cache is not an error worth failing a command for. */
  async save(): Promise<void> {
    if (!this.dirty || !this.file) return
    let keep = [...this.entries]
    if (keep.length > MAX_ENTRIES) keep = keep.filter(([sha]) => this.used.has(sha))
    const commits: Record<string, Omit<Entry, 'decoded'>> = {}
    // `data()` decodes `d` in place (fromWire returns the same object): such an entry is encoded again
    for (const [sha, { t, p, d, decoded }] of keep) commits[sha] = d === undefined ? { t, p } : { t, p, d: d === decoded ? toWire(d) : d }
    const text = JSON.stringify({ version: REV_DATA_CACHE_VERSION, scope: this.scope, commits })
    try {
      await writeFileAtomic(this.file, text)
      this.dirty = false
    } catch {
      // read-only .dvc/tmp, disk full: the next command reads git again
    }
  }
}

async function readEntries(file: string, scope: string): Promise<Map<string, Entry>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return new Map()
  }
  try {
    const doc = JSON.parse(text) as { version?: unknown; scope?: unknown; commits?: unknown }
    if (doc.version !== REV_DATA_CACHE_VERSION || doc.scope !== scope || !isObject(doc.commits)) return new Map()
    const entries = new Map<string, Entry>()
    for (const [sha, entry] of Object.entries(doc.commits)) if (/^[0-9a-f]{40}$/.test(sha) && isEntry(entry)) entries.set(sha, entry)
    return entries
  } catch {
    return new Map()
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isEntry(value: unknown): value is Entry {
  if (!isObject(value) || typeof value.t !== 'number' || !Array.isArray(value.p)) return false
  if (value.d === undefined) return true
  const d = value.d
  return isObject(d) && isObject(d.params) && isObject(d.metrics) && isObject(d.paramDeps) && isObject(d.vars)
}
