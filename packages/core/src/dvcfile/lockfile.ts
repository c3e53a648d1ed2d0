/**
 * `dvc.lock` reading and writing, `schema: '2.0'` (DVC 2.x and 3.x; legacy v1 = the stage
 * map at the top level, read and migrated on the next write). Entries are written exactly as
 * DVC's `to_single_stage_lockfile` + ruamel dumper do: `cmd, deps, params, outs`; deps and
 * outs sorted by path, each `path, md5, size, nfiles, isexec` (DVC 3: `path, hash: md5,
 * md5, size, …`); params with `params.yaml` first then the other files sorted, keys sorted.
 */
import { readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { isMap, isScalar, isSeq } from 'yaml'
import type { LockEntry, LockPathEntry } from '../pipeline/types.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { compareCodePoints } from '../util/python-json.js'
import { loadYaml } from '../util/yaml.js'
import { validateLockfile } from './schema.js'
import { dumpYaml } from './yaml-emit.js'

export const LOCKFILE_SCHEMA_VERSION = '2.0'
const DEFAULT_PARAMS_FILE = 'params.yaml'

export interface Lockfile {
  /** 1 = legacy (no `schema` key), 2 = `schema: '2.0'`. */
  schema: 1 | 2
  stages: Map<string, LockEntry>
}

export interface ParsedLockfile extends Lockfile {
  /** Each stage's entry as written (all fields kept), for rewriting untouched entries. */
  raw: Map<string, unknown>
}

/** `dvc.yaml` → `dvc.lock`, `sub/dvc.yaml` → `sub/dvc.lock` (path without extension + `.lock`). */
export function lockPathFor(dvcYamlPath: string): string {
  const ext = posix.extname(dvcYamlPath)
  return `${ext ? dvcYamlPath.slice(0, -ext.length) : dvcYamlPath}.lock`
}

function pairValue(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined
  return node.items.find((p) => isScalar(p.key) && p.key.value === key)?.value
}

/** CHECKSUM_SCHEMA on read: ints become their text, lower-cased; '' / null = no hash. */
function checksumOf(node: unknown, text: string): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined
  let value: string
  if (typeof node.value === 'string') value = node.value
  else if (node.range) value = text.slice(node.range[0], node.range[1]).trim()
  else value = String(node.value)
  return value === '' ? undefined : value.toLowerCase()
}

function pathEntry(node: unknown, data: Record<string, unknown>, text: string): LockPathEntry {
  const entry: LockPathEntry = { path: data.path as string }
  if (data.hash === 'md5') entry.hash = 'md5'
  const md5 = checksumOf(pairValue(node, 'md5'), text)
  if (md5 !== undefined) entry.md5 = md5
  if (typeof data.size === 'number') entry.size = data.size
  if (typeof data.nfiles === 'number') entry.nfiles = data.nfiles
  if (data.isexec === true) entry.isexec = true
  return entry
}

/** A stage's entry from its node (for the checksums' text) and its data (from `loadYaml`). */
function entryFromNode(node: unknown, data: Record<string, unknown>, text: string): LockEntry {
  const entry: LockEntry = { cmd: data.cmd as string | string[] }
  const deps = pairValue(node, 'deps')
  if (isSeq(deps)) entry.deps = deps.items.map((item, i) => pathEntry(item, (data.deps as Record<string, unknown>[])[i]!, text))
  if (data.params && typeof data.params === 'object') entry.params = data.params as Record<string, Record<string, unknown>>
  const outs = pairValue(node, 'outs')
  if (isSeq(outs)) entry.outs = outs.items.map((item, i) => pathEntry(item, (data.outs as Record<string, unknown>[])[i]!, text))
  return entry
}

/** Parse the text of a lock file (validated; LOCKFILE_INVALID / YAML_INVALID on errors). */
export function parseLockfile(text: string, relLockPath: string): ParsedLockfile {
  const loaded = loadYaml(text, relLockPath)
  const schema = validateLockfile(loaded, relLockPath)
  const doc = loaded.doc
  const stagesNode = schema === 1 ? doc.contents : pairValue(doc.contents, 'stages')
  const stagesData = (schema === 1 ? loaded.data : (loaded.data as Record<string, unknown>).stages) as Record<string, Record<string, unknown>>
  const stages = new Map<string, LockEntry>()
  const raw = new Map<string, unknown>()
  if (isMap(stagesNode)) {
    for (const pair of stagesNode.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
      stages.set(name, entryFromNode(pair.value, stagesData[name]!, text))
      raw.set(name, stagesData[name])
    }
  }
  return { schema, stages, raw }
}

/** Read `relLockPath` (repo-relative); `null` when the file does not exist. */
export async function readLockfile(root: string, relLockPath: string): Promise<Lockfile | null> {
  const parsed = await readParsed(root, relLockPath)
  if (!parsed) return null
  return { schema: parsed.schema, stages: parsed.stages }
}

