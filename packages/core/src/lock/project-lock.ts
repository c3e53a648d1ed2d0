/**
 * The project lock `.dvc/tmp/lock`, taken by every command that writes (repro,
 * exp run, …) and never by read-only ones. It is DVC's own lock: an exclusive
 * BSD `flock(2)` on that file (zc.lockfile), so a running DVC makes Trellis wait
 * and a running Trellis makes DVC wait ("Unable to acquire lock").
 *
 * Node has no flock, so the lock is held by a helper process (`flock-holder.ts`):
 * util-linux `flock(1)` (or Python's `fcntl.flock` where it is missing) takes the
 * lock on a descriptor it keeps open until its stdin closes. The kernel releases
 * the lock when that process ends, so a Trellis that crashes or is killed never
 * leaves a stale lock, and no lock is ever judged stale by reading its pid: the
 * file is never deleted (DVC does not delete it either).
 *
 * Content, once held: DVC's ` <pid>\n` (leading space), followed by a line
 * `trellis: <command>` that DVC never reads. The waiting message names the
 * holder from that content (and `/proc/<pid>/cmdline` for a DVC holder).
 */
import { readFileSync } from 'node:fs'
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { TrellisError } from '../errors.js'
import { holdFlock, type FlockHolder } from './flock-holder.js'

export interface LockOwner {
  pid: number
  cmd: string
}

export interface AcquireOptions {
  /** Called once when we start waiting for another process. */
  onWait?: (owner: LockOwner | undefined) => void
  /** Give up after this many ms (default: wait as long as it takes). */
  timeoutMs?: number
}

function commandLineOf(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    if (argv.length === 0) return undefined
    // `python …/bin/dvc repro` → `dvc repro`
    const dvc = argv.findIndex((a) => /(^|\/)dvc$/.test(a))
    const shown = dvc >= 0 ? ['dvc', ...argv.slice(dvc + 1)] : argv
    return shown.join(' ')
  } catch {
    return undefined
  }
}

/** The holder recorded in the lock file: ` <pid>` (DVC, Trellis) and an optional `trellis: <cmd>` line. */
export function parseLockContent(text: string): LockOwner | undefined {
  const match = /^\s*(\d+)/.exec(text)
  if (!match) return undefined
  const pid = Number(match[1])
  const trellis = /^trellis: (.*)$/m.exec(text)
  return { pid, cmd: trellis ? trellis[1] : (commandLineOf(pid) ?? 'unknown') }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return parseLockContent(await readFile(path, 'utf8'))
  } catch {
    return undefined
  }
}

export class ProjectLock {
  private holder: FlockHolder | undefined

  constructor(
    readonly path: string,
    private readonly cmd: string,
  ) {}

  get held(): boolean {
    return this.holder !== undefined
  }

  async acquire(options: AcquireOptions = {}): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true })
    let holder = await holdFlock(this.path, { wait: false })
    if (!holder) {
      options.onWait?.(await readOwner(this.path))
      holder = await holdFlock(this.path, { wait: true, timeoutMs: options.timeoutMs })
      if (!holder) {
        const owner = await readOwner(this.path)
        throw new TrellisError('LOCK_TIMEOUT', `the project is locked by process ${owner?.pid ?? '?'} (${owner?.cmd ?? 'unknown'})`, {
          hint: `Wait for it to finish, or stop it; the lock is ${this.path}.`,
        })
      }
    }
    this.holder = holder
    // What zc.lockfile writes (" <pid>\n", truncated), then our own description.
    const handle = await open(this.path, 'r+')
    try {
      await handle.truncate(0)
      await handle.write(` ${process.pid}\ntrellis: ${this.cmd}\n`, 0)
    } finally {
      await handle.close()
    }
  }

  /** Unlock (the file stays, as with DVC). Resolves when another process can take the lock. */
  async release(): Promise<void> {
    const holder = this.holder
    this.holder = undefined
    await holder?.release()
  }
}
