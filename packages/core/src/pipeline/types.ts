/** The data model of a loaded pipeline. Paths are POSIX, relative to the repo root unless named `*AsWritten`. */

export interface OutFlags {
  cache: boolean
  persist: boolean
  checkpoint: boolean
  /** `metrics:` section (or `metric: true` in a .dvc file). */
  metric: boolean
  /** `plots:` section. */
  plot: boolean
  remote?: string
  push?: boolean
  desc?: string
  /** `plots:` section only: the plot properties written on the output (x, y, template, title, x_label, y_label, header). */
  plotProps?: Record<string, unknown>
}

export interface Out extends OutFlags {
  /** As written in dvc.yaml / the .dvc file (relative to the stage's wdir); used in dvc.lock. */
  pathAsWritten: string
  /** Relative to the repo root. */
  path: string
  /** `.dvc` files only: the hash recorded in the file (dvc.yaml stages keep theirs in dvc.lock). */
  hash?: Partial<HashInfo>
}

export interface Dep {
  pathAsWritten: string
  path: string
  /** `.dvc` files only: the hash recorded in the file. */
  hash?: Partial<HashInfo>
  /** `.dvc` imports only: the source repository (`repo: {url, rev, rev_lock}`). */
  repo?: { url: string; rev?: string; rev_lock?: string }
}

export interface ParamsDep {
  /** File as written (relative to wdir); `params.yaml` for bare keys. */
  fileAsWritten: string
  /** Relative to the repo root. */
  file: string
  /** Keys in dotted form, in dvc.yaml order; `null` = the whole file is tracked. */
  keys: string[] | null
}

export type StageKind = 'pipeline' | 'single'

export interface Stage {
  kind: StageKind
  /** Key in `stages:` (generated: `group@key`); for a .dvc file, its repo-relative path. */
  name: string
  /** Repo-relative path of the dvc.yaml or .dvc file that defines it. */
  dvcfile: string
  /** `name`, `sub/dvc.yaml:name` or `data.dvc` (relative to the repo root). */
  address: string
  cmd?: string | string[]
  /** Repo-relative working directory ('' = root). */
  wdir: string
  deps: Dep[]
  params: ParamsDep[]
  outs: Out[]
  frozen: boolean
  alwaysChanged: boolean
  desc?: string
  meta?: unknown
  /** Line of the stage definition in its file, when known. */
  line?: number
  /** For `.dvc` files: the stored stage md5 (change detection of legacy single stages). */
  md5?: string
}

/**
 * DVC's hash names: `md5-dos2unix` is the 2.x md5 (CRLF → LF in text files; "legacy" in
 * DVC 3, written without a `hash` key), `md5` the DVC 3 plain md5 (written `hash: md5`).
 */
export type HashName = 'md5' | 'md5-dos2unix'

/** The `hash` key of a lock / `.dvc` entry for a hash name (legacy entries have none). */
export function hashKeyOf(name: HashName): 'md5' | undefined {
  return name === 'md5' ? 'md5' : undefined
}

/** The hash name of an entry by its `hash` key. */
export function hashNameOf(entry: { hash?: string } | undefined): HashName {
  return entry?.hash === 'md5' ? 'md5' : 'md5-dos2unix'
}

/** A file or directory hash, as DVC writes it in dvc.lock. */
export interface HashInfo {
  /** 32 hex, or 32 hex + `.dir`. */
  md5: string
  /** `md5` for a DVC 3 entry; absent for a 2.x (legacy, md5-dos2unix) one. */
  hash?: 'md5'
  size: number
  nfiles?: number
  isexec?: boolean
}

export interface LockPathEntry {
  path: string
  /** `md5` for a DVC 3 entry; absent for a 2.x (legacy, md5-dos2unix) one. */
  hash?: 'md5'
  md5?: string
  size?: number
  nfiles?: number
  isexec?: boolean
}

/** One stage's record in dvc.lock (schema 2.0, DVC 2.x and 3.x). */
export interface LockEntry {
  cmd: string | string[]
  deps?: LockPathEntry[]
  /** file → key → value; the default `params.yaml` first. */
  params?: Record<string, Record<string, unknown>>
  outs?: LockPathEntry[]
}
