/**
 * A DVC http(s) remote, read-only as DVC's is for `fetch`/`pull`: object `h`
 * is `GET <url>/<h[0:2]>/<h[2:]>` (the cache layout); 404 means the remote
 * does not have it. Basic auth from the URL's user-info or from the remote's
 * `user`/`password` options (`auth = basic`). Uploads are refused with an
 * error naming the remote (push to a directory remote instead).
 */
import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { TrellisError } from '../errors.js'
import { redactUrl } from '../util/redact-url.js'
import type { DataRemote, DataRemoteSpec } from '../plugin-api/data-remote.js'

export class HttpRemote implements DataRemote {
  readonly name: string
  readonly displayUrl: string
  private readonly base: string
  private readonly headers: Record<string, string> = {}

  constructor(spec: DataRemoteSpec) {
    this.name = spec.name
    this.displayUrl = redactUrl(spec.url)
    const url = new URL(spec.url)
    const user = decodeURIComponent(url.username) || spec.options.user
    const password = decodeURIComponent(url.password) || spec.options.password
    url.username = ''
    url.password = ''
    if (user !== undefined && password !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    this.base = url.href.replace(/\/+$/, '')
  }

  private url(md5: string): string {
    return `${this.base}/${md5.slice(0, 2)}/${md5.slice(2)}`
  }

  private failure(what: string, status: number): TrellisError {
    return new TrellisError('REMOTE_TRANSFER_FAILED', `${what} from http remote '${this.name}' (${this.displayUrl}) failed: HTTP ${status}`, {
      hint: status === 401 || status === 403 ? 'Set user/password: `trellis remote modify --local <name> user <user>` (and password).' : 'Check the remote URL and the server.',
    })
  }

  async exists(md5: string): Promise<boolean> {
    const res = await fetch(this.url(md5), { method: 'HEAD', headers: this.headers })
    if (res.status === 404) return false
    if (!res.ok) throw this.failure(`HEAD ${md5}`, res.status)
    return true
  }

  async upload(): Promise<void> {
    throw new TrellisError('REMOTE_INVALID', `DVC remote '${this.name}' (${this.displayUrl}) is an http remote, which Trellis (like DVC for plain http) only reads from`, {
      hint: 'Push to a directory remote (`trellis push -r <name>`), or serve that directory over http for others to pull.',
    })
  }

  async download(md5: string, dest: string): Promise<boolean> {
    const res = await fetch(this.url(md5), { headers: this.headers })
    if (res.status === 404) return false
    if (!res.ok || !res.body) throw this.failure(`GET ${md5}`, res.status)
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(dest))
    return true
  }
}
