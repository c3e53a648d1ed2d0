/** Gather keys for `ms`, then hand the whole batch over once (file events come in bursts). */
export function batcher<T>(ms: number, flush: (batch: Set<T>) => void): { add(key: T): void; cancel(): void } {
  let batch = new Set<T>()
  let timer: NodeJS.Timeout | undefined
  return {
    add(key) {
      batch.add(key)
      timer ??= setTimeout(() => {
        timer = undefined
        const done = batch
        batch = new Set()
        flush(done)
      }, ms)
    },
    cancel() {
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
