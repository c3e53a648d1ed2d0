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
 * Trellis share a remote; and http(s) URLs, read-only (`http-remote.ts`).
 * Other schemes (s3://, gs://, azure://, ssh://) are accepted in the config
 * and fail when used, unless a plugin adds them with
 * `trellis.services.registerDataRemote(scheme, factory)` (kept in the
 * project's service registry, never in a module-global table).
 */
import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DvcConfig } from '../config/dvc-config.js'
import { TrellisError } from '../errors.js'
import type { HashName } from '../pipeline/types.js'
import { redactUrl } from '../util/redact-url.js'
import type { DataRemote, DataRemoteFactory, DataRemoteSpec } from '../plugin-api/data-remote.js'
import { HttpRemote } from './http-remote.js'
import { LocalDirRemote } from './local-remote.js'

export type { DataRemote, DataRemoteFactory, DataRemoteSpec } from '../plugin-api/data-remote.js'

/** `remote` for objects of hash `name` (DVC 3 `md5` → `<url>/files/md5`). */
export function remoteForHash(remote: DataRemote, name: HashName): DataRemote {
  return name === 'md5-dos2unix' ? remote : (remote.forHash?.(name) ?? remote)
}

/** Where the backends of other URL schemes are found: the project's service registry. */
export interface DataRemoteBackends {
  dataRemote(scheme: string): DataRemoteFactory | undefined
}

const ADD_REMOTE_HINT =
  'Add a default remote, e.g. a shared directory: `dvc remote add -d storage /path/to/dvc-storage` ' +
  "(or put `[core] remote = storage` and `['remote \"storage\"'] url = /path/to/dvc-storage` in .dvc/config), " +
  'pass -r <name> to use another remote, or --no-cache to share the experiment without its data.'

/** The remote `name` (default: `core.remote`) of a project's DVC configuration. */
export async function openDataRemote(config: DvcConfig, name?: string, backends?: DataRemoteBackends): Promise<DataRemote> {
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
  const factory = scheme ? backends?.dataRemote(scheme) : undefined
  if (!factory && (scheme === 'http' || scheme === 'https')) return new HttpRemote(spec)
  if (!factory) {
    throw new TrellisError('REMOTE_INVALID', `DVC remote '${chosen}' (${redactUrl(url)}) is of a kind Trellis cannot reach: ${scheme ? `there is no ${scheme}:// support built in` : 'not a path nor a URL'}`, {
      hint: 'Built in: local directory remotes (a path or file:// URL) and http(s) remotes (read-only: fetch and pull). A plugin can add others (s3, gs, azure, ssh) with trellis.services.registerDataRemote(scheme, factory).',
    })
  }
  return factory(spec)
}
