/**
 * A small pool of worker threads that hash many files in parallel.
 *
 * MD5 is single-threaded at ~0.65 GB/s per core (toolchain-and-style.md §3), so a
 * big directory is hashed by `min(os.availableParallelism(), 4)` workers, each
 * running `md5FdSync` of `file-hash.ts` (see `hash-worker.ts`).
 * Files are sent in batches (a few hundred small files or a few MiB per message,
 * a big file alone), each to the worker with the least work outstanding; up to 16
 * batches wait in a worker, so workers never wait for a busy main thread (the
 * `Hasher` feeds them while it is still walking a directory).
 *
 * - The pool is created lazily, on the first call that needs it, and shared by
 *   the process (`sharedHashPool()`).
 * - Workers are `unref()`'d whenever they are idle: an idle pool never keeps the
 *   process alive; they are `ref()`'d while they have work, so an awaited hash
 *   cannot be cut short by the process exiting.
 * - If a worker dies, its batches are re-hashed in-process and the pool is
 *   disabled for the rest of the process: slower, never wrong.
 * - Small jobs (fewer than `POOL_MIN_FILES` files and `POOL_MIN_BYTES` bytes) are
 *   hashed in-process: starting and feeding workers costs more than it saves.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { md5FileSync } from './file-hash.js'
import { hashWorkerEntry, type HashRequest, type HashResponse } from './hash-worker.js'

/** Below both thresholds a job is hashed in-process. */
export const POOL_MIN_FILES = 64
export const POOL_MIN_BYTES = 64 * 1024 * 1024

export const BATCH_MAX_FILES = 256
export const BATCH_MAX_BYTES = 8 * 1024 * 1024
/**
 * Batches queued in one worker at most. Deep, because the main thread may be busy
 * (walking a directory, synchronously) while workers hash: they must not run dry
 * waiting for it to read their answers. Batches go to the worker with the fewest
 * bytes outstanding, so the tail stays balanced.
 */
const INFLIGHT_PER_WORKER = 16

/** Worker count: the cores available, at most 4; below 2 the pool is not worth it (0 = no pool). */
export function defaultPoolSize(): number {
  const n = Math.min(4, availableParallelism())
  return n >= 2 ? n : 0
}

/** Whether a job of `nfiles` files and `totalBytes` bytes is worth sending to the pool. */
export function shouldUsePool(nfiles: number, totalBytes: number): boolean {
  return nfiles >= 2 && (nfiles > POOL_MIN_FILES || totalBytes > POOL_MIN_BYTES)
}

interface Batch {
  id: number
  paths: string[]
  sizes: number[]
  plain: boolean
  /** Estimated cost in bytes (small files count as 4 KiB: opening them is the cost). */
  cost: number
  resolve: (md5s: (string | null)[], errors: HashResponse['errors']) => void
}

interface Slot {
  worker: Worker
  inflight: Map<number, Batch>
  outstanding: number
  ready: boolean
}

export class HashPool {
  readonly size: number
  private slots: Slot[] | undefined
  private queue: Batch[] = []
  private nextId = 1
  private broken = false

  constructor(size: number = defaultPoolSize()) {
    this.size = size
  }

  /** True once the pool has started its workers. */
  get started(): boolean {
    return this.slots !== undefined
  }

  /**
   * DVC md5 of every path, in order. `sizes` (from a stat taken just before, -1 or
   * missing = unknown) lets workers skip the final zero-byte read and balances batches.
   * Rejects with the first file's error (an `Error` carrying the fs `code`).
   * `onBatch(n)` is told each time a batch of `n` files is hashed (progress; never per file).
   */
  async md5Many(paths: readonly string[], sizes?: readonly number[], plain = false, onBatch?: (files: number) => void): Promise<string[]> {
    if (paths.length === 0) return []
    if (this.size < 1 || this.broken || !hashWorkerEntry()) return inProcessBatch(paths, sizes, plain, onBatch)
    this.start()
    const parts: Promise<string[]>[] = []
    let i = 0
    while (i < paths.length) {
      const batchPaths: string[] = []
      const batchSizes: number[] = []
      let cost = 0
      while (i < paths.length && batchPaths.length < BATCH_MAX_FILES && (cost < BATCH_MAX_BYTES || batchPaths.length === 0)) {
        const size = sizes?.[i] ?? -1
        batchPaths.push(paths[i])
        batchSizes.push(size)
        cost += Math.max(size, 4096)
        i++
      }
      const part = this.submit(batchPaths, batchSizes, cost, plain)
      parts.push(onBatch ? part.then((md5s) => (onBatch(md5s.length), md5s)) : part)
    }
    const results = await Promise.all(parts)
    return results.length === 1 ? results[0] : results.flat()
  }

  /** Start the workers now (they boot in parallel with whatever the caller does next). */
  warm(): void {
    if (this.size >= 1 && !this.broken && hashWorkerEntry()) this.start()
  }

