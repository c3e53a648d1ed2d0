/**
 * The hash workers' protocol and where their code is. A worker runs `hash-worker-entry.js`,
 * which hashes with `md5FdSync` from `file-hash.ts`: one implementation of DVC's rule (text
 * detection, CRLF folding, chunking) for the main thread and the workers.
 *
 * The entry is the compiled module next to this one (`dist/hash/`). Under vitest this module
 * is the TypeScript source, which a worker cannot load on Node 20; the compiled sibling in
 * `dist/` is used then (the tests run after a build). Without either, there is no worker
 * and the pool hashes in-process.
 *
 * Protocol: the pool posts `{ id, paths: string[], sizes: (number | -1)[] }`; the
 * worker answers `{ id, md5s: (string | null)[], errors: (null | { code, message })[] }`
 * in the same order (a file that cannot be read gets an error, the others still hash).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface HashRequest {
  id: number
  paths: string[]
  /** Expected size from a stat taken just before, or -1 when unknown. */
  sizes: number[]
  /** DVC 3 plain md5 (no CRLF text rule). */
  plain?: boolean
}

export interface HashResponse {
  id: number
  md5s: (string | null)[]
  errors: ({ code?: string; message: string } | null)[]
}

let entry: URL | null | undefined

/** The worker's module: next to this one, else the compiled one in dist/; null when there is none. */
export function hashWorkerEntry(): URL | null {
  if (entry !== undefined) return entry
  const candidates = [new URL('./hash-worker-entry.js', import.meta.url), new URL('../../dist/hash/hash-worker-entry.js', import.meta.url)]
  entry = candidates.find((url) => existsSync(fileURLToPath(url))) ?? null
  return entry
}
