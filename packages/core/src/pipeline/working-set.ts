/**
 * The working set: the files of a workspace as one command (repro, status,
 * checkout, add, commit, exp apply) sees them — hashed through the state store,
 * moved to and from the object cache, lock files and params files each read at
 * most once and memoised. Every stage check and every stage run goes through here.
 *
 * DVC 3 projects (`dvc-format.ts`): a recorded entry is compared with the hash it
 * names (`hash: md5` → plain md5, none → md5-dos2unix) and its object is looked up in
 * that hash's cache; new hashes (`hash(path)` without a name) are taken with the
 * project's write format, so entries built from them are 3.x in a DVC 3 project.
 */
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import type { DvcConfig } from '../config/dvc-config.js'
import { ObjectCache } from '../cache/object-cache.js'
import { Hasher } from '../hash/hasher.js'
import { detectDvcFormat, dvcFormatSetting, writeHashName, type DvcFormat } from '../dvcfile/dvc-format.js'
import type { Project } from '../project.js'
import { lockPathFor, readLockfile, writeLockEntries } from '../dvcfile/lockfile.js'
import { readDotDvcFile, updateDotDvcHashes } from '../dvcfile/load-dot-dvc.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { readParamsFile } from '../params/params-file.js'
import { lookupKey } from '../params/key-path.js'
import { TrellisError } from '../errors.js'
import { WorkTreeGuard } from '../fs/safe-path.js'
import { compareParams, type PathStatus } from './stage-status.js'
import type { HashInfo, HashName, LockEntry, ParamsDep, Stage } from './types.js'

export interface WorkingSetOptions {
  /** The trellis config's `dvcFormat` setting (see `dvc-format.ts`). */
  dvcFormat?: DvcFormat
  /** Progress of directory hashing (see `HasherOptions.onProgress`), both hash names together. */
  onHashProgress?: (done: number, total: number) => void
  /** Progress of each directory materialised from the cache: files linked of its total. */
  onCheckoutProgress?: (done: number, total: number) => void
}

type HashProgress = (done: number, total: number) => void

/** One progress for the hashers of both hash names: each one's counts, summed. */
function hashProgressOf(report: HashProgress | undefined): (name: HashName) => HashProgress | undefined {
  if (!report) return () => undefined
  const counts = new Map<HashName, [number, number]>()
  return (name) => (done, total) => {
    counts.set(name, [done, total])
    let allDone = 0
    let allTotal = 0
    for (const [d, t] of counts.values()) {
      allDone += d
      allTotal += t
    }
    report(allDone, allTotal)
  }
}

/** The progress callbacks a command hands to the workspace it opens. */
export type WorkingSetProgress = Pick<WorkingSetOptions, 'onHashProgress' | 'onCheckoutProgress'>

export class WorkingSet {
  private readonly hashes = new Map<string, Promise<HashInfo & { manifest?: unknown }>>()
  private readonly hashers = new Map<HashName, Promise<Hasher>>()
  private format: Promise<DvcFormat> | undefined
  private readonly params = new Map<string, Promise<Record<string, unknown> | undefined>>()
  private readonly locks = new Map<string, Promise<Map<string, LockEntry>>>()
  private lockWrites: Promise<unknown> = Promise.resolve()

  /** Uncached outputs (metrics, plots) go into the cache by copy, never by link. */
  private readonly copyCache: ObjectCache

  /** Every write below goes through it: no write outside the work tree or into `.git` (see fs/safe-path.ts). */
  readonly guard: WorkTreeGuard

  private constructor(
    readonly root: string,
    /** The md5-dos2unix (DVC 2.x / legacy) hasher; `hasherFor('md5')` gives the DVC 3 one. */
    readonly hasher: Hasher,
    /** The cache root (2.x and legacy objects); `cache.forHash('md5')` holds DVC 3 objects. */
    readonly cache: ObjectCache,
    private readonly log: (line: string) => void,
    private readonly options: WorkingSetOptions,
    private readonly progressOf: (name: HashName) => HashProgress | undefined,
  ) {
    this.copyCache = new ObjectCache(cache.dir, ['copy'])
    this.guard = new WorkTreeGuard(root)
    this.hashers.set(hasher.hashName, Promise.resolve(hasher))
  }

