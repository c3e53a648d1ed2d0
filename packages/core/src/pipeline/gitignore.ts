/** Cached outputs are git-ignored by a `/name` line in the `.gitignore` beside them, as DVC does. */
import { readFile } from 'node:fs/promises'
import { posix } from 'node:path'
import type { WorkTreeGuard } from '../fs/safe-path.js'
import { writeFileAtomic } from '../util/atomic-write.js'

/**
 * Add `/<basename>` to `<dir>/.gitignore` unless present; returns the .gitignore path if it changed.
 * The file is written through the guard: a symlinked `.gitignore` is edited at its target when that
 * is inside the work tree, and refused otherwise.
 */
export async function ensureIgnored(guard: WorkTreeGuard, outPath: string): Promise<string | undefined> {
  const dir = posix.dirname(outPath)
  const entry = `/${posix.basename(outPath)}`
  const file = dir === '.' ? '.gitignore' : `${dir}/.gitignore`
  const abs = guard.path(file, { final: 'follow', source: `the .gitignore of output '${outPath}'` })
  const text = await readFile(abs, 'utf8').catch(() => '')
  const lines = text.split(/\r?\n/)
  if (lines.includes(entry)) return undefined
  const sep = text === '' || text.endsWith('\n') ? '' : '\n'
  await writeFileAtomic(abs, `${text}${sep}${entry}\n`)
  return file
}
