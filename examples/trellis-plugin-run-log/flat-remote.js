// @ts-check
/**
 * A DVC data remote of another kind: `flat:///abs/dir` keeps every object as
 * `<dir>/<md5>` (`.dir` manifests keep their suffix), one flat directory.
 */
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** @implements {import('@trellis/core/plugin-api').DataRemote} */
export class FlatRemote {
  /** @param {import('@trellis/core/plugin-api').DataRemoteSpec} spec */
  constructor(spec) {
    this.name = spec.name
    this.displayUrl = spec.url
    this.dir = fileURLToPath(spec.url.replace(/^flat:/, 'file:'))
  }

  /** @param {string} md5 */
  async exists(md5) {
    return stat(join(this.dir, md5)).then(() => true, () => false)
  }

  /** @param {string} source @param {string} md5 */
  async upload(source, md5) {
    await mkdir(this.dir, { recursive: true })
    const tmp = join(this.dir, `.${md5}.${process.pid}.tmp`)
    try {
      await copyFile(source, tmp)
      await rename(tmp, join(this.dir, md5))
    } finally {
      await rm(tmp, { force: true })
    }
  }

  /** @param {string} md5 @param {string} dest */
  async download(md5, dest) {
    try {
      await copyFile(join(this.dir, md5), dest)
      return true
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return false
      throw error
    }
  }
}
