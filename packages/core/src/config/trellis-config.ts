/**
 * Trellis' own configuration, found with cosmiconfig (module name `trellis`) in
 * the repository root: `package.json#trellis`, `.trellisrc(.json|.yaml|.yml|.js|.mjs|.cjs)`,
 * `trellis.config.(js|mjs|cjs)`.
 *
 *   plugins:            # names (resolved from the repo) or paths, optionally with options
 *     - ./tools/my-plugin.js
 *     - [trellis-plugin-s3, { bucket: x }]
 *   <any other key>: a setting, readable by plugins as `trellis.settings`
 */
import { TrellisError } from '../errors.js'

export type PluginSpec = string | [string, unknown]

export interface TrellisConfig {
  /** Where it was found, or undefined when the repo has none (then the built-in plugins load). */
  filepath?: string
  plugins?: PluginSpec[]
  settings: Record<string, unknown>
}

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
  if (!result || result.isEmpty) return { settings: {} }
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
  return { filepath: file, plugins, settings }
}

function isPluginList(value: unknown): value is PluginSpec[] {
  return (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'string' || (Array.isArray(v) && v.length >= 1 && v.length <= 2 && typeof v[0] === 'string'))
  )
}
