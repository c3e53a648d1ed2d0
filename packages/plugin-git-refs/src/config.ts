/**
 * Just enough of git's configuration: a parser for git-config files and a
 * reader of the system, global and repository files (later ones win), plus
 * the commit identity rules of `git commit-tree`.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'

/** Values by lower-cased `section.subsection.key` (subsection keeps its case); the last value wins. */
export type GitConfig = Map<string, string | true>

/**
 * Parse git-config syntax: `[section]`, `[section "sub"]`, `key = value`,
 * bare `key` (= true), quotes, escapes, `;`/`#` comments, `\` continuations.
 * `[include] path = …` is followed (plain, not conditional includes).
 */
export function parseGitConfig(text: string, into: GitConfig = new Map(), file?: string, depth = 0): GitConfig {
  let section = ''
  let i = 0
  const n = text.length
  const skipSpace = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++
  }
  const skipLine = (): void => {
    while (i < n && text[i] !== '\n') i++
    i++
  }
  while (i < n) {
    skipSpace()
    const c = text[i]
    if (c === '\n') {
      i++
      continue
    }
    if (c === '#' || c === ';') {
      skipLine()
      continue
    }
    if (c === '[') {
      const end = text.indexOf(']', i)
      if (end < 0) break
      const header = text.slice(i + 1, end)
      const q = /^\s*([^\s"]+)\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(header)
      if (q) section = `${q[1]!.toLowerCase()}.${q[2]!.replace(/\\(.)/g, '$1')}`
      else {
        // [section] or the deprecated [section.sub] (sub lower-cased)
        section = header.trim().toLowerCase()
      }
      i = end + 1
      continue
    }
    // key [= value]
    const keyStart = i
    while (i < n && /[A-Za-z0-9-]/.test(text[i]!)) i++
    const key = text.slice(keyStart, i).toLowerCase()
    if (!key) {
      skipLine()
      continue
    }
    skipSpace()
    let value: string | true = true
    if (text[i] === '=') {
      i++
      skipSpace()
      let out = ''
      let quoted = false
      let pendingSpace = ''
      while (i < n) {
        const ch = text[i]!
        if (ch === '\n' && !quoted) break
        if (!quoted && (ch === '#' || ch === ';')) {
          while (i < n && text[i] !== '\n') i++
          break
        }
        if (ch === '\\') {
          const next = text[i + 1]
          i += 2
          if (next === '\n') continue
          if (next === '\r' && text[i] === '\n') {
            i++
            continue
          }
          out += pendingSpace + (next === 'n' ? '\n' : next === 't' ? '\t' : next === 'b' ? '\b' : (next ?? ''))
          pendingSpace = ''
          continue
        }
        if (ch === '"') {
          quoted = !quoted
          out += pendingSpace
          pendingSpace = ''
          i++
          continue
        }
        if (!quoted && (ch === ' ' || ch === '\t' || ch === '\r')) {
          pendingSpace += ch === '\r' ? '' : ch
          i++
          continue
        }
        out += pendingSpace + ch
        pendingSpace = ''
        i++
      }
      value = out
    }
    const name = `${section}.${key}`
    into.set(name, value)
    if (name === 'include.path' && typeof value === 'string' && file && depth < 10) {
      const path = expandPath(value)
      readConfigFile(isAbsolute(path) ? path : resolve(dirname(file), path), into, depth + 1)
    }
    skipLine()
  }
  return into
}

function expandPath(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path
}

function readConfigFile(path: string, into: GitConfig, depth = 0): void {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return
  }
  parseGitConfig(text, into, path, depth)
}

/** System, global, then the repository's config (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM honoured). */
export function readGitConfig(commonDir: string, env: NodeJS.ProcessEnv = process.env): GitConfig {
  const config: GitConfig = new Map()
  if (!isTrue(env.GIT_CONFIG_NOSYSTEM)) readConfigFile(env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig', config)
  if (env.GIT_CONFIG_GLOBAL !== undefined) {
    if (env.GIT_CONFIG_GLOBAL) readConfigFile(env.GIT_CONFIG_GLOBAL, config)
  } else {
    const xdg = env.XDG_CONFIG_HOME || join(homedir(), '.config')
    readConfigFile(join(xdg, 'git', 'config'), config)
    readConfigFile(join(env.HOME || homedir(), '.gitconfig'), config)
  }
  readConfigFile(join(commonDir, 'config'), config)
  return config
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value)
}

/** A git boolean (`true`/`yes`/`on`/`1`, `false`/`no`/`off`/`0`/empty), or the default. */
export function configBool(config: GitConfig, key: string, fallback: boolean): boolean {
  const value = config.get(key)
  if (value === undefined) return fallback
  if (value === true) return true
  if (/^(true|yes|on|1)$/i.test(value)) return true
  if (/^(false|no|off|0|)$/i.test(value)) return false
  return fallback
}

export function configString(config: GitConfig, key: string): string | undefined {
  const value = config.get(key)
  return value === true ? 'true' : value
}

export interface Identity {
  name: string
  email: string
  /** Seconds since the epoch. */
  timestamp: number
  /** Minutes east of UTC. */
  tzOffset: number
}

export const DEFAULT_IDENTITY = { name: 'Trellis', email: 'trellis@localhost' }

/**
 * The author or committer of a new commit, by git's rules: `GIT_AUTHOR_NAME`
 * (env) over `author.name` over `user.name`; email likewise, then `EMAIL`;
 * then a default (git would refuse, Trellis must not). `GIT_*_DATE` in git's
 * raw format (`@1700000000 +0100` or `1700000000 +0100`) is honoured.
 */
export function identity(role: 'author' | 'committer', config: GitConfig, env: NodeJS.ProcessEnv = process.env, now = new Date()): Identity {
  const upper = role.toUpperCase()
  const name =
    env[`GIT_${upper}_NAME`] || configString(config, `${role}.name`) || configString(config, 'user.name') || DEFAULT_IDENTITY.name
  const email =
    env[`GIT_${upper}_EMAIL`] ||
    configString(config, `${role}.email`) ||
    configString(config, 'user.email') ||
    env.EMAIL ||
    DEFAULT_IDENTITY.email
  const raw = /^@?(\d+)\s+([+-])(\d\d)(\d\d)$/.exec((env[`GIT_${upper}_DATE`] ?? '').trim())
  if (raw) {
    const offset = (Number(raw[3]) * 60 + Number(raw[4])) * (raw[2] === '-' ? -1 : 1)
    return { name, email, timestamp: Number(raw[1]), tzOffset: offset }
  }
  return { name, email, timestamp: Math.floor(now.getTime() / 1000), tzOffset: -now.getTimezoneOffset() }
}

/** `Name <email> 1700000000 +0100`, as in commit headers and reflogs. */
export function formatIdentity(who: Identity): string {
  const sign = who.tzOffset < 0 ? '-' : '+'
  const abs = Math.abs(who.tzOffset)
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`
  return `${sanitize(who.name)} <${sanitize(who.email)}> ${who.timestamp} ${tz}`
}

/** git strips `<`, `>` and newlines from identities. */
function sanitize(value: string): string {
  return value.replace(/[<>\n]/g, '').trim()
}
