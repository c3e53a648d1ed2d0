/**
 * `dvc stage add`: a new stage in the `dvc.yaml` of the current directory,
 * serialised as DVC's `to_pipeline_file` does (keys `desc, cmd, wdir, deps,
 * params, outs, metrics, plots, always_changed`; deps and outputs sorted,
 * outputs with non-default flags as `{path: {cache: false, ...}}`; params of
 * `params.yaml` first, sorted). The rest of the file is kept byte for byte
 * (comments, order, formatting): the stage's lines are inserted after the
 * last stage (or replace the stage of that name with `force`).
 *
 * The pipeline as it would be is validated before anything is written, as
 * `repro` validates it: a name clash, duplicate or overlapping outputs,
 * cycles, schema errors.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path'
import { isMap, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml'
import { dumpYaml } from '../dvcfile/yaml-emit.js'
import { TrellisError } from '../errors.js'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import type { Project } from '../project.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { workTreePath } from './work-tree-path.js'
import { WorkTreeGuard } from '../fs/safe-path.js'

export interface StageAddOptions {
  name: string
  cmd: string
  deps?: string[]
  /** `-p` values: `key1,key2` or `file.yaml:key1,key2` (`file.yaml:` = the whole file). */
  params?: string[]
  outs?: string[]
  outsNoCache?: string[]
  outsPersist?: string[]
  outsPersistNoCache?: string[]
  metrics?: string[]
  metricsNoCache?: string[]
  plots?: string[]
  plotsNoCache?: string[]
  wdir?: string
  alwaysChanged?: boolean
  desc?: string
  /** Replace a stage of the same name. */
  force?: boolean
  cwd?: string
}

export interface StageAddResult {
  /** Repo-relative path of the dvc.yaml. */
  dvcfile: string
  /** The stage's address (`name`, or `sub/dvc.yaml:name`). */
  address: string
  /** Whether the dvc.yaml was created. */
  created: boolean
}

const DEFAULT_PARAMS = 'params.yaml'

/** DVC's `is_valid_name`: no punctuation but `-` and `_`. */
function checkName(name: string): void {
  if (!name || /[!"#$%&'()*+,./:;<=>?@[\\\]^`{|}~]/.test(name)) {
    throw new TrellisError('INVALID_ARGUMENT', 'Stage name cannot contain punctuation characters.', {
      hint: `'${name}' is not a valid stage name: use letters, digits, - and _.`,
    })
  }
}

/** `-p` values → DVC's params list: default-file keys first (sorted), then `{file: [keys] | null}` by file. */
function paramsList(values: readonly string[]): unknown[] {
  const byFile = new Map<string, Set<string> | null>()
  for (const value of values) {
    const colon = value.lastIndexOf(':')
    const file = colon >= 0 ? value.slice(0, colon) : DEFAULT_PARAMS
    const keys = (colon >= 0 ? value.slice(colon + 1) : value).split(',').map((k) => k.trim()).filter(Boolean)
    if (keys.length === 0) {
      if (!byFile.has(file)) byFile.set(file, null)
      continue
    }
    const set = byFile.get(file) ?? new Set<string>()
    for (const k of keys) set.add(k)
    byFile.set(file, set)
  }
  const out: unknown[] = []
  for (const file of [...byFile.keys()].sort()) {
    const keys = byFile.get(file)
    const sorted = keys ? [...keys].sort() : null
    if (file === DEFAULT_PARAMS && sorted) out.unshift(...sorted)
    else out.push(new Map([[file, sorted]]))
  }
  return out
}

type OutFlags = { cache?: false; persist?: true }

function outputs(entries: Array<[string, OutFlags]>): unknown[] {
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, flags]) => {
      const map = new Map<string, unknown>()
      if (flags.cache === false) map.set('cache', false)
      if (flags.persist) map.set('persist', true)
      return map.size ? new Map([[path, map]]) : path
    })
}

/** The stage's mapping, in DVC's key order. */
function stageData(options: StageAddOptions, wdir: string | undefined): Map<string, unknown> {
  const data = new Map<string, unknown>()
  const list = (xs?: string[]) => xs ?? []
  if (options.desc) data.set('desc', options.desc)
  data.set('cmd', options.cmd)
  if (wdir) data.set('wdir', wdir)
  const deps = [...new Set(list(options.deps))].sort()
  if (deps.length) data.set('deps', deps)
  const params = paramsList(list(options.params))
  if (params.length) data.set('params', params)
  const outs = outputs([
    ...list(options.outs).map((p): [string, OutFlags] => [p, {}]),
    ...list(options.outsNoCache).map((p): [string, OutFlags] => [p, { cache: false }]),
    ...list(options.outsPersist).map((p): [string, OutFlags] => [p, { persist: true }]),
    ...list(options.outsPersistNoCache).map((p): [string, OutFlags] => [p, { cache: false, persist: true }]),
  ])
  if (outs.length) data.set('outs', outs)
  const metrics = outputs([...list(options.metrics).map((p): [string, OutFlags] => [p, {}]), ...list(options.metricsNoCache).map((p): [string, OutFlags] => [p, { cache: false }])])
  if (metrics.length) data.set('metrics', metrics)
  const plots = outputs([...list(options.plots).map((p): [string, OutFlags] => [p, {}]), ...list(options.plotsNoCache).map((p): [string, OutFlags] => [p, { cache: false }])])
  if (plots.length) data.set('plots', plots)
  if (options.alwaysChanged) data.set('always_changed', true)
  return data
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset)
  return nl < 0 ? text.length : nl + 1
}

