/**
 * The pipeline of one revision, loaded from a {@link RevSource}: every dvc.yaml (resolved
 * with `vars`/`${}`/`foreach`, vars files read from the same source) and every `.dvc` file.
 * A file that fails to load is reported and skipped; the others still count.
 *
 * The resolver reads vars files synchronously, but a git tree is read asynchronously: the
 * reader serves what has been fetched and otherwise throws {@link NeedFile}; the file is
 * then fetched and the dvc.yaml resolved again (one retry per vars file, usually one:
 * params.yaml). Results from git trees are memoised for the process by the content ids of
 * the dvc.yaml and of every file the resolution looked at, so a thousand experiments
 * sharing a dvc.yaml and its vars files resolve it once.
 */
import { parseDotDvc } from '../dvcfile/load-dot-dvc.js'
import { parseDvcFile, type DvcYamlFile } from '../dvcfile/load-dvc-yaml.js'
import type { ParsingConfig } from '../dvcfile/interpolate.js'
import { ParamsLoadError, parseVarsFile, type VarsFileReader } from '../dvcfile/vars-context.js'
import { TrellisError } from '../errors.js'
import type { Stage } from '../pipeline/types.js'
import { errorInfo, isTransient, type ErrorInfo } from './error-info.js'
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
const memo = new Map<string, Array<{ looked: Array<[string, string]>; file: DvcYamlFile }>>()

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
  const id = source.idOf(path)
  const key = id === undefined ? undefined : `${path}\0${id}\0${JSON.stringify(options.parsing ?? {})}`
  if (key) {
    const hit = memo.get(key)?.find(({ looked }) => looked.every(([p, s]) => stamp(source, p) === s))
    if (hit) return hit.file
  }
  const text = decode(await source.read(path), path)
  const fetched = new Map<string, Uint8Array | null>()
  const looked = new Map<string, string>()
  const look = (p: string): void => {
    if (key && !looked.has(p)) looked.set(p, stamp(source, p))
  }
  const reader: VarsFileReader = Object.assign(
    (_root: string, p: string): unknown => {
      look(p)
      const kind = source.kind(p)
      if (kind === null) throw new ParamsLoadError(`'${p}' does not exist`)
      if (kind === 'dir') throw new ParamsLoadError(`'${p}' is a directory`)
      let bytes = fetched.get(p)
      if (bytes === undefined && source.readSync) bytes = source.readSync(p)
      if (bytes === undefined) throw new NeedFile(p)
      if (bytes === null) throw new ParamsLoadError(`'${p}' does not exist`)
      return parseVarsFile(bytes, p)
    },
    {
      isFile: (_root: string, p: string): boolean => {
        look(p)
        return source.kind(p) === 'file'
      },
    },
  )
  for (let fetches = 0; ; fetches++) {
    try {
      const file = parseDvcFile(text, path, { root: options.root, parsing: options.parsing, reader })
      if (key) {
        if (memo.size >= MEMO_LIMIT) memo.clear()
        memo.set(key, [...(memo.get(key) ?? []), { looked: [...looked], file }])
      }
      return file
    } catch (error) {
      if (!(error instanceof NeedFile) || fetches >= MAX_FETCHES) throw error
      fetched.set(error.path, await source.read(error.path))
    }
  }
}

function decode(bytes: Uint8Array | null, path: string): string {
  if (bytes === null) throw new TrellisError('TARGET_NOT_FOUND', `'${path}' does not exist`)
  return new TextDecoder('utf-8').decode(bytes)
}