  /** Terminate the workers (the pool can be used again: it restarts lazily). */
  async destroy(): Promise<void> {
    const slots = this.slots
    this.slots = undefined
    if (!slots) return
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  private submit(paths: string[], sizes: number[], cost: number, plain: boolean): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const batch: Batch = {
        id: this.nextId++,
        paths,
        sizes,
        plain,
        cost,
        resolve: (md5s, errors) => {
          const failed = errors.findIndex((e) => e !== null)
          if (failed >= 0) {
            const e = errors[failed]!
            reject(Object.assign(new Error(e.message), { code: e.code, path: paths[failed] }))
          } else resolve(md5s as string[])
        },
      }
      this.queue.push(batch)
      this.pump()
    })
  }

  private start(): void {
    if (this.slots) return
    this.slots = []
    for (let k = 0; k < this.size; k++) {
      const worker = new Worker(hashWorkerEntry()!, { name: `trellis-hash-${k}` })
      const slot: Slot = { worker, inflight: new Map(), outstanding: 0, ready: true }
      worker.on('message', (msg: HashResponse) => {
        const batch = slot.inflight.get(msg.id)
        if (!batch) return
        slot.inflight.delete(msg.id)
        slot.outstanding -= batch.cost
        if (slot.inflight.size === 0) worker.unref()
        batch.resolve(msg.md5s, msg.errors)
        this.pump()
      })
      const fail = () => {
        if (!slot.ready) return
        slot.ready = false
        this.broken = true
        // Whatever this worker held (and anything queued) is hashed here instead.
        const orphans = [...slot.inflight.values(), ...this.queue]
        slot.inflight.clear()
        this.queue = []
        for (const batch of orphans) runInProcess(batch)
      }
      worker.on('error', fail)
      worker.on('exit', () => {
        if (slot.inflight.size > 0 || this.queue.length > 0) fail()
        slot.ready = false
      })
      // after the listeners: adding a 'message' listener refs the worker's port again
      worker.unref()
      this.slots.push(slot)
    }
  }

  private pump(): void {
    if (!this.slots) return
    if (this.broken) {
      const queued = this.queue
      this.queue = []
      for (const batch of queued) runInProcess(batch)
      return
    }
    while (this.queue.length > 0) {
      let best: Slot | undefined
      for (const slot of this.slots) {
        if (slot.ready && slot.inflight.size < INFLIGHT_PER_WORKER && (!best || slot.outstanding < best.outstanding)) best = slot
      }
      if (!best) return
      const batch = this.queue.shift()!
      if (best.inflight.size === 0) best.worker.ref()
      best.inflight.set(batch.id, batch)
      best.outstanding += batch.cost
      const req: HashRequest = { id: batch.id, paths: batch.paths, sizes: batch.sizes, plain: batch.plain }
      best.worker.postMessage(req)
    }
  }
}

function runInProcess(batch: Batch): void {
  const md5s: (string | null)[] = []
  const errors: HashResponse['errors'] = []
  for (let i = 0; i < batch.paths.length; i++) {
    try {
      md5s.push(md5FileSync(batch.paths[i], batch.sizes[i] >= 0 ? batch.sizes[i] : undefined, batch.plain))
      errors.push(null)
    } catch (error) {
      md5s.push(null)
      const e = error as NodeJS.ErrnoException
      errors.push({ code: e.code, message: e.message })
    }
  }
  batch.resolve(md5s, errors)
}

/** Hash in the calling thread (the fast path for a few files). */
export function md5ManyInProcess(paths: readonly string[], sizes?: readonly number[], plain = false): string[] {
  const out = new Array<string>(paths.length)
  for (let i = 0; i < paths.length; i++) {
    const size = sizes?.[i]
    out[i] = md5FileSync(paths[i], size !== undefined && size >= 0 ? size : undefined, plain)
  }
  return out
}

function inProcessBatch(paths: readonly string[], sizes: readonly number[] | undefined, plain: boolean, onBatch?: (files: number) => void): string[] {
  const md5s = md5ManyInProcess(paths, sizes, plain)
  onBatch?.(md5s.length)
  return md5s
}

let shared: HashPool | undefined

/** The process-wide pool (created on first use; its workers start on the first big job). */
export function sharedHashPool(): HashPool {
  return (shared ??= new HashPool())
}

/** Stop the process-wide pool's workers, if any (they never block exit anyway). */
export async function destroySharedHashPool(): Promise<void> {
  const pool = shared
  shared = undefined
  await pool?.destroy()
}

/**
 * DVC md5 of many files: through the shared pool when the job is big enough
 * (`shouldUsePool`), otherwise in-process. `mode` forces one or the other.
 */
export async function md5Files(
  paths: readonly string[],
  sizes?: readonly number[],
  mode: 'auto' | 'pool' | 'in-process' = 'auto',
  plain = false,
  onBatch?: (files: number) => void,
): Promise<string[]> {
  let usePool = mode === 'pool'
  if (mode === 'auto') {
    let bytes = 0
    if (sizes) for (const s of sizes) bytes += s > 0 ? s : 0
    usePool = shouldUsePool(paths.length, bytes)
  }
  if (!usePool) return inProcessBatch(paths, sizes, plain, onBatch)
  return sharedHashPool().md5Many(paths, sizes, plain, onBatch)
}
