/**
 * Single-stage `.dvc` files (`dvc add` data sources, imports, legacy single-stage pipelines),
 * DVC 2.x format (`dvc/stage/loader.py` SingleStageLoader, `dvc/output.py` loadd_from).
 * Unlike dvc.yaml stages, the hashes live in the file itself: they are exposed as `hash` on
 * each out/dep, and the stage md5 (legacy cmd/import stages) as `stage.md5`.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isMap, isScalar, isSeq, type Node } from 'yaml'
import { TrellisError } from '../errors.js'
import type { Dep, HashInfo, Out, ParamsDep, Stage } from '../pipeline/types.js'
import { loadYaml } from '../util/yaml.js'
import { isPlainMap, toStr } from './interpolate.js'
import { checkRepoDir, repoDirname, resolveRepoPath } from './paths.js'
import { validateDotDvc } from './schema.js'
import { dumpYaml } from './yaml-emit.js'

const URL_RE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//

export interface DotDvcFile {
  stage: Stage
  /** The file's data as written (for rewriting it). */
  data: Record<string, unknown>
}

function checksumText(node: unknown, text: string): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined
  let value: string
  if (typeof node.value === 'string') value = node.value
  else if (node.range) value = text.slice(node.range[0], node.range[1]).trim()
  else value = String(node.value)
  return value === '' ? undefined : value.toLowerCase()
}

function child(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined
  return node.items.find((p) => isScalar(p.key) && p.key.value === key)?.value
}

function recordedHash(entry: Record<string, unknown>, node: unknown, text: string): Partial<HashInfo> | undefined {
  const hash: Partial<HashInfo> = {}
  const md5 = checksumText(child(node, 'md5'), text)
  if (md5 !== undefined) hash.md5 = md5
  if (typeof entry.size === 'number') hash.size = entry.size
  if (typeof entry.nfiles === 'number') hash.nfiles = entry.nfiles
  if (entry.isexec === true) hash.isexec = true
  if (entry.hash === 'md5') hash.hash = 'md5'
  return Object.keys(hash).length ? hash : undefined
}

/** Parse a `.dvc` file's text; `relPath` is its repo-relative path. */
export function parseDotDvc(text: string, relPath: string): DotDvcFile {
  const loaded = loadYaml(text, relPath)
  validateDotDvc(loaded, relPath)
  const data = (isPlainMap(loaded.data) ? loaded.data : {}) as Record<string, unknown>
  const root = loaded.doc.contents
  const fileDir = repoDirname(relPath)
  const lineOf = (node: unknown) => loaded.lineOf(node as Node)

  const wdirText = typeof data.wdir === 'string' ? data.wdir : '.'
  const wdir = checkRepoDir(
    `${fileDir ? `${fileDir}/` : ''}${wdirText}`,
    wdirText,
    { file: relPath, line: lineOf(child(root, 'wdir')), what: 'wdir' },
  )

  const deps: Dep[] = []
  const params: ParamsDep[] = []
  const depNodes = child(root, 'deps')
  ;(Array.isArray(data.deps) ? data.deps : []).forEach((raw, index) => {
    const entry = raw as Record<string, unknown>
    const node = isSeq(depNodes) ? depNodes.items[index] : undefined
    const pathAsWritten = entry.path as string
    if ('params' in entry) {
      const p = entry.params
      const keys = Array.isArray(p) ? p.map((k) => toStr(k)) : isPlainMap(p) ? Object.keys(p) : []
      params.push({
        fileAsWritten: pathAsWritten,
        file: resolveRepoPath(wdir, pathAsWritten, { file: relPath, line: lineOf(node), what: 'params file' }),
        keys: keys.length ? keys : null,
      })
      return
    }
    const repo = isPlainMap(entry.repo) ? (entry.repo as Dep['repo']) : undefined
    // imported paths live in another repository / at a URL: kept as written
    const external = repo !== undefined || URL_RE.test(pathAsWritten)
    const dep: Dep = {
      pathAsWritten,
      path: external ? pathAsWritten : resolveRepoPath(wdir, pathAsWritten, { file: relPath, line: lineOf(node), what: 'dependency' }),
    }
    const hash = recordedHash(entry, node, text)
    if (hash) dep.hash = hash
    if (repo) dep.repo = repo
    deps.push(dep)
  })

  const outNodes = child(root, 'outs')
  const outs: Out[] = (Array.isArray(data.outs) ? data.outs : []).map((raw, index) => {
    const entry = raw as Record<string, unknown>
    const node = isSeq(outNodes) ? outNodes.items[index] : undefined
    const pathAsWritten = entry.path as string
    const out: Out = {
      pathAsWritten,
      path: resolveRepoPath(wdir, pathAsWritten, { file: relPath, line: lineOf(node), what: 'output' }),
      cache: entry.cache === undefined ? true : entry.cache === true,
      persist: entry.persist === true,
      checkpoint: entry.checkpoint === true,
      metric: entry.metric === true || isPlainMap(entry.metric),
      plot: entry.plot === true || isPlainMap(entry.plot),
    }
    if (typeof entry.remote === 'string') out.remote = entry.remote
    if (typeof entry.push === 'boolean') out.push = entry.push
    if (typeof entry.desc === 'string') out.desc = entry.desc
    const hash = recordedHash(entry, node, text)
    if (hash) out.hash = hash
    return out
  })

  const stage: Stage = {
    kind: 'single',
    name: relPath,
    dvcfile: relPath,
    address: relPath,
    wdir,
    deps,
    params,
    outs,
    frozen: data.frozen === true || data.locked === true,
    alwaysChanged: data.always_changed === true,
    line: 1,
  }
  if (typeof data.cmd === 'string' || Array.isArray(data.cmd)) stage.cmd = data.cmd as string | string[]
  if (typeof data.desc === 'string') stage.desc = data.desc
  if (data.meta !== undefined) stage.meta = data.meta
  const md5 = checksumText(child(root, 'md5'), text)
  if (md5 !== undefined) stage.md5 = md5
  return { stage, data }
}

