/**
 * Resolve and apply the plugins named in the trellis config. A name starting
 * with `.` or `/` is a path relative to the repository root; anything else is a
 * package resolved from the repository (then from Trellis itself). A module
 * must export a plugin object `{ name, apply }` (default or named `plugin`), or a
 * class / factory producing one.
 */
import { createRequire } from 'node:module'
import { isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TrellisError } from '../errors.js'
import type { PluginSpec } from '../config/trellis-config.js'
import type { Trellis, TrellisPlugin } from './trellis.js'

export async function applyPlugins(trellis: Trellis, plugins: Array<TrellisPlugin | [TrellisPlugin, unknown]>): Promise<void> {
  for (const entry of plugins) {
    const [plugin, options] = Array.isArray(entry) ? entry : [entry, undefined]
    await plugin.apply(trellis, options)
  }
}

export async function resolvePlugins(root: string, specs: PluginSpec[], configFile: string): Promise<Array<[TrellisPlugin, unknown]>> {
  const out: Array<[TrellisPlugin, unknown]> = []
  for (const spec of specs) {
    const [name, options] = typeof spec === 'string' ? [spec, undefined] : spec
    out.push([await importPlugin(root, name, configFile), options])
  }
  return out
}

async function importPlugin(root: string, name: string, configFile: string): Promise<TrellisPlugin> {
  let url: string
  try {
    if (name.startsWith('.') || isAbsolute(name)) url = pathToFileURL(resolve(root, name)).href
    else url = pathToFileURL(resolveFromRoot(root, name)).href
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

function resolveFromRoot(root: string, name: string): string {
  try {
    return createRequire(join(root, 'package.json')).resolve(name)
  } catch {
    return createRequire(import.meta.url).resolve(name)
  }
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
