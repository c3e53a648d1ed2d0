/**
 * What `exp apply` does to cached outputs: after the tracked files, the
 * outputs recorded by the applied `dvc.lock` / `.dvc` files are checked out
 * from the cache (linked per `cache.type`), as `dvc checkout` would after
 * DVC's merge. Everything is decided *before* anything is written: the
 * pipeline files are read as they will be after apply (the experiment's
 * version where apply changes them, the workspace's elsewhere).
 *
 * An output already holding the recorded content is left alone. One that
 * does not is replaced; its current content must be in the cache (then undo
 * can restore it), otherwise it is uncommitted work: a conflict, which
 * `--force` resolves by saving it into the cache first.
 */
import { lstatSync, readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { collectDvcFiles } from '../../dvcfile/collect-dvcfiles.js'
import { parseDotDvc } from '../../dvcfile/load-dot-dvc.js'
import { loadDvcFile } from '../../dvcfile/load-dvc-yaml.js'
import { lockPathFor, parseLockfile } from '../../dvcfile/lockfile.js'
import { ParamsLoadError, parseVarsFile, type VarsFileReader } from '../../dvcfile/vars-context.js'
import { overlaps } from '../../pipeline/path-utils.js'
import type { WorkTreeGuard } from '../../fs/safe-path.js'
import type { WorkingSet } from '../../pipeline/working-set.js'
import { hashNameOf, type HashName } from '../../pipeline/types.js'
import type { FileState } from './workspace-files.js'

export interface OutputState {
  md5: string
  isexec?: boolean
  /** The cache the object is in: DVC 3 `md5` (files/md5) or the 2.x / legacy one. */
  hashName?: HashName
}

export interface OutputChange {
  /** Relative to the DVC root, POSIX. */
  path: string
  /** The content now (restored by undo); null = absent, or replaced by a tracked-file change of this apply. */
  before: OutputState | null
  after: OutputState
  /** `before` is not in the cache: it must be saved there before it is overwritten (`--force`). */
  unsaved: boolean
}

export interface OutputsPlan {
  changes: OutputChange[]
  /** Outputs whose recorded object is not in the cache. */
  missing: Array<{ path: string; md5: string }>
}

/** Paths (DVC-root relative) that apply changes → their content after apply (null = deleted). */
export type Overlay = Map<string, FileState | null>

/**
 * `guard` is the git work tree's (with the tracked changes planned), `dvcRoot` the DVC root
 * relative to it: every output path is checked first, a refused one is left out (apply
 * stops on the guard's refusals before writing).
 */
export async function planOutputs(root: string, ws: WorkingSet, overlay: Overlay, guard: WorkTreeGuard, dvcRoot: string): Promise<OutputsPlan> {
  const targets = await cachedOutputsAfter(root, overlay)
  const touched = [...overlay.keys()]
  const changes: OutputChange[] = []
  const missing: OutputsPlan['missing'] = []
  for (const [path, after] of targets) {
    if (guard.check(dvcRoot === '' ? path : `${dvcRoot}/${path}`, { source: 'an output in the applied dvc.lock or .dvc files' }) === undefined) continue
    const replacedByTracked = touched.some((p) => overlaps(p, path))
    const before = replacedByTracked ? null : await currentOutput(ws, path, after.hashName)
    if (before?.md5 === after.md5) continue
    if (!(await ws.hasObject(after.md5, after.hashName))) {
      missing.push({ path, md5: after.md5 })
      continue
    }
    const unsaved = before !== null && !(await ws.hasObject(before.md5, before.hashName))
    changes.push({ path, before, after, unsaved })
  }
  return { changes, missing }
}

/** An output's content in the workspace now; null when absent (or a link into the cache that dangles). */
export async function currentOutput(ws: WorkingSet, path: string, name?: HashName): Promise<OutputState | null> {
  if (!lstatSync(ws.abs(path), { throwIfNoEntry: false })) return null
  try {
    const info = await ws.hash(path, name)
    return { md5: info.md5, isexec: info.isexec, hashName: hashNameOf(info) }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** Cached outputs with a recorded hash, per the pipeline files as they will be after apply. */
async function cachedOutputsAfter(root: string, overlay: Overlay): Promise<Map<string, OutputState>> {
  const readText = async (path: string): Promise<string | undefined> => {
    const staged = overlay.get(path)
    if (staged !== undefined) return staged === null ? undefined : Buffer.from(staged.content).toString('utf8')
    try {
      return await readFile(join(root, path), 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw error
    }
  }
  const varsReader: VarsFileReader = (repoRoot, path) => {
    const staged = overlay.get(path)
    if (staged === null) throw new ParamsLoadError(`'${path}' does not exist`)
    if (staged !== undefined) return parseVarsFile(staged.content, path)
    const abs = join(repoRoot, path)
    const st = statSync(abs, { throwIfNoEntry: false })
    if (!st) throw new ParamsLoadError(`'${path}' does not exist`)
    if (st.isDirectory()) throw new ParamsLoadError(`'${path}' is a directory`)
    return parseVarsFile(readFileSync(abs), path)
  }

  const files = new Set(await collectDvcFiles(root))
  for (const [path, state] of overlay) {
    if (!isPipelineFile(path)) continue
    if (state) files.add(path)
    else files.delete(path)
  }
  const outputs = new Map<string, OutputState>()
  for (const file of [...files].sort()) {
    if (file.endsWith('.dvc')) {
      const text = await readText(file)
      if (text === undefined) continue
      for (const out of parseDotDvc(text, file).stage.outs) {
        if (out.cache && out.hash?.md5) outputs.set(out.path, { md5: out.hash.md5, isexec: out.hash.isexec, hashName: hashNameOf(out.hash) })
      }
      continue
    }
    const dvcYaml = await loadDvcFile(root, file, { readText, reader: varsReader })
    const lockPath = lockPathFor(file)
    const lockText = await readText(lockPath)
    const lock = lockText === undefined ? undefined : parseLockfile(lockText, lockPath)
    for (const stage of dvcYaml.stages) {
      const entry = lock?.stages.get(stage.name)
      for (const out of stage.outs) {
        if (!out.cache) continue
        const recorded = entry?.outs?.find((o) => o.path === out.pathAsWritten)
        if (recorded?.md5) outputs.set(out.path, { md5: recorded.md5, isexec: recorded.isexec, hashName: hashNameOf(recorded) })
      }
    }
  }
  return outputs
}

/** dvc.yaml or a `.dvc` file (not inside `.dvc/`), as collectDvcFiles finds them. */
function isPipelineFile(path: string): boolean {
  if (path === '.dvc' || path.startsWith('.dvc/') || path.includes('/.dvc/')) return false
  const base = posix.basename(path)
  return base === 'dvc.yaml' || (base.endsWith('.dvc') && base !== '.dvc')
}