  /** `log` receives DVC's lock file messages (Generating / Updating / Migrating). */
  static async open(root: string, config: DvcConfig, log: (line: string) => void = () => {}, options: WorkingSetOptions = {}): Promise<WorkingSet> {
    const progressOf = hashProgressOf(options.onHashProgress)
    const hasher = await Hasher.open(root, { onProgress: progressOf('md5-dos2unix') })
    return new WorkingSet(root, hasher, new ObjectCache(config.cacheDir, config.cacheTypes), log, options, progressOf)
  }

  /** The workspace of a project (its `.dvc/config` cache and its `dvcFormat` setting). */
  static openFor(
    project: Pick<Project, 'root' | 'dvcConfig'> & { settings?: Project['settings'] },
    log?: (line: string) => void,
    progress: WorkingSetProgress = {},
  ): Promise<WorkingSet> {
    return WorkingSet.open(project.root, project.dvcConfig, log, { ...progress, dvcFormat: dvcFormatSetting(project.settings ?? {}) })
  }

  /** 2 or 3: the format new entries are written in (detected once, on first use). */
  dvcFormat(): Promise<DvcFormat> {
    return (this.format ??= detectDvcFormat(this.root, this.options.dvcFormat))
  }

  /** The hash name of new entries in this project. */
  async writeHashName(): Promise<HashName> {
    return writeHashName(await this.dvcFormat())
  }

  /** The hasher of a hash name (the DVC 3 one is opened on first use). */
  hasherFor(name: HashName): Promise<Hasher> {
    let h = this.hashers.get(name)
    if (!h) {
      h = Hasher.open(this.root, { hashName: name, onProgress: this.progressOf(name) })
      this.hashers.set(name, h)
    }
    return h
  }

  private cacheFor(mode: 'link' | 'copy', name: HashName): ObjectCache {
    return (mode === 'link' ? this.cache : this.copyCache).forHash(name)
  }

  /** The object (for a directory: the manifest and every file) is in the cache of its hash name. */
  hasObject(md5: string, name: HashName = 'md5-dos2unix'): Promise<boolean> {
    const cache = this.cache.forHash(name)
    return md5.endsWith('.dir') ? cache.hasTree(md5) : cache.has(md5)
  }

  /** Save a workspace output into the cache: 'link' per cache.type (it may become a link), 'copy' leaves it as is. */
  async commitToCache(path: string, md5: string, mode: 'link' | 'copy', name: HashName = 'md5-dos2unix'): Promise<void> {
    const cache = this.cacheFor(mode, name)
    const info = await this.hash(path, name)
    // 'link' replaces the workspace file by a link to the object: a write
    const abs = mode === 'link' ? this.guard.path(path, { source: 'an output' }) : this.abs(path)
    if (md5.endsWith('.dir')) await cache.saveDir(abs, (info.manifest ?? []) as never, md5)
    else await cache.saveFile(abs, md5, { isexec: info.isexec })
    if (mode === 'link') this.forget(path)
  }

  /** Materialise an output from the cache of its hash name ('copy' for uncached outputs). */
  async checkoutFromCache(path: string, md5: string, mode: 'link' | 'copy', isexec?: boolean, name: HashName = 'md5-dos2unix'): Promise<void> {
    await this.cacheFor(mode, name).checkout(md5, this.guard.path(path, { source: 'an output' }), md5.endsWith('.dir'), { isexec, onProgress: this.options.onCheckoutProgress })
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
  }

  async close(): Promise<void> {
    await this.lockWrites
    for (const h of this.hashers.values()) await (await h).close()
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

  /**
   * Hash of a workspace file or directory (memoised until `forget`), with hash `name`;
   * without one, with the project's write format (3.x results carry `hash: 'md5'`).
   */
  hash(path: string, name?: HashName): Promise<HashInfo & { manifest?: unknown }> {
    if (name === undefined) return this.writeHashName().then((n) => this.hash(path, n))
    const key = `${name}\0${path}`
    let p = this.hashes.get(key)
    if (!p) {
      p = this.hasherFor(name).then((h) => h.hashPath(path))
      this.hashes.set(key, p)
      p.catch(() => this.hashes.delete(key))
    }
    return p
  }

  /** Drop memoised hashes of `path` and everything above or below it (it was rewritten). */
  forget(path: string): void {
    for (const key of this.hashes.keys()) {
      const p = key.slice(key.indexOf('\0') + 1)
      if (p === path || p.startsWith(`${path}/`) || path.startsWith(`${p}/`)) this.hashes.delete(key)
    }
    this.params.delete(path)
    this.hasher.invalidate(path)
    const md5 = this.hashers.get('md5')
    if (md5) void md5.then((h) => h.invalidate(path))
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
