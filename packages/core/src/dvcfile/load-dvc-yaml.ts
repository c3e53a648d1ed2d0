/**
 * Loading a `dvc.yaml` into `Stage` objects: read, parse (YAML 1.2), validate the raw
 * document (schema.ts), resolve `vars`/`${}`/`foreach` (resolver.ts), then build each stage
 * as DVC's `StageLoader.load_stage` does: paths relative to the stage `wdir`, params entries
 * merged per file (whole-file tracking wins), `outs`/`metrics`/`plots` with their flags,
 * duplicate paths inside one section merged.
 */
import { readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { isMap, isScalar, isSeq, type Node } from 'yaml'
import { TrellisError } from '../errors.js'
import type { Dep, Out, ParamsDep, Stage } from '../pipeline/types.js'
import { loadYaml, type LoadedYaml } from '../util/yaml.js'
import { isPlainMap, pyTypeName, toStr, type ParsingConfig } from './interpolate.js'
import { checkRepoDir, repoDirname, resolveRepoPath } from './paths.js'
import { DEFAULT_PARAMS_FILE, resolveDvcYaml, type ResolvedStageDefinition } from './resolver.js'
import { validateDvcYaml } from './schema.js'
import type { VarsFileReader } from './vars-context.js'

export interface LoadDvcYamlOptions {
  /** `.dvc/config` `parsing` section (dict-in-cmd rendering). */
  parsing?: ParsingConfig
  /**
   * Read the dvc.yaml's text from somewhere else than the workspace (e.g. the
   * workspace as it will be after `exp apply`); undefined = the file does not exist.
   */
  readText?: (relPath: string) => Promise<string | undefined>
  /** Reads `vars` files and the default params.yaml (`${}` interpolation); default: from disk under the root. */
  reader?: VarsFileReader
}

export interface DvcYamlFile {
  /** Repo-relative path of the dvc.yaml. */
  path: string
  stages: Stage[]
  /** stage name → vars file (repo-relative) → dotted key → value interpolated into the stage. */
  trackedVars: Map<string, Map<string, Map<string, unknown>>>
  /** Top-level `params:` files, repo-relative. */
  params: string[]
  /** Top-level `metrics:` files, repo-relative. */
  metrics: string[]
  /** Top-level `plots:` as written (display only). */
  plots: unknown
  /** Top-level `artifacts:` as written. */
  artifacts: Record<string, unknown>
  /** Warnings DVC would log (e.g. `item` overwritten by foreach). */
  warnings: string[]
}

/**
 * Line of a path in the raw document: the key's line for a map segment, the item's line for a
 * list index; falls back to the nearest existing ancestor.
 */
export function lineAtPath(loaded: LoadedYaml, path: Array<string | number>): number | undefined {
  let node: unknown = loaded.doc.contents
  let line: number | undefined
  for (const segment of path) {
    let next: unknown
    let at: unknown
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment))
      next = pair?.value ?? undefined
      at = pair?.key
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment]
      at = next
    }
    if (at === undefined) break
    const atLine = loaded.lineOf(at as Node)
    if (atLine !== undefined) line = atLine
    if (next === undefined || next === null) break
    node = next
  }
  return line
}

/** Line of a stage's key under `stages:`. */
function stageKeyLine(loaded: LoadedYaml, name: string): number | undefined {
  const root = loaded.doc.contents
  if (!isMap(root)) return undefined
  const stages = root.items.find((p) => isScalar(p.key) && p.key.value === 'stages')?.value
  if (!isMap(stages)) return undefined
  const pair = stages.items.find((p) => isScalar(p.key) && String(p.key.value) === name)
  return pair ? loaded.lineOf(pair.key as Node) : undefined
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : toStr(value)
}

interface BuildContext {
  relPath: string
  loaded: LoadedYaml
}

function stageError(ctx: BuildContext, stage: string, message: string, linePath: Array<string | number>): TrellisError {
  const line = lineAtPath(ctx.loaded, linePath)
  return new TrellisError(
    'SCHEMA_INVALID',
    `${message} (stage '${stage}' in '${ctx.relPath}'${line === undefined ? '' : `, line ${line}`})`,
    { hint: 'See the params/outs syntax of dvc.yaml: `- key`, `- file.yaml: [key]`, `- path: {cache: false}`.' },
  )
}

