/**
 * The project lock `.dvc/tmp/lock`, taken by every command that writes (repro,
 * exp run, …) and never by read-only ones. Created with O_EXCL, it holds the
 * owner's pid and command. A second writer waits (saying whose lock it is); a
 * lock whose owner process is dead is stale and taken over.
 */
import { rmSync } from 'node:fs'
import { open, readFile, rm, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { TrellisError } from '../errors.js'

export interface LockOwner {
  pid: number
  cmd: string
}

export interface AcquireOptions {
  /** Called once when we start waiting for another process. */
  onWait?: (owner: LockOwner | undefined) => void
  /** Give up after this many ms (default: wait as long as it takes). */
  timeoutMs?: number
  pollMs?: number
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8'))
    return typeof data?.pid === 'number' ? data : undefined
  } catch {
    return undefined
  }
}

export class ProjectLock {
  private held = false
  private readonly releaseOnExit = () => this.releaseSync()

  constructor(readonly path: string, private readonly cmd: string) {}

  async acquire(options: AcquireOptions = {}): Promise<void> {
    const started = Date.now()
    let warned = false
    await mkdir(dirname(this.path), { recursive: true })
    for (;;) {
      try {
        const handle = await open(this.path, 'wx')
        await handle.writeFile(JSON.stringify({ pid: process.pid, cmd: this.cmd }) + '\n')
        await handle.close()
        this.held = true
        process.once('exit', this.releaseOnExit)
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const owner = await readOwner(this.path)
      if (owner && !isAlive(owner.pid)) {
        await rm(this.path, { force: true }) // stale: its process is gone
        continue
      }
      if (!owner) {
        // Being written right now, or garbage left by a crash mid-write: give it a moment.
        const age = Date.now() - started
        if (age > 2000) await rm(this.path, { force: true })
      }
      if (!warned) {
        options.onWait?.(owner)
        warned = true
      }
      if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
        throw new TrellisError('LOCK_TIMEOUT', `the project is locked by process ${owner?.pid ?? '?'} (${owner?.cmd ?? 'unknown'})`, {
          hint: `Wait for it to finish, or stop it; the lock is ${this.path}.`,
        })
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 100))
    }
  }

  async release(): Promise<void> {
    if (!this.held) return
    this.held = false
    process.off('exit', this.releaseOnExit)
    await rm(this.path, { force: true })
  }

  private releaseSync(): void {
    if (!this.held) return
    this.held = false
    rmSync(this.path, { force: true })
  }
}
