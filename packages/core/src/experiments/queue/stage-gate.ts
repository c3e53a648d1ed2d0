/**
 * A keyed mutex: the stage gate of a `--run-all`. Two queued experiments that
 * reach the same stage with the same command, dependencies and params have
 * the same run-cache key; the second waits here until the first has run (and
 * saved its run-cache entry), then restores from the run-cache instead of
 * running it again.
 */
import type { StageGate } from '../../plugin-api/plugin.js'

export class KeyedMutex implements StageGate {
  private readonly tails = new Map<string, Promise<void>>()

  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let open!: () => void
    const mine = new Promise<void>((resolve) => (open = resolve))
    const tail = previous.then(() => mine)
    this.tails.set(key, tail)
    await previous
    let released = false
    return () => {
      if (released) return
      released = true
      open()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }

  /** Keys held or waited for (tests). */
  get size(): number {
    return this.tails.size
  }
}
