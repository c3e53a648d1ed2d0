/**
 * Open a project with its plugins: the entry point of the Node API and of every
 * CLI command. Plugin loading lives here, outside `Project`.
 *
 * Order: the built-ins first (unless the config says `builtins: false`), then the
 * config's plugins in their order. A config entry named like a built-in
 * (`[git-refs, {backend: native}]`) gives that built-in its options (or, when it is a
 * package or path whose plugin has a built-in's name, takes its place): nothing is
 * applied twice.
 */
import { Project } from '../project.js'
import type { TrellisPlugin } from '../plugin-api/plugin.js'
import { applyPlugins, resolvePlugins } from './load-plugins.js'
import { runtimeApi } from './runtime-api.js'

export interface OpenOptions {
  /** The built-in plugins (the CLI passes git-refs, checkpoints and queue). */
  defaultPlugins?: () => Promise<TrellisPlugin[]>
  /** Skip plugin loading entirely (read-only helpers). */
  noPlugins?: boolean
}

export async function openProject(cwd: string = process.cwd(), options: OpenOptions = {}): Promise<Project> {
  const project = await Project.open(cwd)
  if (options.noPlugins) return project
  const { config } = project
  const available = options.defaultPlugins ? await options.defaultPlugins() : []
  const builtins = config.settings.builtins !== false ? available : []
  const configured = config.plugins ? await resolvePlugins(project.root, config.plugins, config.filepath!, available) : []
  const names = new Set(configured.map(({ plugin }) => plugin.name))
  await applyPlugins(project, runtimeApi, [...builtins.filter((plugin) => !names.has(plugin.name)).map((plugin) => ({ plugin })), ...configured])
  return project
}
