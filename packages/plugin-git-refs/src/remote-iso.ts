/**
 * The in-process transport for experiment refs, used when `git` is not on
 * PATH (or TRELLIS_GIT_TRANSPORT=iso): isomorphic-git over the smart HTTP
 * protocol. Its limits shape the code:
 *
 * - http(s) only: a remote name is looked up in the git config
 *   (`remote.<name>.url`); a path, `file://` or ssh remote is an error that
 *   says to install git;
 * - one ref per request: refs are listed once (`listServerRefs` with a
 *   prefix), then pushed and fetched one at a time;
 * - `fetch` wants a configured remote with a fetch refspec, and `push`
 *   records a remote-tracking ref: both are given a synthetic remote whose
 *   refspec matches nothing (added to the config they read, in memory only)
 *   and whose tracking refs are never written, so only objects (fetch) and
 *   the remote's ref (push) change; `HEAD` is offered as "have" so the
 *   baseline's history is not downloaded again.
 *
 * Credentials in the URL (`https://user:token@host/...`) are sent as Basic
 * auth and masked in every message.
 */
import * as fs from 'node:fs'
import { join, resolve } from 'node:path'
import type { RefInfo, RefPushResult } from '@trellis/core/plugin-api'
import type { GitCore } from './core.js'
import { configString, readGitConfig } from './config.js'
import { loadIso } from './iso.js'
import { remoteError } from './remote.js'

type IsoHttp = typeof import('isomorphic-git/http/node')

let httpLoading: Promise<IsoHttp['default']> | undefined
function loadHttp(): Promise<IsoHttp['default']> {
  httpLoading ??= import('isomorphic-git/http/node').then((m) => ((m as { default?: IsoHttp['default'] }).default ?? m) as IsoHttp['default'])
  return httpLoading
}

/** The repository a remote operation runs for: its common dir (config, objects) and the engine's error family. */
export interface IsoRepo {
  commonDir: string
  core: GitCore
}

/** The http(s) URL of a remote name or URL; anything else is an error naming the fix. */
export function isoRemoteUrl(repo: IsoRepo, remote: string): string {
  const configured = configString(readGitConfig(repo.commonDir), `remote.${remote}.url`)
  const url = configured ?? remote
  if (!/^https?:\/\//i.test(url)) {
    throw new repo.core.TrellisError('GIT_REMOTE_ERROR', `cannot reach git remote '${repo.core.redactUrl(remote)}' without git: only http(s) remotes work in process`, {
      hint: 'Install git (it handles local paths, file://, ssh and http), or use an http(s) URL for this remote.',
    })
  }
  return url
}

function failure(core: GitCore, action: string, remote: string, error: unknown): Error {
  if (error instanceof core.TrellisError) return error
  const e = error as { message?: string; code?: string; data?: { statusCode?: number; response?: string } }
  const status = e.data?.statusCode
  return remoteError(core, action, remote, `${e.message ?? String(error)}${status === 401 || status === 403 ? ' (authentication failed)' : ''}`)
}

export async function isoListRemoteRefs(repo: IsoRepo, remote: string, prefix: string): Promise<RefInfo[]> {
  const { commonDir } = repo
  const url = isoRemoteUrl(repo, remote)
  const [git, http] = await Promise.all([loadIso(), loadHttp()])
  try {
    const refs = await git.listServerRefs({ http, url, prefix, protocolVersion: 2 })
    return refs
      .filter((r) => r.ref.startsWith(prefix) && !r.ref.endsWith('^{}'))
      .map((r) => ({ ref: r.ref, sha: r.oid }))
      .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  } catch (error) {
    throw failure(repo.core, 'list the refs of', remote, error)
  }
}

export async function isoPushRefs(repo: IsoRepo, remote: string, refs: Array<{ ref: string; force?: boolean }>): Promise<RefPushResult[]> {
  const { commonDir } = repo
  const url = isoRemoteUrl(repo, remote)
  const [git, http] = await Promise.all([loadIso(), loadHttp()])
  const results: RefPushResult[] = []
  for (const { ref, force } of refs) {
    try {
      const res = await git.push({ fs: transferFs(commonDir, url), http, gitdir: commonDir, url, remote: SYNTHETIC_REMOTE, ref, remoteRef: ref, force: !!force })
      const status = res.refs?.[ref]
      results.push(status && !status.ok ? { ref, status: 'rejected', reason: status.error } : { ref, status: 'ok' })
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code === 'PushRejectedError') results.push({ ref, status: 'rejected', reason: (error as { data?: { reason?: string } }).data?.reason ?? 'rejected' })
      else if (code === 'GitPushError') results.push({ ref, status: 'rejected', reason: failure(repo.core, 'push to', remote, error).message })
      else if (code === 'NotFoundError' && /[0-9a-f]{40}/.test(String((error as Error).message))) {
        // the remote's commit is not here: its history differs from ours
        results.push({ ref, status: 'rejected', reason: 'fetch first' })
      } else throw failure(repo.core, 'push to', remote, error)
    }
  }
  return results
}

const SYNTHETIC_REMOTE = 'trellis-exp'

/**
 * Node's fs as isomorphic-git sees it for one transfer: the repository config
 * gains a remote `trellis-exp` (in memory) whose fetch refspec matches
 * nothing, and writes under `refs/remotes/trellis-exp/` (push records a
 * remote-tracking ref for the remote it used) are dropped.
 */
function transferFs(commonDir: string, url: string): { promises: typeof fs.promises } {
  const configFile = resolve(commonDir, 'config')
  const dropped = resolve(commonDir, 'refs', 'remotes', SYNTHETIC_REMOTE)
  const section = `\n[remote "${SYNTHETIC_REMOTE}"]\n\turl = ${url.replace(/[\\"\n]/g, '')}\n\tfetch = +refs/trellis-unused/*:refs/trellis-unused/*\n`
  const real = fs.promises
  const isDropped = (path: unknown) => typeof path === 'string' && (resolve(path) === dropped || resolve(path).startsWith(`${dropped}/`))
  const promises = { ...real } as typeof fs.promises
  Object.assign(promises, {
    readFile: async (path: fs.PathLike, options?: unknown) => {
      if (typeof path !== 'string' || resolve(path) !== configFile) return real.readFile(path, options as never)
      let text = ''
      try {
        text = String(await real.readFile(path, 'utf8'))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
      const data = text + section
      const encoding = typeof options === 'string' ? options : (options as { encoding?: string } | undefined)?.encoding
      return encoding ? data : Buffer.from(data)
    },
    writeFile: async (path: fs.PathLike, data: unknown, options?: unknown) => {
      if (isDropped(path)) return
      return real.writeFile(path, data as never, options as never)
    },
    mkdir: async (path: fs.PathLike, options?: unknown) => {
      if (isDropped(path)) return undefined
      return real.mkdir(path, options as never)
    },
  })
  return { promises }
}

export async function isoFetchRefs(repo: IsoRepo, remote: string, refs: string[]): Promise<void> {
  const { commonDir } = repo
  if (refs.length === 0) return
  const url = isoRemoteUrl(repo, remote)
  const [git, http] = await Promise.all([loadIso(), loadHttp()])
  const wrapped = transferFs(commonDir, url)
  const hasHead = fs.existsSync(join(commonDir, 'HEAD'))
  for (const ref of refs) {
    try {
      await git.fetch({ fs: wrapped, http, gitdir: commonDir, url, remote: SYNTHETIC_REMOTE, ref: hasHead ? 'HEAD' : ref, remoteRef: ref, singleBranch: true, tags: false })
    } catch (error) {
      throw failure(repo.core, 'fetch from', remote, error)
    }
  }
}
