/**
 * Trellis' own configuration, found with cosmiconfig (module name `trellis`) in
 * the repository root: `package.json#trellis`, `.trellisrc(.json|.yaml|.yml|.js|.mjs|.cjs)`,
 * `trellis.config.(js|mjs|cjs)`.
 *
 *   plugins:            # names (resolved from the repo) or paths, optionally with options
 *     - ./tools/my-plugin.js
 *     - [trellis-plugin-s3, { bucket: x }]
 *   queue: {backend: local}         # the implementation of a service, by name
 *   experimentStore: {backend: git-refs}
 *   builtins: false                 # leave the built-in plugins out
 * A plugin's own settings are its `[name, options]` pair: each plugin sees only its own.
 */
import { TrellisError } from '../errors.js'

export type PluginSpec = string | [string, unknown]

export interface TrellisConfig {
  /** Where it was found, or undefined when the repo has none (then the built-in plugins load). */
  filepath?: string
  plugins?: PluginSpec[]
  /** The implementation chosen per service (`queue: {backend: local}` → `{queue: 'local'}`). */
  services: Record<string, string>
  /** Every other top-level key, and each service's mapping (its implementation's options beside `backend`). */
  settings: Record<string, unknown>
}

/** The services a config may choose an implementation of (`<service>: {backend: <name>}`). */
export const SERVICE_KEYS = ['gitRepository', 'experimentStore', 'queue', 'workspaceProvider'] as const

const SEARCH_PLACES = [
  'package.json',
  '.trellisrc',
  '.trellisrc.json',
  '.trellisrc.yaml',
  '.trellisrc.yml',
  '.trellisrc.js',
  '.trellisrc.mjs',
  '.trellisrc.cjs',
  'trellis.config.js',
  'trellis.config.mjs',
  'trellis.config.cjs',
]

export async function loadTrellisConfig(root: string): Promise<TrellisConfig> {
  const { cosmiconfig } = await import('cosmiconfig')
  let result
  try {
    result = await cosmiconfig('trellis', { searchPlaces: SEARCH_PLACES, searchStrategy: 'none', cache: false }).search(root)
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new TrellisError('CONFIG_INVALID', `cannot read the trellis config: ${message}`, {
      hint: 'Fix the syntax of your .trellisrc / trellis.config file.',
      cause: error,
    })
  }
  if (!result || result.isEmpty) return { services: {}, settings: {} }
  const file = result.filepath
  const raw = result.config
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TrellisError('CONFIG_INVALID', `'${file}' must contain a mapping`, {
      hint: 'Write e.g. `plugins: [./my-plugin.js]` at the top level.',
    })
  }
  const { plugins, ...settings } = raw as Record<string, unknown>
  if (plugins !== undefined && !isPluginList(plugins)) {
    throw new TrellisError('CONFIG_INVALID', `'${file}': 'plugins' must be a list of names or [name, options] pairs`, {
      hint: 'Example: plugins: [./my-plugin.js, [some-package, {option: 1}]]',
    })
  }
  const services: Record<string, string> = {}
  for (const key of SERVICE_KEYS) {
    if (!(key in settings)) continue
    const value = settings[key] as { backend?: unknown } | null
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof value.backend !== 'string' || !value.backend) {
      throw new TrellisError('CONFIG_INVALID', `'${file}': '${key}' must be a mapping with a 'backend' name`, {
        hint: `Example: ${key}: {backend: ${key === 'queue' ? 'local' : key === 'gitRepository' || key === 'experimentStore' ? 'git-refs' : 'temp'}}`,
      })
    }
    services[key] = value.backend
    // the mapping stays in `settings`: the chosen implementation reads its own keys there
    // (`queue: {backend: redis, url: …}` → `trellis.settings.queue.url`)
  }
  return { filepath: file, plugins, services, settings }
}

function isPluginList(value: unknown): value is PluginSpec[] {
  return (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'string' || (Array.isArray(v) && v.length >= 1 && v.length <= 2 && typeof v[0] === 'string'))
  )
}
