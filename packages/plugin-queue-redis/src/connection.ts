/**
 * The connection to the queue's Redis (ioredis). A submitting command (`exp run --queue`,
 * `queue status`) connects once and fails fast: an unreachable Redis is one
 * QUEUE_UNAVAILABLE error, the URL's password masked. A worker's connection reconnects
 * forever (a Redis restart is waited out). Between operations the socket does not keep
 * the process alive (`hold` refs it while one runs), so a command that used the queue
 * exits when it is done without anyone closing the connection.
 */
import { Redis } from 'ioredis'
import type { TrellisCore } from '@trellis/core/plugin-api'

export class RedisConnection {
  readonly client: Redis
  private busy = 0
  private lastError?: Error
  private connecting?: Promise<void>

  constructor(
    private readonly core: TrellisCore,
    readonly url: string,
    private persistent: boolean,
  ) {
    this.client = new Redis(url, {
      lazyConnect: true,
      // BullMQ needs it for blocking commands; a submitter fails on the first lost connection anyway
      maxRetriesPerRequest: null,
      connectTimeout: 3000,
      retryStrategy: persistent ? (times: number) => Math.min(100 * times, 1000) : () => null,
    })
    // errors reach the commands that fail; the event itself must have a listener
    this.client.on('error', (error: Error) => {
      this.lastError = error
    })
    this.client.on('connect', () => this.refSocket())
  }

  /** From now on reconnect forever (a worker waits a Redis restart out) and keep the process alive. */
  makePersistent(): void {
    if (this.persistent) return
    this.persistent = true
    this.client.options.retryStrategy = (times: number) => Math.min(100 * times, 1000)
    this.refSocket()
  }

  /** The URL with its password masked. */
  get displayUrl(): string {
    return this.core.redactUrl(this.url)
  }

  /** Connect (once), or QUEUE_UNAVAILABLE. */
  async ready(): Promise<void> {
    if (this.client.status === 'ready') return
    this.connecting ??= this.client.connect().then(
      () => undefined,
      (error: unknown) => {
        this.connecting = undefined
        throw this.unavailable(error)
      },
    )
    return this.connecting
  }

  /** Run `work` with the connection holding the process open. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    this.busy++
    this.refSocket()
    try {
      await this.ready()
      return await work()
    } catch (error) {
      throw this.isConnectionError(error) ? this.unavailable(error) : error
    } finally {
      this.busy--
      this.refSocket()
    }
  }

  unavailable(error: unknown): Error {
    const { TrellisError } = this.core
    if (error instanceof TrellisError) return error
    let reason = error instanceof Error ? error.message : String(error)
    // ioredis rejects with "Connection is closed." after the socket's own error (ECONNREFUSED, ...)
    if (/Connection is closed/i.test(reason) && this.lastError) reason = this.lastError.message
    reason = this.core.redactUrl(reason)
    const auth = /WRONGPASS|NOAUTH|invalid password/i.test(reason)
    return new TrellisError('QUEUE_UNAVAILABLE', `cannot reach the queue's Redis at ${this.displayUrl}: ${reason}`, {
      hint: auth
        ? 'Check the password in the queue URL (queue.url in the trellis config, or TRELLIS_QUEUE_URL).'
        : 'Start Redis (redis-server --appendonly yes) or fix queue.url in the trellis config / TRELLIS_QUEUE_URL. Nothing was queued.',
      cause: error,
    })
  }

  isConnectionError(error: unknown): boolean {
    const message = error instanceof Error ? error.message : ''
    return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection is closed|connect ETIMEDOUT|WRONGPASS|NOAUTH/i.test(message)
  }

  /** Keep the process alive while `work` runs, without connecting first (closing, cleaning up). */
  async pin<T>(work: () => Promise<T>): Promise<T> {
    this.busy++
    this.refSocket()
    try {
      return await work()
    } finally {
      this.busy--
      this.refSocket()
    }
  }

  async close(): Promise<void> {
    this.connecting = undefined
    if (this.client.status === 'end') return
    try {
      await this.client.quit()
    } catch {
      this.client.disconnect()
    }
  }

  private refSocket(): void {
    const stream = (this.client as unknown as { stream?: { ref?(): void; unref?(): void } }).stream
    if (this.persistent || this.busy > 0) stream?.ref?.()
    else stream?.unref?.()
  }
}