/** Read and parse a `.dvc` file (stage + raw data). */
export async function readDotDvcFile(root: string, relPath: string): Promise<DotDvcFile> {
  const file = relPath.replace(/\\/g, '/').replace(/^\.\//, '')
  let text: string
  try {
    text = await readFile(join(root, file), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TrellisError('TARGET_NOT_FOUND', `'${file}' does not exist`, { hint: `Check the path of '${file}'.` })
    }
    throw error
  }
  return parseDotDvc(text, file)
}

/** The stage of a `.dvc` file: name and address = its repo-relative path. */
export async function loadDotDvc(root: string, relPath: string): Promise<Stage> {
  return (await readDotDvcFile(root, relPath)).stage
}

const HASH_KEYS = ['md5', 'etag', 'checksum', 'size', 'nfiles', 'isexec', 'hash']

/**
 * The text of a `.dvc` file after recording new hashes for some outs (by `pathAsWritten`):
 * each out entry is written as DVC does (`md5, size, nfiles, isexec, path`; DVC 3:
 * `md5, size, nfiles, isexec, hash: md5, path`), then its other keys in their order;
 * everything else is kept.
 */
export function updateDotDvcHashes(data: Record<string, unknown>, hashes: Map<string, Partial<HashInfo>>): string {
  const outs = Array.isArray(data.outs) ? (data.outs as Array<Record<string, unknown>>) : []
  const newOuts = outs.map((entry) => {
    const hash = hashes.get(entry.path as string)
    if (!hash) return entry
    const out = new Map<string, unknown>()
    if (hash.md5 !== undefined) out.set('md5', hash.md5)
    if (hash.size !== undefined) out.set('size', hash.size)
    if (hash.nfiles !== undefined) out.set('nfiles', hash.nfiles)
    if (hash.isexec) out.set('isexec', true)
    if (hash.hash) out.set('hash', hash.hash)
    out.set('path', entry.path)
    for (const [k, v] of Object.entries(entry)) if (!HASH_KEYS.includes(k) && k !== 'path') out.set(k, v)
    return out
  })
  const result = new Map<string, unknown>(Object.entries(data))
  if (result.has('outs')) result.set('outs', newOuts)
  return dumpYaml(result)
}
