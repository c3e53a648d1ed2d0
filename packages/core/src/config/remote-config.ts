/**
 * `dvc remote add|modify|default|remove|rename|list` on `.dvc/config` (the
 * `repo` level) and `.dvc/config.local` (`--local`), with DVC 2.x's rules and
 * messages (`dvc/commands/remote.py`): each edit reads one level's file,
 * changes its dict and writes the whole file back as configobj does
 * (`writeConfigObj`: DVC does not keep comments either). A remote's local
 * path given on the command line is stored relative to `.dvc/` (DVC's
 * `_save_paths`); URLs and absolute paths are stored as given.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { TrellisError } from '../errors.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { redactUrl } from '../util/redact-url.js'
import { parseConfigObj, remoteSectionName, writeConfigObj, type ConfigObjSections, type ConfigValue } from './configobj.js'

export type ConfigLevel = 'repo' | 'local'

/** Levels from the lowest priority to the highest, as DVC's `Config.LEVELS` (system and global are not read by Trellis). */
const LEVELS: readonly ConfigLevel[] = ['repo', 'local']
const FILES: Record<ConfigLevel, string> = { repo: 'config', local: 'config.local' }

/** Options whose value is a path, stored relative to `.dvc/` (DVC's `dirs_schema` for remotes). */
const PATH_OPTIONS = new Set(['url', 'gdrive_user_credentials_file', 'gdrive_service_account_json_file_path', 'keyfile', 'credentialpath'])

export function configError(message: string, hint: string): TrellisError {
  return new TrellisError('CONFIG_INVALID', `config file error: ${message}`, { hint, exitCode: 251 })
}

class LevelConfig {
  constructor(
    readonly file: string,
    readonly display: string,
    readonly sections: ConfigObjSections,
  ) {}

  static read(dvcDir: string, level: ConfigLevel): LevelConfig {
    const display = `.dvc/${FILES[level]}`
    const file = join(dvcDir, FILES[level])
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    return new LevelConfig(file, display, parseConfigObj(text, display))
  }

  remoteNames(): string[] {
    return Object.keys(this.sections).flatMap((s) => remoteSectionName(s) ?? [])
  }

  remote(name: string): Record<string, ConfigValue> | undefined {
    const key = Object.keys(this.sections).find((s) => remoteSectionName(s) === name)
    return key === undefined ? undefined : this.sections[key]
  }

  /** DVC's `_pack_named`: other sections keep their order, remote sections come after them. */
  setRemote(name: string, values: Record<string, ConfigValue>): void {
    const key = Object.keys(this.sections).find((s) => remoteSectionName(s) === name) ?? `remote "${name}"`
    this.sections[key] = values
  }

  deleteRemote(name: string): void {
    for (const key of Object.keys(this.sections)) if (remoteSectionName(key) === name) delete this.sections[key]
  }

  get defaultRemote(): string | undefined {
    const value = this.sections.core?.remote
    return typeof value === 'string' ? value : undefined
  }

  setCore(key: string, value: string | undefined): void {
    const core = (this.sections.core ??= {})
    if (value === undefined) delete core[key]
    else core[key] = value
  }

  async write(): Promise<void> {
    const plain: ConfigObjSections = {}
    const remotes: ConfigObjSections = {}
    for (const [name, values] of Object.entries(this.sections)) (remoteSectionName(name) === undefined ? plain : remotes)[name] = values
    await writeFileAtomic(this.file, writeConfigObj({ ...plain, ...remotes }, this.display))
  }
}

export interface RemoteEditContext {
  /** The project's `.dvc` directory. */
  dvcDir: string
  /** Where the command runs (relative paths on the command line are relative to it). */
  cwd: string
  /** `--local`: edit `.dvc/config.local`; default `.dvc/config`. */
  level?: ConfigLevel
}

function levelOf(ctx: RemoteEditContext): ConfigLevel {
  return ctx.level ?? 'repo'
}

/** Every level up to and including `level` (DVC's `load_config_to_level` + the level itself). */
function mergedRemotes(ctx: RemoteEditContext, upTo: ConfigLevel | undefined): Map<string, Record<string, ConfigValue>> {
  const merged = new Map<string, Record<string, ConfigValue>>()
  for (const level of LEVELS) {
    const conf = LevelConfig.read(ctx.dvcDir, level)
    for (const name of conf.remoteNames()) merged.set(name, { ...merged.get(name), ...conf.remote(name) })
    if (level === upTo) break
  }
  return merged
}

