/**
 * Resolve and apply plugins. A name starting with `.` or `/` is a path relative
 * to the project root; anything else is a package resolved from the project root
 * as `import` would resolve it (ESM `exports` conditions, ESM-only packages
 * included), then from Trellis itself. A module must export a plugin object
 * `{ name, apply }` (default or named `plugin`), or a class / factory producing one.
 *
 * Each plugin's `apply` gets its own view of the project (`trellis.options` is its
 * own options, `trellis.core` the runtime API), and the taps it registers are
 * recorded as its own, so a failing observer tap is reported with its name.
 */
import { isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import { moduleResolve } from 'import-meta-resolve'
import { TrellisError } from '../errors.js'
import type { PluginSpec } from '../config/trellis-config.js'
import type { Trellis, TrellisCore, TrellisPlugin } from '../plugin-api/plugin.js'
import type { Project } from '../project.js'

/** A plugin with its options, ready to apply. */
export interface LoadedPlugin {
  plugin: TrellisPlugin
  options?: unknown
  /** The package or path it came from (undefined for plugins passed in code). */
  from?: string
}

export async function applyPlugins(project: Project, core: TrellisCore, plugins: LoadedPlugin[]): Promise<void> {
  for (const { plugin, options } of plugins) {
    const view = pluginView(project, core, options)
    await project.applying(plugin.name, () => plugin.apply(view, options))
  }
}

/** The project as one plugin sees it: everything of the project, plus its own options and the runtime API. */
function pluginView(project: Project, core: TrellisCore, options: unknown): Trellis {
  const view = Object.create(project) as Trellis
  Object.defineProperties(view, {
    options: { value: options, enumerable: true },
    core: { value: core, enumerable: true },
  })
  return view
}

/** Load the config's plugin entries (`name | [name, options]`). `builtins` are found by name, without importing anything. */
export async function resolvePlugins(root: string, specs: PluginSpec[], configFile: string, builtins: TrellisPlugin[] = []): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = []
  for (const spec of specs) {
    const [name, options] = typeof spec === 'string' ? [spec, undefined] : spec
    const builtin = builtins.find((p) => p.name === name)
    out.push({ plugin: builtin ?? (await importPlugin(root, name, configFile)), options, from: builtin ? undefined : name })
  }
  return out
}

/** The file a plugin name resolves to from the project root (as `import` from a module there would), or throws. */
export function resolvePluginFile(root: string, name: string): string {
  if (name.startsWith('.') || isAbsolute(name)) return resolve(root, name)
  try {
    return fileURLToPath(moduleResolve(name, pathToFileURL(join(root, 'package.json')), new Set(['node', 'import'])))
  } catch {
    return fileURLToPath(moduleResolve(name, new URL(import.meta.url), new Set(['node', 'import'])))
  }
}

async function importPlugin(root: string, name: string, configFile: string): Promise<TrellisPlugin> {
  let url: string
  try {
    url = pathToFileURL(resolvePluginFile(root, name)).href
  } catch (error) {
    throw new TrellisError('PLUGIN_INVALID', `plugin '${name}' named in '${configFile}' cannot be found`, {
      hint: `Install it (npm i -D ${name}) or fix the path; relative paths start with './' and are relative to the repository root.`,
      cause: error,
    })
  }
  let mod: Record<string, unknown>
  try {
    mod = await import(url)
  } catch (error) {
    throw new TrellisError('PLUGIN_INVALID', `plugin '${name}' failed to load: ${(error as Error).message}`, { cause: error })
  }
  const candidate = mod.default ?? mod.plugin
  const plugin = toPlugin(candidate)
  if (!plugin) {
    throw new TrellisError('PLUGIN_INVALID', `plugin '${name}' does not export a plugin`, {
      hint: 'Export `{ name, apply(trellis) }` as the default export (or a class with an apply method).',
    })
  }
  return plugin
}

function toPlugin(value: unknown): TrellisPlugin | undefined {
  if (isPlugin(value)) return value
  if (typeof value === 'function') {
    const made = /^class\s/.test(Function.prototype.toString.call(value))
      ? new (value as new () => unknown)()
      : (value as () => unknown)()
    if (isPlugin(made)) return made
  }
  return undefined
}

function isPlugin(value: unknown): value is TrellisPlugin {
  return !!value && typeof value === 'object' && typeof (value as TrellisPlugin).name === 'string' && typeof (value as TrellisPlugin).apply === 'function'
}
