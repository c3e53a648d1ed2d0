/**
 * The working tree as one repro sees it: hashing through the state store,
 * the object cache, lock files and params files, each read at most once per
 * run and memoised. Every stage check and every stage run goes through here.
 */
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import type { DvcConfig } from '../config/dvc-config.js'
import { ObjectCache } from '../cache/object-cache.js'
import { Hasher } from '../hash/hasher.js'
import { lockPathFor, readLockfile, writeLockEntries } from '../dvcfile/lockfile.js'
import { readDotDvcFile, updateDotDvcHashes } from '../dvcfile/load-dot-dvc.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { readParamsFile } from '../params/params-file.js'
import { lookupKey } from '../params/key-path.js'
import { TrellisError } from '../errors.js'
import { WorkTreeGuard } from '../fs/safe-path.js'
import { compareParams, type PathStatus } from './stage-status.js'
import type { HashInfo, LockEntry, ParamsDep, Stage } from './types.js'

export class Workspace {
  private readonly hashes = new Map<string, Promise<HashInfo & { manifest?: unknown }>>()
  private readonly params = new Map<string, Promise<Record<string, unknown> | undefined>>()
  private readonly locks = new Map<string, Promise<Map<string, LockEntry>>>()
  private lockWrites: Promise<unknown> = Promise.resolve()

  /** Uncached outputs (metrics, plots) go into the cache by copy, never by link. */
  private readonly copyCache: ObjectCache

  /** Every write below goes through it: no write outside the work tree or into `.git` (see fs/safe-path.ts). */
  readonly guard: WorkTreeGuard

  private constructor(
    readonly root: string,
    readonly hasher: Hasher,
    readonly cache: ObjectCache,
    private readonly log: (line: string) => void,
  ) {
    this.copyCache = new ObjectCache(cache.dir, ['copy'])
    this.guard = new WorkTreeGuard(root)
  }

  /** `log` receives DVC's lock file messages (Generating / Updating / Migrating). */
  static async open(root: string, config: DvcConfig, log: (line: string) => void = () => {}): Promise<Workspace> {
    const hasher = await Hasher.open(root)
    return new Workspace(root, hasher, new ObjectCache(config.cacheDir, config.cacheTypes), log)
  }

  /** The object (for a directory: the manifest and every file) is in the cache. */
  hasObject(md5: string): Promise<boolean> {
    return md5.endsWith('.dir') ? this.cache.hasTree(md5) : this.cache.has(md5)
  }

  /** Save a workspace output into the cache: 'link' per cache.type (it may become a link), 'copy' leaves it as is. */
  async commitToCache(path: string, md5: string, mode: 'link' | 'copy'): Promise<void> {
    const cache = mode === 'link' ? this.cache : this.copyCache
    const info = await this.hash(path)
    // 'link' replaces the workspace file by a link to the object: a write
    const abs = mode === 'link' ? this.guard.path(path, { source: 'an output' }) : this.abs(path)
    if (md5.endsWith('.dir')) await cache.saveDir(abs, (info.manifest ?? []) as never, md5)
    else await cache.saveFile(abs, md5, { isexec: info.isexec })
    if (mode === 'link') this.forget(path)
  }

  /** Materialise an output from the cache ('copy' for uncached outputs). */
  async checkoutFromCache(path: string, md5: string, mode: 'link' | 'copy', isexec?: boolean): Promise<void> {
    const cache = mode === 'link' ? this.cache : this.copyCache
    await cache.checkout(md5, this.guard.path(path, { source: 'an output' }), md5.endsWith('.dir'), { isexec })
    this.forget(path)
  }

  /** Remove an output from the workspace (a link is unlinked, never followed). */
  async removeOutput(path: string): Promise<void> {
    await this.cache.removeOutput(this.guard.path(path, { source: 'an output' }))
    this.forget(path)
  }

  /** Make an output a writable copy, independent of the cache (persist and checkpoint outputs). */
  async unprotect(path: string): Promise<void> {
    await this.cache.unprotect(this.guard.path(path, { source: 'an output' }))
  }

  /** Something (a stage's command) wrote under `path`: hash it afresh next time, directories included. */
  rewritten(path: string): void {
    this.forget(path)
    this.hasher.invalidate(path)
  }

  async close(): Promise<void> {
    await this.lockWrites
    await this.hasher.close()
  }

  abs(path: string): string {
    return join(this.root, path)
  }

  async exists(path: string): Promise<boolean> {
    return lstat(this.abs(path)).then(
      () => true,
      () => false,
    )
  }

  /** Hash of a workspace file or directory (memoised until `forget`). */
  hash(path: string): Promise<HashInfo & { manifest?: unknown }> {
    let p = this.hashes.get(path)
    if (!p) {
      p = this.hasher.hashPath(path)
      this.hashes.set(path, p)
      p.catch(() => this.hashes.delete(path))
    }
    return p
  }

