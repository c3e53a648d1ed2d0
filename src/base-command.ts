/**
 * What every Trellis command shares: `-v/--verbose` and `-q/--quiet`, opening
 * the project with the built-in plugins, and one way of reporting errors:
 * `ERROR: <message>` (and the hint) on stderr, a stack trace only with -v, and
 * the error's exit code.
 */
import { Command, Flags, Errors } from '@oclif/core'
import type { Project } from '@trellis/core'
// a leaf module of core, imported directly so that error reporting does not load the engine
import { redactError, redactText } from '@trellis/core/redact-url'

export abstract class TrellisCommand extends Command {
  static override baseFlags = {
    verbose: Flags.boolean({ char: 'v', description: 'Show debug output and stack traces.', helpGroup: 'GLOBAL' }),
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing but errors.', helpGroup: 'GLOBAL' }),
  }

  protected quiet = false
  protected verbose = false

  /** Progress and info lines: stdout, silenced by -q (URL credentials masked). */
  protected info = (line: string): void => {
    if (!this.quiet) process.stdout.write(`${redactText(line)}\n`)
  }

  /** Warnings: stderr, never silenced (URL credentials masked). */
  protected warning = (message: string): void => {
    process.stderr.write(`WARNING: ${redactText(message)}\n`)
  }

  protected setOutput(flags: { quiet?: boolean; verbose?: boolean }): void {
    this.quiet = !!flags.quiet
    this.verbose = !!flags.verbose
  }

  protected async openProject(): Promise<Project> {
    const { openProject } = await import('@trellis/core')
    return openProject(process.cwd(), { defaultPlugins: builtinPlugins })
  }

  protected override async catch(error: Error & { exitCode?: number; hint?: string; code?: string; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof Errors.ExitError) throw error
    const isTrellis = error.name === 'TrellisError' || error.name === 'StageFailedError' || typeof error.hint === 'string'
    const message = (error.message || String(error)).replace(/^Error: /, '')
    const lines = [`ERROR: ${message}`]
    if (error.hint) lines.push(`  hint: ${error.hint}`)
    if (this.verbose || (!isTrellis && !(error instanceof Errors.CLIError))) lines.push(redactError(error))
    process.stderr.write(`${redactText(lines.filter(Boolean).join('\n'))}\n`)
    const code = isTrellis ? (error.exitCode ?? 1) : error instanceof Errors.CLIError ? (error.oclif?.exit ?? 2) : 1
    this.exit(code)
  }
}

/** The plugins loaded when a repository has no trellis config. */
async function builtinPlugins() {
  const [{ gitRefsPlugin }, { checkpointsPlugin }, { queuePlugin }, { uiPlugin }] = await Promise.all([
    import('@trellis/plugin-git-refs'),
    import('@trellis/plugin-checkpoints'),
    import('@trellis/plugin-queue'),
    import('@trellis/plugin-ui'),
  ])
  return [gitRefsPlugin, checkpointsPlugin, queuePlugin, uiPlugin]
}
