/**
 * The pipeline of one revision, loaded from a {@link RevSource}: every dvc.yaml (resolved
 * with `vars`/`${}`/`foreach`, vars files read from the same source) and every `.dvc` file.
 * A file that fails to load is reported and skipped; the others still count.
 *
 * The resolver reads vars files synchronously, but a git tree is read asynchronously: the
 * default params file is read ahead; for any other vars file the reader throws
 * {@link NeedFile}, the file is fetched and the dvc.yaml resolved again. Results from git
 * trees are memoised for the process by the content ids of the dvc.yaml and of every file
 * the resolution looked at — or, for a dvc.yaml without `${…}` and `vars` (whose stages
 * cannot depend on the values in params.yaml), by whether params.yaml is there and valid —
 * so a thousand experiments sharing a dvc.yaml resolve it once.
 */
import { posix } from 'node:path'
import { parseDotDvc } from '../../dvcfile/load-dot-dvc.js'
import { parseDvcFile, type DvcYamlFile } from '../../dvcfile/load-dvc-yaml.js'
import type { ParsingConfig } from '../../dvcfile/interpolate.js'
import { isPlainMap } from '../../dvcfile/interpolate.js'
import { repoDirname } from '../../dvcfile/paths.js'
import { DEFAULT_PARAMS_FILE } from '../../dvcfile/resolver.js'
import { ParamsLoadError, parseVarsFile, type VarsFileReader } from '../../dvcfile/vars-context.js'
import { TrellisError } from '../../errors.js'
import type { Stage } from '../../pipeline/types.js'
import { errorInfo, isTransient, type ErrorInfo } from '../show/error-info.js'
import { parseParamsFile, type Parsed } from './parsed-files.js'
import type { RevSource } from './rev-source.js'

export interface RevPipeline {
  /** Every stage: dvc.yaml stages in file order, then `.dvc` stages. */
  stages: Stage[]
  /** The dvc.yaml files that loaded. */
  files: DvcYamlFile[]
  /** Files that failed to load. */
  errors: Array<{ path: string; error: ErrorInfo }>
  /** A failure that may not recur (git or I/O trouble): do not cache what was read. */
  transient: boolean
}

export interface LoadRevPipelineOptions {
  /** Absolute DVC root (what the resolver hands the vars reader). */
  root: string
  parsing?: ParsingConfig
}

/** Thrown by the vars reader for a file of the source that has not been fetched yet. */
class NeedFile extends Error {
  constructor(readonly path: string) {
    super(`need ${path}`)
  }
}

const MAX_FETCHES = 64
const MEMO_LIMIT = 5_000

interface MemoEntry {
  /**
   * No `${…}` and no `vars`: the only file the resolution looks at is the default params
   * file, and only at whether it is there and parses to a mapping, not at its values.
   */
  simple: boolean
  /** What the resolution looked at: path → content id (or, when simple, validity). */
  looked: Array<[string, string]>
  file: DvcYamlFile
}

const memo = new Map<string, MemoEntry[]>()

/** What a source holds at a path, as a memo stamp: content id, `<dir>` or `<none>`. */
function stamp(source: RevSource, path: string): string {
  return source.idOf(path) ?? `<${source.kind(path) ?? 'none'}>`
}

export async function loadRevPipeline(source: RevSource, options: LoadRevPipelineOptions): Promise<RevPipeline> {
  const result: RevPipeline = { stages: [], files: [], errors: [], transient: false }
  const singles: Stage[] = []
  for (const path of await source.pipelineFiles()) {
    try {
      if (path.endsWith('.dvc')) singles.push(parseDotDvc(decode(await source.read(path), path), path).stage)
      else {
        const file = await loadDvcYaml(source, path, options)
        result.files.push(file)
        result.stages.push(...file.stages)
      }
    } catch (error) {
      result.errors.push({ path, error: errorInfo(error) })
      if (isTransient(error)) result.transient = true
    }
  }
  result.stages.push(...singles)
  return result
}

async function loadDvcYaml(source: RevSource, path: string, options: LoadRevPipelineOptions): Promise<DvcYamlFile> {
  // vars files, parsed (null: no file there); read ahead of the synchronous resolver
  const vars = new Map<string, Parsed | null>()
  const fetchVars = async (p: string): Promise<Parsed | null> => {
    if (!vars.has(p)) vars.set(p, source.kind(p) === 'file' ? ((await parseParamsFile(source, p)) ?? null) : null)
    return vars.get(p)!
  }
  const validity = async (p: string): Promise<string> => {
    const kind = source.kind(p)
    if (kind !== 'file') return `<${kind ?? 'none'}>`
    const parsed = await fetchVars(p)
    return !parsed || parsed.error !== undefined ? '<bad>' : isPlainMap(parsed.data) ? '<map>' : '<not a map>'
  }

  const id = source.idOf(path)
  const key = id === undefined ? undefined : `${path}\0${id}`
  for (const entry of key === undefined ? [] : (memo.get(key) ?? [])) {
    let same = true
    for (const [p, seen] of entry.looked) {
      if ((entry.simple ? await validity(p) : stamp(source, p)) !== seen) {
        same = false
        break
      }
    }
    if (same) return entry.file
  }

  const text = decode(await source.read(path), path)
  if (!source.readSync) await fetchVars(posix.join(repoDirname(path), DEFAULT_PARAMS_FILE))
  const looked = new Set<string>()
  const reader: VarsFileReader = Object.assign(
    (_root: string, p: string): unknown => {
      looked.add(p)
      const kind = source.kind(p)
      if (kind === null) throw new ParamsLoadError(`'${p}' does not exist`)
      if (kind === 'dir') throw new ParamsLoadError(`'${p}' is a directory`)
      if (source.readSync) {
        const bytes = source.readSync(p)
        if (bytes === null) throw new ParamsLoadError(`'${p}' does not exist`)
        return parseVarsFile(bytes, p)
      }
      const parsed = vars.get(p)
      if (parsed === undefined) throw new NeedFile(p)
      if (parsed === null) throw new ParamsLoadError(`'${p}' does not exist`)
      if (parsed.error === undefined) return parsed.data
      if (parsed.error instanceof TrellisError && parsed.error.code === 'PARAMS_INVALID') throw new ParamsLoadError(parsed.error.message)
      throw parsed.error
    },
    {
      isFile: (_root: string, p: string): boolean => {
        looked.add(p)
        return source.kind(p) === 'file'
      },
    },
  )
  for (let fetches = 0; ; fetches++) {
    try {
      const file = parseDvcFile(text, path, { root: options.root, parsing: options.parsing, reader })
      if (key !== undefined) {
        const simple = !text.includes('${') && !/(^|[\s{,])vars\s*:/.test(text)
        const stamps: Array<[string, string]> = []
        for (const p of looked) stamps.push([p, simple ? await validity(p) : stamp(source, p)])
        if (memo.size >= MEMO_LIMIT) memo.clear()
        memo.set(key, [...(memo.get(key) ?? []), { simple, looked: stamps, file }])
      }
      return file
    } catch (error) {
      if (!(error instanceof NeedFile) || fetches >= MAX_FETCHES) throw error
      await fetchVars(error.path)
    }
  }
}

function decode(bytes: Uint8Array | null, path: string): string {
  if (bytes === null) throw new TrellisError('TARGET_NOT_FOUND', `'${path}' does not exist`)
  return new TextDecoder('utf-8').decode(bytes)
}