/** A path-valued option given on the command line, as DVC stores it. */
function storedValue(ctx: RemoteEditContext, option: string, value: string): string {
  if (!PATH_OPTIONS.has(option) || /^\w+:\/\//.test(value) || isAbsolute(value)) return value
  return relative(ctx.dvcDir, resolve(ctx.cwd, value)).split(sep).join('/') || '.'
}

function checkName(name: string): string {
  if (name === '' || /["\n\]]/.test(name)) {
    throw new TrellisError('INVALID_ARGUMENT', `'${name}' cannot be a remote name`, { hint: 'Use letters, digits, - and _.' })
  }
  return name.toLowerCase()
}

function doesNotExist(name: string, conf: LevelConfig): TrellisError {
  const known = conf.remoteNames()
  return configError(`remote '${name}' doesn't exist.`, known.length ? `Remotes in ${conf.display}: ${known.join(', ')}.` : `${conf.display} has no remotes; add one with \`trellis remote add <name> <url>\`.`)
}

/** `remote add [-d] [-f] name url`. Returns the name, lower-cased as DVC stores it. */
export async function addRemote(ctx: RemoteEditContext, rawName: string, url: string, options: { default?: boolean; force?: boolean } = {}): Promise<string> {
  const name = checkName(rawName)
  const conf = LevelConfig.read(ctx.dvcDir, levelOf(ctx))
  if (conf.remote(name) && !options.force) {
    throw configError(`remote '${name}' already exists. Use \`-f|--force\` to overwrite it.`, `Pass -f to replace it, or \`trellis remote modify ${name} url <url>\` to change its url.`)
  }
  conf.setRemote(name, { url: storedValue(ctx, 'url', url) })
  if (options.default) conf.setCore('remote', name)
  await conf.write()
  return name
}

/** `remote modify name option value` / `--unset option`. */
export async function modifyRemote(ctx: RemoteEditContext, rawName: string, option: string, value: string | undefined): Promise<void> {
  const name = checkName(rawName)
  const key = option.toLowerCase()
  const conf = LevelConfig.read(ctx.dvcDir, levelOf(ctx))
  if (!mergedRemotes(ctx, levelOf(ctx)).has(name)) throw doesNotExist(name, conf)
  const section = { ...conf.remote(name) }
  if (value === undefined) delete section[key]
  else section[key] = storedValue(ctx, key, value)
  conf.setRemote(name, section)
  await conf.write()
}

/** `remote default [name]`: prints the default (undefined: none set), sets it, or `--unset`s it. */
export async function defaultRemote(ctx: RemoteEditContext, rawName: string | undefined, options: { unset?: boolean } = {}): Promise<string | undefined> {
  const conf = LevelConfig.read(ctx.dvcDir, levelOf(ctx))
  if (rawName === undefined && !options.unset) {
    if (ctx.level) return conf.defaultRemote
    let found: string | undefined
    for (const level of LEVELS) found = LevelConfig.read(ctx.dvcDir, level).defaultRemote ?? found
    return found
  }
  if (options.unset) conf.setCore('remote', undefined)
  else {
    const name = checkName(rawName!)
    if (!mergedRemotes(ctx, levelOf(ctx)).has(name)) {
      throw configError('default remote must be present in remote list.', `Add it first: \`trellis remote add ${name} <url>\`.`)
    }
    conf.setCore('remote', name)
  }
  await conf.write()
  return undefined
}

/** `remote remove name`: also drops `core.remote` naming it, in this level and the ones above it. */
export async function removeRemote(ctx: RemoteEditContext, rawName: string): Promise<void> {
  const name = checkName(rawName)
  const level = levelOf(ctx)
  const conf = LevelConfig.read(ctx.dvcDir, level)
  if (!conf.remote(name)) throw doesNotExist(name, conf)
  conf.deleteRemote(name)
  if (conf.defaultRemote === name) conf.setCore('remote', undefined)
  await conf.write()
  for (const other of LEVELS.slice(LEVELS.indexOf(level) + 1)) {
    const above = LevelConfig.read(ctx.dvcDir, other)
    if (above.defaultRemote !== name) continue
    above.setCore('remote', undefined)
    await above.write()
  }
}

/** `remote rename old new`: the default follows, in this level and the ones above it. */
export async function renameRemote(ctx: RemoteEditContext, rawOld: string, rawNew: string): Promise<void> {
  const name = checkName(rawOld)
  const renamed = checkName(rawNew)
  if (mergedRemotes(ctx, undefined).has(renamed)) {
    throw configError(`Rename failed. Remote name '${renamed}' already exists.`, `Pick another name, or remove '${renamed}' first.`)
  }
  const level = levelOf(ctx)
  const conf = LevelConfig.read(ctx.dvcDir, level)
  const values = conf.remote(name)
  if (!values) throw doesNotExist(name, conf)
  conf.deleteRemote(name)
  conf.setRemote(renamed, values)
  if (conf.defaultRemote === name) conf.setCore('remote', renamed)
  await conf.write()
  for (const other of LEVELS.slice(LEVELS.indexOf(level) + 1)) {
    const above = LevelConfig.read(ctx.dvcDir, other)
    if (above.defaultRemote !== name) continue
    above.setCore('remote', renamed)
    await above.write()
  }
}

/** `remote list`: name and url of every remote (all levels merged, or one level), passwords masked. */
export function listRemotes(ctx: RemoteEditContext & { level?: ConfigLevel }): Array<{ name: string; url: string }> {
  let merged = mergedRemotes(ctx, undefined)
  if (ctx.level) {
    const conf = LevelConfig.read(ctx.dvcDir, ctx.level)
    merged = new Map(conf.remoteNames().map((n) => [n, conf.remote(n)!]))
  }
  return [...merged].map(([name, values]) => {
    const url = Array.isArray(values.url) ? values.url.join(',') : (values.url ?? '')
    return { name, url: redactUrl(url) }
  })
}
