/**
 * Params and metrics files of a {@link RevSource}, parsed once per content: results are
 * memoised for the process by path and content id (sources that have ids: git trees), so
 * a params.yaml shared by many commits is parsed once, and the one file that is both a
 * params file and dvc.yaml's default vars file is parsed once per commit, not twice.
 * Results are shared: callers must not modify them.
 */
import { TrellisError } from '../../errors.js'
import { parseMetricsBuffer } from '../../metrics/read-metrics-file.js'
import { paramsFormatOf, parseParamsText } from '../../params/params-file.js'
import type { RevSource } from './rev-source.js'

export interface Parsed {
  data?: unknown
  /** Why the file could not be read or parsed. */
  error?: unknown
}

const MEMO_LIMIT = 20_000
const memos = { params: new Map<string, Parsed>(), metrics: new Map<string, Parsed>() }

/**
 * A params (or vars) file, parsed by its extension (`unable to read: '<path>', YAML file
 * structure is corrupted…`); undefined when the source has no file there.
 */
export function parseParamsFile(source: RevSource, path: string): Promise<Parsed | undefined> {
  return parseWith(memos.params, source, path, (bytes) => parseParamsText(decodeUtf8(bytes, path), paramsFormatOf(path), path))
}

/** A metrics file, with DVC's checks and filtering (read-metrics-file.ts). */
export function parseMetricsFile(source: RevSource, path: string): Promise<Parsed | undefined> {
  return parseWith(memos.metrics, source, path, (bytes) => parseMetricsBuffer(bytes, path))
}

async function parseWith(memo: Map<string, Parsed>, source: RevSource, path: string, parse: (bytes: Uint8Array) => unknown): Promise<Parsed | undefined> {
  const id = source.idOf(path)
  const key = id === undefined ? undefined : `${path}\0${id}`
  const known = key === undefined ? undefined : memo.get(key)
  if (known) return known
  let bytes: Uint8Array | null
  try {
    bytes = await source.read(path)
  } catch (error) {
    return { error } // git trouble: not memoised
  }
  if (bytes === null) return undefined
  let parsed: Parsed
  try {
    parsed = { data: parse(bytes) }
  } catch (error) {
    parsed = { error }
  }
  if (key !== undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(key, parsed)
  }
  return parsed
}

function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TrellisError('PARAMS_INVALID', `unable to read: '${path}', is not valid utf-8`)
  }
}
