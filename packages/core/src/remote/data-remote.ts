/**
 * DVC remotes ("data remotes"): where cache objects are pushed to and fetched
 * from, configured in `.dvc/config` as DVC configures them:
 *
 * ```ini
 * [core]
 *     remote = storage
 * ['remote "storage"']
 *     url = /mnt/shared/dvc-storage
 * ```
 *
 * Built in: a local directory (a path, relative ones against `.dvc/`, or a
 * `file://` URL) laid out like the cache (`<md5[0:2]>/<md5[2:]>`, `.dir`
 * manifests keep their suffix), which is what DVC 2.x writes, so DVC and
 * Trellis share a remote. Other schemes (s3://, https://, ...) are added by
 * plugins with {@link registerDataRemoteBackend}.
 */
import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DvcConfig } from '../config/dvc-config.js'
import { TrellisError } from '../errors.js'
import type { HashName } from '../pipeline/types.js'
import { redactUrl } from '../util/redact-url.js'
import { LocalDirRemote } from './local-remote.js'

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
  /**
   * Optional: the same remote for objects of hash `name`, laid out as DVC 3 does
   * (`md5` objects under `<url>/files/md5/`, 2.x and legacy ones at the root).
   * A backend without it receives every object at its root.
   */
  forHash?(name: HashName): DataRemote
}

/** `remote` for objects of hash `name` (DVC 3 `md5` → `<url>/files/md5`). */
export function remoteForHash(remote: DataRemote, name: HashName): DataRemote {
  return name === 'md5-dos2unix' ? remote : (remote.forHash?.(name) ?? remote)
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

const backends = new Map<string, DataRemoteFactory>()

/**
 * Add (or replace) the backend for a URL scheme, e.g. `registerDataRemoteBackend('s3', spec => new S3Remote(spec))`
 * in a plugin's `apply`. `file` and plain paths are built in.
 */
export function registerDataRemoteBackend(scheme: string, factory: DataRemoteFactory): void {
  backends.set(scheme.toLowerCase(), factory)
}

const ADD_REMOTE_HINT =
  'Add a default remote, e.g. a shared directory: `dvc remote add -d storage /path/to/dvc-storage` ' +
  "(or put `[core] remote = storage` and `['remote \"storage\"'] url = /path/to/dvc-storage` in .dvc/config), " +
  'pass -r <name> to use another remote, or --no-cache to share the experiment without its data.'

/** The remote `name` (default: `core.remote`) of a project's DVC configuration. */
export async function openDataRemote(config: DvcConfig, name?: string): Promise<DataRemote> {
  const chosen = name ?? config.defaultRemote
  const configured = Object.keys(config.remotes)
  if (!chosen) {
    throw new TrellisError('REMOTE_NOT_CONFIGURED', 'no DVC remote is configured: there is nowhere to send the cached data', {
      hint: ADD_REMOTE_HINT,
    })
  }
  const section = config.remotes[chosen]
  if (!section) {
    const where = name === undefined ? `core.remote names '${chosen}', but` : `DVC remote '${chosen}' is not configured:`
    throw new TrellisError('REMOTE_INVALID', `${where} .dvc/config has no remote "${chosen}" with a url`, {
      hint: configured.length
        ? `Configured remotes: ${configured.join(', ')}. ${ADD_REMOTE_HINT}`
        : ADD_REMOTE_HINT,
    })
  }
  const { url, ...options } = section
  const spec: DataRemoteSpec = { name: chosen, url, options }
  if (isAbsolute(url)) return new LocalDirRemote(chosen, url)
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'file') return new LocalDirRemote(chosen, fileURLToPath(url))
  const factory = scheme ? backends.get(scheme) : undefined
  if (!factory) {
    throw new TrellisError('REMOTE_INVALID', `DVC remote '${chosen}' (${redactUrl(url)}) is of a kind Trellis cannot reach${scheme ? ` ('${scheme}://')` : ''}`, {
      hint: 'Built in: local directory remotes (a path or file:// URL). A plugin can add others with registerDataRemoteBackend(scheme, factory).',
    })
  }
  return factory(spec)
}
