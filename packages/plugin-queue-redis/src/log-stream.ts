/**
 * Entry logs through Redis. The runner writes a claim's log to a local file (stage output
 * and `#` progress lines); a pump appends what is new to the entry's log key every
 * `intervalMs` and once more when the claim ends, so `queue logs <id> [--follow]` on any
 * machine reads it from Redis while the run goes on.
 */
import { open } from 'node:fs/promises'
import type { Redis } from 'ioredis'

export class LogPump {
  private offset = 0
  private timer?: NodeJS.Timeout
  private pumping: Promise<void> = Promise.resolve()

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly file: string,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => {}), intervalMs)
  }

  /** Append what the file gained since the last flush (one at a time). */
  flush(): Promise<void> {
    this.pumping = this.pumping.then(async () => {
      let handle
      try {
        handle = await open(this.file, 'r')
      } catch {
        return // nothing written yet
      }
      try {
        const { size } = await handle.stat()
        if (size <= this.offset) return
        const buffer = Buffer.alloc(size - this.offset)
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset)
        if (bytesRead > 0) {
          await this.redis.append(this.key, buffer.subarray(0, bytesRead))
          this.offset += bytesRead
        }
      } finally {
        await handle.close()
      }
    })
    return this.pumping
  }

  /** Stop the timer and push the rest. */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }
}

/** Call `onText` with the log key's text as it grows, until `done()` says the entry stopped (then the rest) or `signal` aborts. */
export async function followKey(
  redis: Redis,
  key: string,
  onText: (text: string) => void,
  done: () => Promise<boolean>,
  options: { signal?: AbortSignal; intervalMs?: number } = {},
): Promise<void> {
  let offset = 0
  const read = async () => {
    const text = await redis.getrangeBuffer(key, offset, -1)
    if (text.length > 0) {
      offset += text.length
      onText(text.toString('utf8'))
    }
  }
  while (!options.signal?.aborted) {
    const finished = await done()
    await read()
    if (finished) return
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200))
  }
}
