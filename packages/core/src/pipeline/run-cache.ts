/**
 * DVC's run-cache (`.dvc/cache/runs/<k[:2]>/<k>/<value>`, §b.8): a stage whose
 * command, deps and params were seen before gets its outputs back from the
 * cache instead of running. Keys and values are DVC's, so either tool can use
 * the other's entries.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { serializeLockEntry } from '../dvcfile/lockfile.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { pyJsonDumps } from '../util/python-json.js'
import { parseYaml } from '../util/yaml.js'
import { isCallback, hasCheckpointOuts } from './stage-status.js'
import type { LockEntry, Stage } from './types.js'

/** Stages whose results can be cached: cmd, some dep, some out, none persistent, not always changed. */
export function isHashable(stage: Stage): boolean {
  return (
    stage.kind === 'pipeline' &&
    stage.cmd !== undefined &&
    !isCallback(stage) &&
    !stage.alwaysChanged &&
    !hasCheckpointOuts(stage) &&
    stage.deps.length + stage.params.length > 0 &&
    stage.outs.length > 0 &&
    stage.outs.every((o) => !o.persist)
  )
}

/** DVC 2.45+: no entry with `--no-commit` or when a plain `outs` entry is `cache: false`. */
export function canSaveRunCache(stage: Stage, noCommit: boolean): boolean {
  return isHashable(stage) && !noCommit && stage.outs.every((o) => o.cache || o.metric || o.plot)
}

function stripSizes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSizes)
  if (value && typeof value === 'object' && value.constructor === Object) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (k !== 'size' && k !== 'nfiles') out[k] = stripSizes(v)
    return out
  }
  return value
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

export function runCacheKey(entry: LockEntry): string {
  const keyed = { ...entry, outs: (entry.outs ?? []).map((o) => o.path).sort() }
  return sha256(pyJsonDumps(stripSizes(keyed)))
}

export function runCacheValue(entry: LockEntry): string {
  return sha256(pyJsonDumps(stripSizes(entry)))
}

export class RunCache {
  constructor(private readonly cacheDir: string) {}

  private dirFor(key: string): string {
    return join(this.cacheDir, 'runs', key.slice(0, 2), key)
  }

  async save(entry: LockEntry): Promise<void> {
    const file = join(this.dirFor(runCacheKey(entry)), runCacheValue(entry))
    if (await stat(file).then(() => true, () => false)) return
    await writeFileAtomic(file, serializeLockEntry(entry), 0o444)
  }

  /** Entries recorded for this cmd+deps+params (outs are taken from `stage`), newest first. */
  async lookup(inputs: LockEntry, stage: Stage): Promise<LockEntry[]> {
    const key = runCacheKey({ ...inputs, outs: stage.outs.map((o) => ({ path: o.pathAsWritten })) })
    const dir = this.dirFor(key)
    const names = await readdir(dir).catch(() => [] as string[])
    const entries: Array<{ entry: LockEntry; mtime: number }> = []
    for (const name of names) {
      const file = join(dir, name)
      try {
        const entry = parseYaml(await readFile(file, 'utf8'), file) as LockEntry
        if (!entry || typeof entry !== 'object' || !Array.isArray(entry.outs)) throw new Error('not a lock entry')
        entries.push({ entry, mtime: (await stat(file)).mtimeMs })
      } catch {
        process.emitWarning(`corrupted cache file '${file}'`)
        await rm(file, { force: true })
      }
    }
    return entries.sort((a, b) => b.mtime - a.mtime).map((e) => e.entry)
  }
}
