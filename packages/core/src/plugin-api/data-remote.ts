/**
 * The data-remote contract: where cache objects are pushed to and fetched from
 * (a DVC remote of `.dvc/config`). Local directories are built in; a plugin adds a
 * URL scheme with `trellis.services.registerDataRemote(scheme, factory)`.
 */
import type { HashName } from '../pipeline/types.js'

/** One DVC remote. Objects are named by their DVC hash: `<md5>` or `<md5>.dir`. */
export interface DataRemote {
  /** The remote's name in `.dvc/config`. */
  readonly name: string
  /** Its URL for messages (a password masked). */
  readonly displayUrl: string
  /** Whether the remote holds the object. */
  exists(md5: string): Promise<boolean>
  /**
   * Store the local file `source` (a cache object) as object `md5`, atomically:
   * no reader ever sees a partly written object under its final name.
   */
  upload(source: string, md5: string): Promise<void>
  /**
   * Copy object `md5` to the local file `dest` (a temporary file that the
   * caller verifies and renames into the cache). False when the remote does
   * not have it.
   */
  download(md5: string, dest: string): Promise<boolean>
  /** Which of `md5s` the remote holds, in one pass (optional: `exists` is asked one by one otherwise). */
  existsMany?(md5s: readonly string[]): Promise<Set<string>>
  /** Every object the remote holds (for `gc -c`); absent on remotes that cannot list. */
  list?(): AsyncIterable<string>
  /** Delete one object (for `gc -c`); absent on read-only remotes. */
  remove?(md5: string): Promise<void>
  /**
   * The same remote for objects of hash `name`, laid out as DVC 3 does (`md5` objects
   * under `<url>/files/md5/`, 2.x and legacy ones at the root). Optional: a backend
   * without it receives every object at its root.
   */
  forHash?(name: HashName): DataRemote
}

export interface DataRemoteSpec {
  /** Name in `.dvc/config`. */
  name: string
  /** `url` as configured (relative local paths already resolved against `.dvc/`). */
  url: string
  /** Every other option of the remote's section (`region`, `credentialpath`, ...). */
  options: Record<string, string>
}

export type DataRemoteFactory = (spec: DataRemoteSpec) => DataRemote | Promise<DataRemote>
