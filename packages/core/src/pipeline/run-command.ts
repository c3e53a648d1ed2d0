/**
 * Run a stage's command(s) through the shell, in its wdir, with live output and
 * `DVC_ROOT` in the environment, one line at a time as DVC does (a multi-line
 * string is several commands). Each command runs in a process group of its own;
 * SIGINT/SIGTERM sent to Trellis (Ctrl-C in the terminal, or `kill`) is forwarded
 * to that whole group (the shell and everything it started), and the
 * interruption is reported once the command has exited, so nothing is left
 * half-recorded.
 */
import { TrellisError } from '../errors.js'

export interface RunCommandOptions {
  cwd: string
  env: Record<string, string>
  /** Print `> cmd` before each command. */
  echo?: (line: string) => void
  /** Called with the child's pid while it runs (checkpoint watchers, signal forwarding). */
  onSpawn?: (pid: number | undefined) => void
  /** Where the child's output goes: inherited by default; 'pipe' collects it (parallel runs with logs). */
  stdio?: 'inherit' | 'ignore'
  /**
   * Aborting terminates the running command's process group (SIGTERM, SIGKILL 5 s later if
   * it is still there); once it exited, runCommand rejects with `signal.reason`.
   */
  signal?: AbortSignal
}

export function commandLines(cmd: string | string[]): string[] {
  const list = Array.isArray(cmd) ? cmd : [cmd]
  return list.flatMap((c) => c.split(/\r\n|\r|\n/)).filter((c) => c.trim() !== '')
}

let activeChildren = 0
let interruptedBy: NodeJS.Signals | undefined
const running = new Set<number>()

function onSignal(signal: NodeJS.Signals): void {
  interruptedBy = signal
  for (const pid of running) {
    try {
      process.kill(-pid, signal)
    } catch {
      /* already gone */
    }
  }
}

export async function runCommand(cmd: string | string[], options: RunCommandOptions): Promise<void> {
  const { execa } = await import('execa')
  const shell = process.env.SHELL || '/bin/sh'
  for (const line of commandLines(cmd)) {
    if (interruptedBy) throw interrupted(interruptedBy)
    if (options.signal?.aborted) throw options.signal.reason
    options.echo?.(`> ${line}`)
    if (activeChildren++ === 0) {
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
    }
    const child = execa(line, {
      shell,
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      stdio: options.stdio === 'ignore' ? ['ignore', 'ignore', 'ignore'] : 'inherit',
      reject: false,
      cleanup: true,
      detached: true,
    })
    if (child.pid) running.add(child.pid)
    let killTimer: NodeJS.Timeout | undefined
    const terminate = () => {
      if (!child.pid) return
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal)
        } catch {
          /* already gone */
        }
      }
      kill('SIGTERM')
      killTimer = setTimeout(() => kill('SIGKILL'), 5000)
      killTimer.unref()
    }
    options.signal?.addEventListener('abort', terminate, { once: true })
    options.onSpawn?.(child.pid)
    const result = await child
    options.signal?.removeEventListener('abort', terminate)
    if (killTimer) clearTimeout(killTimer)
    if (child.pid) running.delete(child.pid)
    if (--activeChildren === 0) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
    if (interruptedBy) throw interrupted(interruptedBy)
    if (options.signal?.aborted) throw options.signal.reason
    if (result.signal === 'SIGINT') throw interrupted('SIGINT')
    if (result.failed) {
      const how = result.exitCode !== undefined ? `exited with ${result.exitCode}` : `killed by ${result.signal}`
      throw new TrellisError('STAGE_FAILED', `failed to run: ${line}, ${how}`, {
        hint: 'See the command output above.',
      })
    }
  }
}

function interrupted(signal: NodeJS.Signals): TrellisError {
  return new TrellisError('INTERRUPTED', `interrupted by ${signal}`, { exitCode: 130 })
}

/** True once SIGINT/SIGTERM arrived during a run. */
export function wasInterrupted(): boolean {
  return interruptedBy !== undefined
}
