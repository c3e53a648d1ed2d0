/**
 * Run a stage's command(s) through the shell, in its wdir, with live output and
 * `DVC_ROOT` in the environment, one line at a time as DVC does (a multi-line
 * string is several commands). Each command runs in a process group of its own;
 * SIGINT/SIGTERM sent to Trellis (Ctrl-C in the terminal, or `kill`) is forwarded
 * to that whole group (the shell and everything it started), and the
 * interruption is reported once the command has exited, so nothing is left
 * half-recorded. An `AbortSignal` (the checkpoints plugin stopping a program
 * whose checkpoint failed) stops one command's group the same way, SIGTERM
 * then SIGKILL.
 *
 * A caller that runs several pipelines at once in one process (the experiment
 * queue) takes the signals over with `takeOverSignals()` and calls
 * `interruptCommands(signal)` from its own handler: every running command group
 * gets the signal, and any command about to start fails as interrupted.
 *
 * Several runs in one process (the queue runner's jobs) each run inside
 * `withRunSignal(signal, work)`: aborting that signal stops the commands of
 * that run only (its process groups, SIGTERM then SIGKILL), and its commands
 * not yet started fail as interrupted; the other runs go on.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { TrellisError } from '../errors.js'

export interface RunCommandOptions {
  cwd: string
  env: Record<string, string>
  /** Print `> cmd` before each command. */
  echo?: (line: string) => void
  /** Called with the child's pid while it runs (checkpoint watchers, signal forwarding). */
  onSpawn?: (pid: number | undefined) => void
  /** Where the child's output goes: inherited by default, discarded, or a file descriptor (stdout and stderr both; a queued run's log). */
  stdio?: 'inherit' | 'ignore' | number
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
let signalsTakenOver = 0
/** Every running command's process group, with how to stop it: the one way commands are stopped. */
const running = new Map<number, (signal: NodeJS.Signals, killAfterMs?: number) => void>()

/**
 * Stop every command: the signal goes to each running command's process group,
 * and commands not yet started fail as interrupted. What SIGINT/SIGTERM sent to
 * Trellis does, and what a caller that took the signals over calls.
 */
export function interruptCommands(signal: NodeJS.Signals): void {
  interruptedBy = signal
  for (const stop of running.values()) stop(signal)
}

/**
 * The caller handles SIGINT/SIGTERM itself (and calls `interruptCommands`);
 * `runCommand` installs no handler of its own until the returned function is called.
 */
export function takeOverSignals(): () => void {
  signalsTakenOver++
  let released = false
  return () => {
    if (!released) signalsTakenOver--
    released = true
  }
}

/** The signal of the run the current async context belongs to (`withRunSignal`). */
const runSignal = new AsyncLocalStorage<AbortSignal>()

/**
 * Run `work` (one pipeline run) with its commands scoped to `signal`: aborting it stops
 * the commands `work` runs — and only those — and makes the next ones fail as interrupted.
 */
export function withRunSignal<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  return signal ? runSignal.run(signal, work) : work()
}

/** A stopper for the process group led by `pid`: `signal` now, SIGKILL `killAfterMs` later if given; `done()` cancels the SIGKILL. */
function groupStopper(pid: number): { stop: (signal: NodeJS.Signals, killAfterMs?: number) => void; done: () => void } {
  let timer: NodeJS.Timeout | undefined
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      /* already gone */
    }
  }
  return {
    stop: (signal, killAfterMs) => {
      kill(signal)
      if (killAfterMs !== undefined && !timer) {
        timer = setTimeout(() => kill('SIGKILL'), killAfterMs)
        timer.unref()
      }
    },
    done: () => {
      if (timer) clearTimeout(timer)
    },
  }
}

export async function runCommand(cmd: string | string[], options: RunCommandOptions): Promise<void> {
  const { execa } = await import('execa')
  const shell = process.env.SHELL || '/bin/sh'
  const scope = runSignal.getStore()
  for (const line of commandLines(cmd)) {
    if (interruptedBy) throw interrupted(interruptedBy)
    if (scope?.aborted) throw runStopped()
    if (options.signal?.aborted) throw options.signal.reason
    options.echo?.(`> ${line}`)
    const ownHandlers = signalsTakenOver === 0
    if (ownHandlers && activeChildren++ === 0) {
      process.on('SIGINT', interruptCommands)
      process.on('SIGTERM', interruptCommands)
    }
    const child = execa(line, {
      shell,
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      // a file descriptor is handed to the child as is (execa's types only name 0-9; its runtime takes any fd)
      stdio:
        options.stdio === 'ignore'
          ? ['ignore', 'ignore', 'ignore']
          : typeof options.stdio === 'number'
            ? (['ignore', options.stdio, options.stdio] as unknown as ['ignore', 3, 3])
            : 'inherit',
      reject: false,
      cleanup: true,
      detached: true,
    })
    const group = child.pid ? groupStopper(child.pid) : undefined
    if (child.pid && group) running.set(child.pid, group.stop)
    const abort = () => group?.stop('SIGTERM', 5000)
    options.signal?.addEventListener('abort', abort, { once: true })
    scope?.addEventListener('abort', abort, { once: true })
    options.onSpawn?.(child.pid)
    const result = await child
    options.signal?.removeEventListener('abort', abort)
    scope?.removeEventListener('abort', abort)
    group?.done()
    if (child.pid) running.delete(child.pid)
    if (ownHandlers && --activeChildren === 0) {
      process.off('SIGINT', interruptCommands)
      process.off('SIGTERM', interruptCommands)
    }
    if (interruptedBy) throw interrupted(interruptedBy)
    if (options.signal?.aborted) throw options.signal.reason
    if (scope?.aborted) throw runStopped()
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

/** The error of a command of a run whose signal (`withRunSignal`) was aborted. */
function runStopped(): TrellisError {
  return new TrellisError('INTERRUPTED', 'interrupted: the run was stopped', { exitCode: 130 })
}

/** True once SIGINT/SIGTERM arrived during a run. */
export function wasInterrupted(): boolean {
  return interruptedBy !== undefined
}
