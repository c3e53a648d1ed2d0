import { mkdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import writeFileAtomicImpl from 'write-file-atomic'

/** The mode a plain `writeFile` would give a new file (0o666 less the umask). */
const DEFAULT_MODE = 0o666 & ~process.umask()

/**
 * Write a file atomically with write-file-atomic: a temp file beside it, fsync, then
 * rename, so a crash at any moment leaves either the old or the new content, never a
 * half-written file. The directory is created when missing; the file gets `mode` (or
 * a new file's default mode: an existing file's mode and owner are not carried over).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomicImpl(path, typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    mode: mode ?? DEFAULT_MODE,
    chown: false as unknown as undefined, // (documented by write-file-atomic, missing from its types): keep our own ownership
  })
}

/** `writeFileAtomic` without leaving the thread: for many small writes in a row (a sweep's queue records). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileAtomicImpl.sync(path, typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    mode: mode ?? DEFAULT_MODE,
    chown: false as unknown as undefined,
  })
}