  /** Drop memoised hashes of `path` and everything above or below it (it was rewritten). */
  forget(path: string): void {
    for (const key of this.hashes.keys()) {
      if (key === path || key.startsWith(`${path}/`) || path.startsWith(`${key}/`)) this.hashes.delete(key)
    }
    this.params.delete(path)
    this.hasher.invalidate(path)
  }

  /** The top-level map of a params file, or undefined when the file does not exist. */
  readParams(file: string): Promise<Record<string, unknown> | undefined> {
    let p = this.params.get(file)
    if (!p) {
      p = (async () => {
        if (!(await this.exists(file))) return undefined
        return readParamsFile(this.abs(file), file)
      })()
      this.params.set(file, p)
    }
    return p
  }

  /** Current values of a params dependency as the lock records them (`{key: value}` or the whole file). */
  async currentParams(dep: ParamsDep): Promise<Record<string, unknown> | undefined> {
    const data = await this.readParams(dep.file)
    if (data === undefined) return undefined
    if (dep.keys === null) return data
    const values: Record<string, unknown> = {}
    for (const key of dep.keys) {
      const found = lookupKey(data, key)
      if (found.found) values[key] = found.value
    }
    return values
  }

  /** Values for the lock entry; missing keys or file are an error naming them. */
  async lockParams(dep: ParamsDep): Promise<Record<string, unknown>> {
    const values = await this.currentParams(dep)
    if (values === undefined) {
      throw new TrellisError('PARAMS_INVALID', `params file '${dep.file}' does not exist`, {
        hint: `Create ${dep.file}, or remove the params entry that names it.`,
      })
    }
    const missing = (dep.keys ?? []).filter((k) => !(k in values))
    if (missing.length) {
      throw new TrellisError('PARAMS_INVALID', `Parameters '${missing.join(', ')}' are missing from '${dep.file}'.`, {
        hint: `Add ${missing.length > 1 ? 'them' : 'it'} to ${dep.file}, or remove ${missing.length > 1 ? 'them' : 'it'} from the stage's params.`,
      })
    }
    return values
  }

  async paramsStatus(dep: ParamsDep, locked: Record<string, unknown> | undefined): Promise<Record<string, PathStatus> | PathStatus | undefined> {
    return compareParams(await this.currentParams(dep), locked, dep.keys)
  }

  /** The lock entries of the dvc.yaml a stage is defined in. */
  lockEntries(stage: Stage): Promise<Map<string, LockEntry>> {
    const lockPath = lockPathFor(stage.dvcfile)
    let p = this.locks.get(lockPath)
    if (!p) {
      p = readLockfile(this.root, lockPath).then((l) => l?.stages ?? new Map())
      this.locks.set(lockPath, p)
    }
    return p
  }

  /** The recorded state of a stage: its dvc.lock entry, or for a `.dvc` file the hashes it records. */
  async lockEntry(stage: Stage): Promise<LockEntry | undefined> {
    if (stage.kind === 'single') {
      const outs = stage.outs.filter((o) => o.hash?.md5).map((o) => ({ path: o.pathAsWritten, ...o.hash }))
      return { cmd: stage.cmd ?? '', outs }
    }
    return (await this.lockEntries(stage)).get(stage.name)
  }

  /** Record a stage's new lock entry (serialised: parallel stages never interleave writes). */
  writeLock(stage: Stage, entry: LockEntry): Promise<void> {
    const write = this.lockWrites.then(async () => {
      if (stage.kind === 'single') return this.writeDotDvc(stage, entry)
      const lockPath = lockPathFor(stage.dvcfile)
      const target = this.guard.path(lockPath, { final: 'follow', source: `the lock file of '${stage.dvcfile}'` })
      const result = await writeLockEntries(this.root, lockPath, new Map([[stage.name, entry]]), target)
      if (result.migrated) this.log(`Migrating lock file '${lockPath}' from v1 to v2`)
      if (result.created) this.log(`Generating lock file '${lockPath}'`)
      else if (result.updated.length) this.log(`Updating lock file '${lockPath}'`)
      ;(await this.lockEntries(stage)).set(stage.name, entry)
    })
    this.lockWrites = write.catch(() => undefined)
    return write
  }

  /** A data source's `.dvc` file is rewritten only when a hash changed, as DVC does. */
  private async writeDotDvc(stage: Stage, entry: LockEntry): Promise<void> {
    const changed = (entry.outs ?? []).filter((o) => stage.outs.find((s) => s.pathAsWritten === o.path)?.hash?.md5 !== o.md5)
    if (changed.length === 0) return
    const { data } = await readDotDvcFile(this.root, stage.dvcfile)
    const hashes = new Map(changed.map(({ path, ...hash }) => [path, hash]))
    await writeFileAtomic(this.guard.path(stage.dvcfile, { final: 'follow' }), updateDotDvcHashes(data, hashes))
  }
}