async function readParsed(root: string, relLockPath: string): Promise<ParsedLockfile | null> {
  let text: string
  try {
    text = await readFile(join(root, relLockPath), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw error
  }
  return parseLockfile(text, relLockPath)
}

type Ordered = Map<string, unknown>

function orderedPathEntry(entry: LockPathEntry): Ordered {
  const out: Ordered = new Map([['path', entry.path]])
  if (entry.hash !== undefined) out.set('hash', entry.hash)
  if (entry.md5 !== undefined) out.set('md5', entry.md5)
  if (entry.size !== undefined) out.set('size', entry.size)
  if (entry.nfiles !== undefined) out.set('nfiles', entry.nfiles)
  if (entry.isexec) out.set('isexec', true)
  return out
}

function sortedByPath(entries: LockPathEntry[]): LockPathEntry[] {
  return [...entries].sort((a, b) => compareCodePoints(a.path, b.path))
}

function orderedEntry(entry: LockEntry): Ordered {
  const out: Ordered = new Map([['cmd', entry.cmd]])
  if (entry.deps?.length) out.set('deps', sortedByPath(entry.deps).map(orderedPathEntry))
  const files = Object.keys(entry.params ?? {}).sort(compareCodePoints)
  if (files.length) {
    const defaultIndex = files.indexOf(DEFAULT_PARAMS_FILE)
    if (defaultIndex > 0) files.unshift(...files.splice(defaultIndex, 1))
    const params: Ordered = new Map()
    for (const file of files) {
      const values = entry.params![file] ?? {}
      params.set(file, new Map(Object.keys(values).sort(compareCodePoints).map((k) => [k, values[k]])))
    }
    out.set('params', params)
  }
  if (entry.outs?.length) out.set('outs', sortedByPath(entry.outs).map(orderedPathEntry))
  return out
}

function toPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of value) {
      Object.defineProperty(out, String(k), { value: toPlain(v), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  if (Array.isArray(value)) return value.map(toPlain)
  return value
}

/**
 * A lock entry as DVC writes it, as plain data (key order cmd, deps, params, outs; sorted
 * deps/outs/params). Note that a JS object lists integer-like keys first: serialise with
 * `serializeLockfile`/`serializeLockEntry`, which keep DVC's order exactly.
 */
export function lockEntryToYamlObject(entry: LockEntry): Record<string, unknown> {
  return toPlain(orderedEntry(entry)) as Record<string, unknown>
}

/** One entry as YAML (e.g. a run-cache file). */
export function serializeLockEntry(entry: LockEntry): string {
  return dumpYaml(orderedEntry(entry))
}

/** A whole `dvc.lock` (schema 2.0) for these stages, in the map's order. */
export function serializeLockfile(stages: Map<string, LockEntry>): string {
  const entries: Ordered = new Map()
  for (const [name, entry] of stages) entries.set(name, orderedEntry(entry))
  return dumpYaml(new Map<string, unknown>([['schema', LOCKFILE_SCHEMA_VERSION], ['stages', entries]]))
}

export interface LockWriteResult {
  /** The file did not exist ("Generating lock file 'dvc.lock'"). */
  created: boolean
  /** It was a v1 lock and was converted ("Migrating lock file 'dvc.lock' from v1 to v2"). */
  migrated: boolean
  /** Stages whose entry changed ("Updating lock file 'dvc.lock'"). */
  updated: string[]
  /** Whether the file was written at all (nothing changed → not rewritten). */
  written: boolean
}

/**
 * Set the entries of `updates` in the lock file `relLockPath` (repo-relative): existing stages
 * keep their order and their other entries are kept as written, new stages are appended, a v1
 * file is migrated to v2. Written atomically, and only when something changed. Callers must
 * serialise concurrent writes to the same file.
 */
export async function writeLockEntries(
  root: string,
  relLockPath: string,
  updates: Map<string, LockEntry>,
  /** Where to write it (a path checked by the work tree's guard); default `root/relLockPath`. */
  target: string = join(root, relLockPath),
): Promise<LockWriteResult> {
  const existing = await readParsed(root, relLockPath)
  const entries: Ordered = new Map()
  const updated: string[] = []
  for (const [name, raw] of existing?.raw ?? []) entries.set(name, raw)
  for (const [name, entry] of updates) {
    const next = orderedEntry(entry)
    const before = entries.get(name)
    if (before === undefined || dumpYaml(before) !== dumpYaml(next)) updated.push(name)
    entries.set(name, next)
  }
  const created = existing === null
  const migrated = existing?.schema === 1
  const written = created || migrated || updated.length > 0
  if (written) {
    const text = dumpYaml(new Map<string, unknown>([['schema', LOCKFILE_SCHEMA_VERSION], ['stages', entries]]))
    await writeFileAtomic(target, text)
  }
  return { created, migrated, updated, written }
}