/** DVC's `_merge_params`: file → keys (null = whole file), in first-seen order. */
function mergeParams(
  ctx: BuildContext,
  stage: string,
  list: unknown[],
  rawPrefix: Array<string | number>,
): Array<[string, string[] | null]> {
  const wholly = new Set<string>()
  for (const item of list) {
    if (!isPlainMap(item)) continue
    for (const [file, params] of Object.entries(item)) {
      const empty =
        params === null ||
        params === undefined ||
        params === false ||
        params === '' ||
        params === 0 ||
        (Array.isArray(params) && params.length === 0) ||
        (isPlainMap(params) && Object.keys(params).length === 0)
      if (empty) wholly.add(file)
    }
  }
  const merged = new Map<string, string[]>()
  list.forEach((item, index) => {
    if (typeof item === 'string') {
      if (!wholly.has(DEFAULT_PARAMS_FILE)) {
        if (!merged.has(DEFAULT_PARAMS_FILE)) merged.set(DEFAULT_PARAMS_FILE, [])
        merged.get(DEFAULT_PARAMS_FILE)!.push(item)
      }
      return
    }
    if (!isPlainMap(item)) {
      throw stageError(ctx, stage, `Only list of str/dict is supported. Got: '${pyTypeName(item)}'.`, [...rawPrefix, index])
    }
    for (const [file, params] of Object.entries(item)) {
      if (wholly.has(file)) {
        merged.set(file, [])
        continue
      }
      if (!Array.isArray(params)) {
        throw stageError(
          ctx,
          stage,
          `Expected list of params for custom params file '${file}', got '${pyTypeName(params)}'.`,
          [...rawPrefix, index],
        )
      }
      if (!merged.has(file)) merged.set(file, [])
      merged.get(file)!.push(...params.map(asText))
    }
  })
  return [...merged].map(([file, keys]) => [file, wholly.has(file) ? null : [...new Set(keys)]])
}

/** DVC's `_merge_data` for one of outs/metrics/plots: path → merged flags, first-seen order. */
function mergeOuts(
  ctx: BuildContext,
  stage: string,
  list: unknown[],
  rawPrefix: Array<string | number>,
): Array<{ path: string; flags: Record<string, unknown>; index: number }> {
  const merged = new Map<string, { path: string; flags: Record<string, unknown>; index: number }>()
  list.forEach((item, index) => {
    if (!isPlainMap(item)) {
      if (typeof item !== 'string') throw stageError(ctx, stage, `'${pyTypeName(item)}' not supported.`, [...rawPrefix, index])
      const path = item
      if (!merged.has(path)) merged.set(path, { path, flags: {}, index })
      return
    }
    for (const [path, flags] of Object.entries(item)) {
      if (!isPlainMap(flags)) {
        throw stageError(ctx, stage, `Expected dict for '${path}', got: '${pyTypeName(flags)}'`, [...rawPrefix, index])
      }
      if (!merged.has(path)) merged.set(path, { path, flags: {}, index })
      Object.assign(merged.get(path)!.flags, flags)
    }
  })
  return [...merged.values()]
}

const PLOT_PROP_KEYS = ['x', 'y', 'template', 'title', 'x_label', 'y_label', 'header']

function pickPlotProps(flags: Record<string, unknown>): Record<string, unknown> {
  const props: Record<string, unknown> = {}
  for (const key of PLOT_PROP_KEYS) if (flags[key] !== undefined) props[key] = flags[key]
  return props
}

function buildStage(ctx: BuildContext, resolved: ResolvedStageDefinition): Stage {
  const { relPath, loaded } = ctx
  const { name, definition } = resolved
  const rawPrefix: Array<string | number> = resolved.group ? ['stages', resolved.group, 'do'] : ['stages', name]
  const stageLine = stageKeyLine(loaded, resolved.group ?? name)
  const lineFor = (path: Array<string | number>) => lineAtPath(loaded, [...rawPrefix, ...path]) ?? stageLine

  const wdirText = typeof definition.wdir === 'string' ? definition.wdir : undefined
  const wdir = checkRepoDir(resolved.wdir, wdirText ?? resolved.wdir, {
    file: relPath,
    stage: name,
    line: lineFor(['wdir']),
    what: 'wdir',
  })

  const cmdRaw = definition.cmd
  const cmd = Array.isArray(cmdRaw) ? cmdRaw.map(asText) : asText(cmdRaw)

  const deps: Dep[] = (Array.isArray(definition.deps) ? definition.deps : []).map((item, index) => {
    const pathAsWritten = asText(item)
    return {
      pathAsWritten,
      path: resolveRepoPath(wdir, pathAsWritten, { file: relPath, stage: name, line: lineFor(['deps', index]), what: 'dependency' }),
    }
  })

  const params: ParamsDep[] = mergeParams(ctx, name, Array.isArray(definition.params) ? definition.params : [], [
    ...rawPrefix,
    'params',
  ]).map(([fileAsWritten, keys]) => ({
    fileAsWritten,
    file: resolveRepoPath(wdir, fileAsWritten, { file: relPath, stage: name, line: lineFor(['params']), what: 'params file' }),
    keys,
  }))

  const outs: Out[] = []
  for (const section of ['outs', 'metrics', 'plots'] as const) {
    const list = Array.isArray(definition[section]) ? (definition[section] as unknown[]) : []
    for (const { path: pathAsWritten, flags, index } of mergeOuts(ctx, name, list, [...rawPrefix, section])) {
      const path = resolveRepoPath(wdir, pathAsWritten, {
        file: relPath,
        stage: name,
        line: lineFor([section, index]),
        what: section === 'outs' ? 'output' : section === 'metrics' ? 'metric' : 'plot',
      })
      const out: Out = {
        pathAsWritten,
        path,
        cache: flags.cache === undefined ? true : flags.cache === true,
        persist: flags.persist === true,
        checkpoint: flags.checkpoint === true,
        metric: section === 'metrics',
        plot: section === 'plots',
      }
      if (typeof flags.remote === 'string') out.remote = flags.remote
      if (typeof flags.push === 'boolean') out.push = flags.push
      if (typeof flags.desc === 'string') out.desc = flags.desc
      if (section === 'plots') out.plotProps = pickPlotProps(flags)
      outs.push(out)
    }
  }

  const stage: Stage = {
    kind: 'pipeline',
    name,
    dvcfile: relPath,
    address: relPath === 'dvc.yaml' ? name : `${relPath}:${name}`,
    cmd,
    wdir,
    deps,
    params,
    outs,
    frozen: definition.frozen === true,
    alwaysChanged: definition.always_changed === true,
  }
  if (typeof definition.desc === 'string') stage.desc = definition.desc
  if (definition.meta !== undefined) stage.meta = definition.meta
  if (stageLine !== undefined) stage.line = stageLine
  return stage
}

