/**
 * Does `git add` transform file contents in this repository? Clean filters
 * (git-lfs), end-of-line normalisation (`text`, `eol`, core.autocrlf), `ident`
 * and working-tree encodings make a blob differ from the file's bytes. The
 * in-process snapshot hashes bytes as they are, so such repositories go to
 * native git when it is available.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { configString, type GitConfig } from './config.js'

const CONTENT_ATTRIBUTE = /^(text|eol|filter|ident|crlf|working-tree-encoding)(=|$)/

/** Whether an attributes file sets an attribute that changes what is stored. */
export function attributesTransformContent(text: string): boolean {
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const tokens = line.split(/\s+/)
    // the first token is the pattern (or `[attr]name` for a macro definition); `-x`/`!x` unset attributes
    for (const token of tokens.slice(1)) if (CONTENT_ATTRIBUTE.test(token)) return true
  }
  return false
}

export function contentFiltersInUse(root: string, commonDir: string, config: GitConfig, tracked: Iterable<{ path: string }>, env: NodeJS.ProcessEnv = process.env): boolean {
  const autocrlf = configString(config, 'core.autocrlf')?.toLowerCase()
  if (autocrlf === 'true' || autocrlf === 'input') return true
  const files = [join(commonDir, 'info', 'attributes')]
  const global = configString(config, 'core.attributesfile')
  if (global) files.push(global.startsWith('~/') ? join(homedir(), global.slice(2)) : global)
  else files.push(join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'git', 'attributes'))
  for (const { path } of tracked) {
    if (path.endsWith('.gitattributes') && (path.length === 14 || path[path.length - 15] === '/')) files.push(join(root, path))
  }
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    if (attributesTransformContent(text)) return true
  }
  return false
}
