/** Cached outputs are git-ignored by a `/name` line in the `.gitignore` beside them, as DVC does. */
import { readFile } from 'node:fs/promises'
import { posix } from 'node:path'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/atomic-write.js'

/** Add `/<basename>` to `<dir>/.gitignore` unless present; returns the .gitignore path if it changed. */
export async function ensureIgnored(root: string, outPath: string): Promise<string | undefined> {
  const dir = posix.dirname(outPath)
  const entry = `/${posix.basename(outPath)}`
  const file = dir === '.' ? '.gitignore' : `${dir}/.gitignore`
  const abs = join(root, file)
  const text = await readFile(abs, 'utf8').catch(() => '')
  const lines = text.split(/\r?\n/)
  if (lines.includes(entry)) return undefined
  const sep = text === '' || text.endsWith('\n') ? '' : '\n'
  await writeFileAtomic(abs, `${text}${sep}${entry}\n`)
  return file
}