/** Read, validate and resolve a dvc.yaml; `relPath` is repo-relative (`dvc.yaml`, `sub/dvc.yaml`). */
export async function loadDvcFile(root: string, relPath: string, options: LoadDvcYamlOptions = {}): Promise<DvcYamlFile> {
  const file = relPath.replace(/\\/g, '/').replace(/^\.\//, '')
  const base = posix.basename(file)
  if (base !== 'dvc.yaml') {
    throw new TrellisError(
      'PIPELINE_INVALID',
      `bad DVC file name '${file}'. DVC files should be named 'dvc.yaml' or have a '.dvc' suffix (e.g. '${base}.dvc').`,
      { hint: `Rename '${file}' to 'dvc.yaml'.` },
    )
  }
  let text: string
  try {
    const read = options.readText ? await options.readText(file) : await readFile(join(root, file), 'utf8')
    if (read === undefined) throw Object.assign(new Error(`'${file}' does not exist`), { code: 'ENOENT' })
    text = read
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TrellisError('TARGET_NOT_FOUND', `'${file}' does not exist`, { hint: 'Create a dvc.yaml or run from the directory that has one.' })
    }
    if (code === 'EISDIR') throw new TrellisError('PIPELINE_INVALID', `'${file}' is a directory`)
    throw error
  }
  return parseDvcFile(text, file, { ...options, root })
}

export interface ParseDvcFileOptions extends LoadDvcYamlOptions {
  /** Absolute DVC root, handed to `reader` (vars files are repo-relative). */
  root: string
}

/**
 * Validate and resolve the text of a dvc.yaml (`file` is its repo-relative path, already
 * checked to be named dvc.yaml). Used for files read from disk and from git trees alike.
 */
export function parseDvcFile(text: string, file: string, options: ParseDvcFileOptions): DvcYamlFile {
  const loaded = loadYaml(text, file)
  validateDvcYaml(loaded, file)
  const data = (isPlainMap(loaded.data) ? loaded.data : {}) as Record<string, unknown>
  const resolved = resolveDvcYaml(options.root, file, data, {
    parsing: options.parsing,
    reader: options.reader,
    lineOf: (path) => lineAtPath(loaded, path),
  })
  const ctx: BuildContext = { relPath: file, loaded }
  const stages = resolved.stages.map((definition) => buildStage(ctx, definition))

  const dir = repoDirname(file)
  const topLevelPaths = (key: 'params' | 'metrics'): string[] =>
    (Array.isArray(data[key]) ? (data[key] as unknown[]) : []).map((p, index) =>
      resolveRepoPath(dir, asText(p), { file, line: lineAtPath(loaded, [key, index]), what: key === 'params' ? 'params file' : 'metric' }),
    )

  return {
    path: file,
    stages,
    trackedVars: resolved.trackedVars,
    params: topLevelPaths('params'),
    metrics: topLevelPaths('metrics'),
    plots: data.plots,
    artifacts: isPlainMap(data.artifacts) ? data.artifacts : {},
    warnings: resolved.warnings,
  }
}

/** The stages of a dvc.yaml (see `loadDvcFile` for the rest of the file). */
export async function loadDvcYaml(root: string, relPath: string, options: LoadDvcYamlOptions = {}): Promise<Stage[]> {
  return (await loadDvcFile(root, relPath, options)).stages
}
