/**
 * A hash worker (started by `hash-pool.ts`, protocol in `hash-worker.ts`): hashes each
 * batch of paths with the same `md5FdSync` as the main thread.
 */
import { closeSync, openSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { md5FdSync } from './file-hash.js'
import type { HashRequest, HashResponse } from './hash-worker.js'

parentPort!.on('message', ({ id, paths, sizes, plain }: HashRequest) => {
  const md5s: HashResponse['md5s'] = new Array(paths.length).fill(null)
  const errors: HashResponse['errors'] = new Array(paths.length).fill(null)
  for (let i = 0; i < paths.length; i++) {
    let fd = -1
    try {
      fd = openSync(paths[i]!, 'r')
      md5s[i] = md5FdSync(fd, sizes[i]! >= 0 ? sizes[i] : undefined, undefined, plain === true)
    } catch (e) {
      const error = e as NodeJS.ErrnoException
      errors[i] = { code: error?.code, message: String(error?.message ?? e) }
    } finally {
      if (fd >= 0) closeSync(fd)
    }
  }
  parentPort!.postMessage({ id, md5s, errors } satisfies HashResponse)
})
