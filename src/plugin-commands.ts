/**
 * Commands contributed by plugins, through oclif's own plugin mechanism: a plugin
 * package named in the project's trellis config whose package.json has an `oclif`
 * section (`"oclif": {"commands": "./commands"}`) is loaded as an oclif plugin, so
 * its commands run as `trellis <command>` and `trellis --help` lists them.
 *
 * bin/run.js asks for them before oclif starts. It costs a directory walk when the
 * project has no trellis config; the config is read only when one exists.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, parse } from 'node:path'

/** The config files cosmiconfig looks for (see trellis-config.ts). */
const CONFIG_FILES = ['.trellisrc', '.trellisrc.json', '.trellisrc.yaml', '.trellisrc.yml', '.trellisrc.js', '.trellisrc.mjs', '.trellisrc.cjs', 'trellis.config.js', 'trellis.config.mjs', 'trellis.config.cjs']

export interface CommandPlugin {
  /** The package name. */
  name: string
  /** Its directory (where its package.json is). */
  root: string
}

/** The project root above `cwd` (the nearest directory holding `.dvc/`), or undefined. */
function projectRoot(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.dvc'))) return dir
    if (dir === parse(dir).root) return undefined
  }
}

function hasConfig(root: string): boolean {
  if (CONFIG_FILES.some((file) => existsSync(join(root, file)))) return true
  try {
    return 'trellis' in JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  } catch {
    return false
  }
}

/** The directory of the package a resolved file belongs to (the nearest package.json named `name`). */
function packageRoot(file: string, name: string): string | undefined {
  for (let dir = dirname(file); dir !== parse(dir).root; dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name) return dir
    } catch {
      // no package.json here
    }
  }
  return undefined
}

/** The plugin packages of the project `cwd` is in that contribute oclif commands. Problems are left to the command that opens the project. */
export async function commandPlugins(cwd: string = process.cwd()): Promise<CommandPlugin[]> {
  const root = projectRoot(cwd)
  if (!root || !hasConfig(root)) return []
  const { loadTrellisConfig, resolvePluginFile } = await import('@trellis/core')
  let specs
  try {
    specs = (await loadTrellisConfig(root)).plugins ?? []
  } catch {
    return []
  }
  const out: CommandPlugin[] = []
  for (const spec of specs) {
    const name = typeof spec === 'string' ? spec : spec[0]
    if (name.startsWith('.') || name.startsWith('/')) continue
    let dir: string | undefined
    try {
      dir = packageRoot(resolvePluginFile(root, name), name)
    } catch {
      continue
    }
    if (!dir) continue
    const pjson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { oclif?: { commands?: unknown } }
    if (pjson.oclif?.commands) out.push({ name, root: dir })
  }
  return out
}
