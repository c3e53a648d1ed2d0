/** `--local` / `--project` of `trellis remote ...`: which DVC config file a command reads or edits. */
import { Flags } from '@oclif/core'
import type { ConfigLevel, RemoteEditContext } from '@trellis/core'

export const configLevelFlags = {
  local: Flags.boolean({ description: 'Use .dvc/config.local (not committed) instead of .dvc/config.', exclusive: ['project'] }),
  project: Flags.boolean({ description: 'Use .dvc/config (the default for edits).', exclusive: ['local'] }),
}

export function configLevel(flags: { local?: boolean; project?: boolean }): ConfigLevel | undefined {
  return flags.local ? 'local' : flags.project ? 'repo' : undefined
}

/** The project's `.dvc` directory and the cwd, without loading plugins. */
export async function remoteContext(flags: { local?: boolean; project?: boolean }): Promise<RemoteEditContext> {
  const { Project } = await import('@trellis/core')
  const project = await Project.open(process.cwd())
  return { dvcDir: project.dvcDir, cwd: process.cwd(), level: configLevel(flags) }
}
