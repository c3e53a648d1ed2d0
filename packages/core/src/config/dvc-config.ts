/**
 * DVC's own configuration, `.dvc/config` then `.dvc/config.local`, parsed as
 * DVC's configobj parses them (`configobj.ts`): `[core]`, `[cache]`,
 * `['remote "name"']` (quotes optional), inline comments, quoted values, lists.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { TrellisError } from '../errors.js'
import { parseConfigObj, remoteSectionName } from './configobj.js'

export type IniSections = Record<string, Record<string, string>>

export interface DvcConfig {
  /** Absolute cache directory (`cache.dir`, default `.dvc/cache`). */
  cacheDir: string
  /** `cache.type` as a list, default `['reflink', 'copy']`. */
  cacheTypes: string[]
  /** `core.remote`: the default remote's name. */
  defaultRemote?: string
  /** `remote "name".url`, resolved against `.dvc/` when a relative local path. */
  remotes: Record<string, { url: string; [key: string]: string }>
  /** Everything, as parsed. */
  sections: IniSections
}

const LINK_TYPES = new Set(['reflink', 'hardlink', 'symlink', 'copy'])

/** A config file parsed as DVC reads it (configobj), list values joined with `,`. */
export function parseIni(text: string, file: string): IniSections {
  const sections: IniSections = {}
  for (const [name, values] of Object.entries(parseConfigObj(text, file))) {
    sections[name] = {}
    for (const [key, value] of Object.entries(values)) sections[name][key] = Array.isArray(value) ? value.join(',') : value
  }
  return sections
}

async function readIni(path: string, display: string): Promise<IniSections> {
  try {
    return parseIni(await readFile(path, 'utf8'), display)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
}

export async function loadDvcConfig(root: string): Promise<DvcConfig> {
  const dvcDir = join(root, '.dvc')
  const shared = await readIni(join(dvcDir, 'config'), '.dvc/config')
  const local = await readIni(join(dvcDir, 'config.local'), '.dvc/config.local')
  const sections: IniSections = { ...shared }
  for (const [name, values] of Object.entries(local)) sections[name] = { ...sections[name], ...values }

  const cache = sections.cache ?? {}
  const cacheDir = cache.dir ? resolve(dvcDir, cache.dir) : join(dvcDir, 'cache')
  const cacheTypes = (cache.type ?? 'reflink,copy').split(',').map((t) => t.trim()).filter(Boolean)
  const bad = cacheTypes.find((t) => !LINK_TYPES.has(t))
  if (bad) {
    throw new TrellisError('CONFIG_INVALID', `'.dvc/config': unknown cache.type '${bad}'`, {
      hint: 'cache.type is a comma-separated list of reflink, hardlink, symlink, copy.',
      exitCode: 251,
    })
  }
  const remotes: DvcConfig['remotes'] = {}
  for (const [name, values] of Object.entries(sections)) {
    const remote = remoteSectionName(name)
    if (remote === undefined || !values.url) continue
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(values.url) || isAbsolute(values.url) ? values.url : resolve(dvcDir, values.url)
    remotes[remote] = { ...values, url }
  }
  return { cacheDir, cacheTypes, defaultRemote: sections.core?.remote, remotes, sections }
}