/** The new text of the dvc.yaml, with the stage inserted (or replacing the one of that name). */
function withStage(text: string, file: string, name: string, data: Map<string, unknown>, force: boolean): string {
  const block = (indent: string) =>
    dumpYaml(new Map([[name, data]]))
      .split('\n')
      .filter((line, i, all) => line !== '' || i < all.length - 1)
      .map((line) => indent + line)
      .join('\n') + '\n'
  const doc = parseDocument(text)
  const root = doc.contents
  const sep = text === '' || text.endsWith('\n') ? '' : '\n'
  if (!isMap(root)) {
    if (root === null || root === undefined) return `${text}${sep}stages:\n${block('  ')}`
    throw new TrellisError('SCHEMA_INVALID', `'${file}' is not a mapping: cannot add a stage to it`, { hint: `Fix ${file}: it should hold 'stages:'.` })
  }
  const stagesPair = root.items.find((p) => isScalar(p.key) && p.key.value === 'stages') as Pair<unknown, unknown> | undefined
  const stages = stagesPair?.value
  const existing = isMap(stages) ? (stages as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === name) : undefined
  if (existing && !force) {
    throw new TrellisError('STAGE_EXISTS', `Stage '${name}' already exists in '${file}'. Use '--force' to overwrite.`, {
      hint: 'Pick another -n/--name, or pass -f to replace it.',
    })
  }
  if (!stagesPair) return `${text}${sep}stages:\n${block('  ')}`
  if (!isMap(stages) || (stages as YAMLMap).flow || (stages as YAMLMap).items.length === 0) {
    // `stages:` empty or in flow style: let the YAML library re-write the file
    doc.setIn(['stages', name], doc.createNode(Object.fromEntries(data), { keepUndefined: false }))
    return doc.toString({ lineWidth: 0, indentSeq: false })
  }
  const map = stages as YAMLMap
  const first = map.items[0]!.key as { range?: [number, number, number] }
  const indent = ' '.repeat(first.range![0] - lineStart(text, first.range![0]))
  if (existing) {
    const start = lineStart(text, (existing.key as { range: [number, number, number] }).range[0])
    const valueEnd = (existing.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (existing.key as { range: [number, number, number] }).range[1]
    const end = lineEnd(text, Math.max(valueEnd - 1, start))
    return text.slice(0, start) + block(indent) + text.slice(end)
  }
  const last = map.items[map.items.length - 1]!
  const lastEnd = (last.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (last.key as { range: [number, number, number] }).range[1]
  const at = lineEnd(text, Math.max(lastEnd - 1, 0))
  const before = text.slice(0, at)
  return before + (before.endsWith('\n') ? '' : '\n') + block(indent) + text.slice(at)
}

type StageProject = Pick<Project, 'root' | 'cwd'> & { lock: Project['lock'] }

export async function addStage(project: StageProject, options: StageAddOptions): Promise<StageAddResult> {
  checkName(options.name)
  if (!options.cmd.trim()) throw new TrellisError('INVALID_ARGUMENT', 'no command given for the stage', { hint: 'trellis stage add -n NAME [options] COMMAND' })
  const cwd = options.cwd ?? project.cwd
  const rel = relative(project.root, cwd).split(sep).join('/')
  if (rel.startsWith('..')) throw new TrellisError('PATH_OUTSIDE_REPO', `'${cwd}' is outside the project`, { hint: 'Run stage add inside the project.' })
  const dvcfile = posix.join(rel || '.', 'dvc.yaml').replace(/^\.\//, '')
  let wdir: string | undefined
  if (options.wdir) {
    const target = relative(project.root, resolve(cwd, options.wdir)).split(sep).join('/')
    if (target.startsWith('..') || isAbsolute(target)) {
      throw new TrellisError('PATH_OUTSIDE_REPO', `wdir '${options.wdir}' is outside the project`, { hint: 'The stage must run inside the project.' })
    }
    const fromFile = posix.relative(rel || '.', target || '.') || '.'
    wdir = fromFile === '.' ? undefined : fromFile
  }
  for (const path of [...(options.outs ?? []), ...(options.outsNoCache ?? []), ...(options.metrics ?? []), ...(options.metricsNoCache ?? []), ...(options.plots ?? []), ...(options.plotsNoCache ?? []), ...(options.outsPersist ?? []), ...(options.outsPersistNoCache ?? [])]) {
    workTreePath(project.root, resolve(cwd, options.wdir ?? '.'), path)
  }
  const lock = await project.lock(`trellis stage add -n ${options.name}`)
  try {
    const abs = new WorkTreeGuard(project.root).path(dvcfile, { final: 'follow', source: 'trellis stage add' })
    let text: string | undefined
    try {
      text = await readFile(abs, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    const next = withStage(text ?? '', dvcfile, options.name, stageData(options, wdir), !!options.force)
    // validated as repro would load it, before anything is written
    await PipelineIndex.load(project.root, new Map([[dvcfile, next]]))
    await writeFileAtomic(abs, next)
    return { dvcfile, address: dvcfile === 'dvc.yaml' ? options.name : `${dvcfile}:${options.name}`, created: text === undefined }
  } finally {
    await lock.release()
  }
}
