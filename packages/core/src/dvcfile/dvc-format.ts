/**
 * Which DVC format a project is written in. DVC 3 marks each lock / `.dvc` entry it
 * hashes with `hash: md5`; DVC 2.x entries (and DVC 3's legacy ones) have no `hash`.
 *
 * Rule: a project whose `dvc.lock` or `.dvc` files hold any `hash: md5` entry is a
 * DVC 3 project, and every entry Trellis writes there is 3.x (`hash: md5`, objects in
 * `.dvc/cache/files/md5`). The trellis config setting `dvcFormat: 3` (written by
 * `trellis init --dvc3`) makes a project 3.x before it has any entry; `dvcFormat: 2`
 * is the default. Everything else keeps the 2.x format, which both DVC majors read.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TrellisError } from '../errors.js'
import type { HashName } from '../pipeline/types.js'
import { collectDvcFiles } from './collect-dvcfiles.js'
import { lockPathFor } from './lockfile.js'

export type DvcFormat = 2 | 3

const HASH_MD5_LINE = /^[ \t]*(?:-[ \t]+)?hash:[ \t]*['"]?md5['"]?[ \t]*(?:#.*)?$/m

/** The `hash: md5` marker of a 3.x entry appears in this lock / `.dvc` text. */
export function hasDvc3Entry(text: string): boolean {
  return HASH_MD5_LINE.test(text)
}

/** The hash name entries are written with in a project of this format. */
export function writeHashName(format: DvcFormat): HashName {
  return format === 3 ? 'md5' : 'md5-dos2unix'
}

/** The `dvcFormat` setting of the trellis config (undefined when not set). */
export function dvcFormatSetting(settings: Readonly<Record<string, unknown>>): DvcFormat | undefined {
  const value = settings.dvcFormat
  if (value === undefined) return undefined
  if (value === 2 || value === 3) return value
  throw new TrellisError('CONFIG_INVALID', `the trellis config setting 'dvcFormat' must be 2 or 3, not ${JSON.stringify(value)}`, {
    hint: 'Write `dvcFormat: 3` for a DVC 3 project, or remove the setting.',
  })
}

/** DVC 3 when any lock or `.dvc` file of the work tree has a 3.x entry (or the setting says 3). */
export async function detectDvcFormat(root: string, setting?: DvcFormat): Promise<DvcFormat> {
  if (setting === 3) return 3
  const files = await collectDvcFiles(root)
  const candidates = files.map((f) => (f.endsWith('.dvc') ? f : lockPathFor(f)))
  const texts = await Promise.all(candidates.map((f) => readFile(join(root, f), 'utf8').catch(() => '')))
  return texts.some(hasDvc3Entry) ? 3 : 2
}
