/**
 * `dvc checkout`: make the workspace's cached outputs match what `dvc.lock`
 * and the `.dvc` files record, from the cache, with the project's link types
 * (`cache.type`). Also used for a fresh work tree (a queued experiment's).
 *
 * Per output (DVC's A/M/D listing):
 * - absent → made from the cache (`added`);
 * - different → replaced (`modified`); unchanged → left (re-linked with `relink`);
 * - present but recorded without a hash → removed (`deleted`).
 *
 * Work is never destroyed (the rule of `exp apply`): replacing or removing
 * content whose files are not all in the cache is refused, naming every such
 * path, before anything is written; with `force` that content is first saved
 * into the cache (by copy), then replaced. Outputs whose objects are not in
 * the cache are skipped and listed in `missing`.
 *
 * Files made are recorded in the state db (a copy gets the object's mtime so
 * that it is not "racy"), so the next command does not read them to hash them.
 */
import { lstat } from 'node:fs/promises'
import { lstatSync, statSync, utimesSync } from 'node:fs'
import { join, relative } from 'node:path'
import { trackedOutputs, type TrackedOutput } from '../data/tracked-outputs.js'
import { TrellisError } from '../errors.js'
import type { Project } from '../project.js'
import { PipelineIndex } from './pipeline-index.js'
import type { ObjectCache } from '../cache/object-cache.js'
import type { Hasher } from '../hash/hasher.js'
import { hashNameOf } from './types.js'
import { WorkingSet } from './working-set.js'

export interface CheckoutOptions {
  /** Outputs, stages or .dvc files (relative to `cwd`); none = every output. */
  targets?: readonly string[]
  cwd?: string
  /** `-R`: directory targets select the stages inside them. */
  recursive?: boolean
  /** `-f`: replace uncommitted content (saved into the cache first). */
  force?: boolean
  /** `--relink`: re-make unchanged outputs too, with the current link type. */
  relink?: boolean
  /** Called after each output. */
  onProgress?: (done: number, total: number) => void
}

export interface CheckoutResult {
  /** Outputs materialised (files and directories). */
  outputs: number
  /** Files made from the cache. */
  files: number
  /** Outputs recorded in a lock or .dvc file whose objects are not in the cache (repo-relative). */
  missing: string[]
  /** DVC's listing: paths relative to `cwd`, directories with a trailing `/`. */
  added: string[]
  modified: string[]
  deleted: string[]
}

type Action = { output: TrackedOutput; kind: 'add' | 'modify' | 'relink' | 'delete'; save?: { md5: string } }

