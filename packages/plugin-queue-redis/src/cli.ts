/**
 * What the plugin's commands share: opening the project as the `trellis` CLI does (the
 * built-in plugins, then the config's), the Redis backend it chose, and the CLI's way of
 * reporting errors (`ERROR: <message>` and its hint on stderr, credentials masked).
 */
import { Command, Errors } from '@oclif/core'
import type { QueueBackend } from '@trellis/core/plugin-api'
import type { RedisQueue } from './redis-queue.js'

/** The built-in plugin packages the CLI loads before a project's configured ones (as the host's base command does). */
const BUILTIN_PACKAGES = ['@trellis/plugin-git-refs', '@trellis/plugin-checkpoints', '@trellis/plugin-queue']

export async function openProject(cwd: string) {
  const core = await import('@trellis/core')
  return core.openProject(cwd, {
    defaultPlugins: () => Promise.all(BUILTIN_PACKAGES.map(async (name) => ((await import(name)) as { default: import('@trellis/core/plugin-api').TrellisPlugin }).default)),
  })
}

/** The project's queue backend, which must be this plugin's. */
export async function redisQueue(cwd: string): Promise<{ project: Awaited<ReturnType<typeof openProject>>; queue: RedisQueue }> {
  const project = await openProject(cwd)
  const queue: QueueBackend = await project.services.get('queue')
  if (queue.name !== 'redis') {
    const { TrellisError } = await import('@trellis/core')
    throw new TrellisError('CONFIG_INVALID', `this project's queue backend is '${queue.name}', not 'redis'`, {
      hint: "Add queue: {backend: redis, url: redis://host:6379/0} (and the plugin '@trellis/plugin-queue-redis') to the trellis config.",
    })
  }
  return { project, queue: queue as RedisQueue }
}

export abstract class QueueRedisCommand extends Command {
  protected async redact(text: string): Promise<string> {
    const { redactText } = await import('@trellis/core/redact-url')
    return redactText(text)
  }

  protected override async catch(error: Error & { hint?: string; code?: string; exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof Errors.ExitError) throw error
    const trellis = typeof error.hint === 'string' || error.name === 'TrellisError'
    const lines = [`ERROR: ${(error.message || String(error)).replace(/^Error: /, '')}`]
    if (error.hint) lines.push(`  hint: ${error.hint}`)
    if (!trellis && !(error instanceof Errors.CLIError)) lines.push(String(error.stack ?? ''))
    process.stderr.write(`${await this.redact(lines.join('\n'))}\n`)
    this.exit(trellis ? (error.exitCode ?? 1) : error instanceof Errors.CLIError ? (error.oclif?.exit ?? 2) : 1)
  }
}