export async function checkoutWorkspace(project: Pick<Project, 'root' | 'dvcConfig'> & { settings?: Project['settings'] }, options: CheckoutOptions = {}): Promise<CheckoutResult> {
  const cwd = options.cwd ?? project.root
  const index = await PipelineIndex.load(project.root)
  const outputs = await trackedOutputs(index, { targets: options.targets, cwd, recursive: options.recursive })
  const result: CheckoutResult = { outputs: 0, files: 0, missing: [], added: [], modified: [], deleted: [] }
  if (outputs.length === 0) return result
  const ws = await WorkingSet.openFor(project)
  try {
    // every output path is checked before the first one is written
    for (const output of outputs) ws.guard.check(output.path, { source: 'an output recorded in a lock or .dvc file' })
    ws.guard.assertSafe()
    const actions: Action[] = []
    const conflicts: string[] = []
    for (const output of outputs) {
      const present = await lstat(ws.abs(output.path)).then(
        () => true,
        () => false,
      )
      const md5 = output.recorded?.md5
      if (!md5) {
        if (present) actions.push(await unsaved(ws, output, 'delete', conflicts, options.force))
        continue
      }
      // (whether the objects are in the cache is checked when an output is made: once)
      if (!present) {
        actions.push({ output, kind: 'add' })
        continue
      }
      const current = await ws.hash(output.path, hashNameOf(output.recorded)).catch(() => undefined)
      if (current?.md5 === md5) {
        if (options.relink) actions.push({ output, kind: 'relink' })
        continue
      }
      actions.push(await unsaved(ws, output, 'modify', conflicts, options.force))
    }
    if (conflicts.length > 0) {
      throw new TrellisError('CHECKOUT_CONFLICT', `checkout would overwrite uncommitted changes in: ${conflicts.map((p) => `'${p}'`).join(', ')}`, {
        hint: 'Nothing was changed. Record them first (`trellis commit`, `trellis add`), or pass -f to replace them (their content is saved in the cache first).',
      })
    }
    let done = 0
    for (const action of actions) {
      const { output } = action
      const name = hashNameOf(output.recorded)
      if (action.save) await ws.commitToCache(output.path, action.save.md5, 'copy', name)
      if (action.kind === 'delete') {
        await ws.removeOutput(output.path)
        ws.forget(output.path)
        result.deleted.push(display(project.root, cwd, output))
      } else {
        const md5 = output.recorded!.md5!
        try {
          await ws.checkoutFromCache(output.path, md5, 'link', output.recorded!.isexec, name)
        } catch (error) {
          // nothing was written for this output: the cache lacks (part of) it
          if (!(error instanceof TrellisError && error.code === 'CACHE_MISSING')) throw error
          result.missing.push(output.path)
          options.onProgress?.(++done, actions.length)
          continue
        }
        result.outputs++
        const cache = ws.cache.forHash(name)
        const hasher = await ws.hasherFor(name)
        if (md5.endsWith('.dir')) {
          for (const file of await cache.readManifest(md5)) {
            record(ws.root, cache, hasher, `${output.path}/${file.relpath}`, file.md5)
            result.files++
          }
        } else {
          record(ws.root, cache, hasher, output.path, md5)
          result.files++
        }
        if (action.kind === 'add') result.added.push(display(project.root, cwd, output))
        if (action.kind === 'modify') result.modified.push(display(project.root, cwd, output))
      }
      options.onProgress?.(++done, actions.length)
    }
  } finally {
    await ws.close()
  }
  return result
}

/** An output whose current content is replaced or removed: a conflict unless every file of it is in the cache (or `force`, which saves it). */
async function unsaved(ws: WorkingSet, output: TrackedOutput, kind: 'modify' | 'delete', conflicts: string[], force?: boolean): Promise<Action> {
  const name = hashNameOf(output.recorded)
  const current = await ws.hash(output.path, name).catch(() => undefined)
  if (current && (await contentInCache(ws.cache.forHash(name), current))) return { output, kind }
  if (!force) {
    conflicts.push(output.path)
    return { output, kind }
  }
  return { output, kind, save: current ? { md5: current.md5 } : undefined }
}

async function contentInCache(cache: ObjectCache, current: { md5: string; manifest?: unknown }): Promise<boolean> {
  if (!current.md5.endsWith('.dir')) return cache.has(current.md5)
  const manifest = (current.manifest ?? []) as Array<{ md5: string }>
  return manifest.every((e) => cache.hasSync(e.md5))
}

function display(root: string, cwd: string, output: TrackedOutput): string {
  const rel = relative(cwd, join(root, output.path)).split('\\').join('/')
  return output.recorded?.md5?.endsWith('.dir') ? `${rel}/` : rel
}

function record(root: string, cache: ObjectCache, hasher: Hasher, path: string, md5: string): void {
  const abs = join(root, path)
  const file = lstatSync(abs, { throwIfNoEntry: false })
  if (!file) return
  if (file.isFile() && file.nlink === 1) {
    // a copy (or reflink) is a new inode written just now: give it the object's times
    const object = statSync(cache.objectPath(md5), { throwIfNoEntry: false })
    if (!object) return
    utimesSync(abs, object.atime, object.mtime)
  }
  hasher.recordFile(path, md5)
}
