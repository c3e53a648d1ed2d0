/**
 * Watches for the checkpoint signal file while a stage runs. The file is noticed
 * through `fs.watch` (inotify/FSEvents: at once) and, in case the filesystem does
 * not report events (network mounts), by a poll every `pollMs` (default 50 ms; DVC
 * polls once a second). One signal is handled at a time; the file is removed when
 * the handler settled, which releases the waiting program.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { basename, dirname } from 'node:path'

export class SignalWatcher {
  private timer?: NodeJS.Timeout
  private fsWatcher?: FSWatcher
  private busy?: Promise<void>
  private stopped = false

  constructor(
    readonly file: string,
    private readonly onSignal: () => Promise<void>,
    private readonly pollMs = 50,
  ) {}

  /** Start watching; a signal file left by an earlier, crashed run is removed first. */
  async start(): Promise<void> {
    const dir = dirname(this.file)
    await mkdir(dir, { recursive: true })
    await rm(this.file, { force: true })
    const name = basename(this.file)
    try {
      this.fsWatcher = watch(dir, { persistent: false }, (_event, changed) => {
        if (!changed || changed === name) this.check()
      })
      this.fsWatcher.on('error', () => this.fsWatcher?.close())
    } catch {
      // fs.watch unsupported here: the poll alone will do.
    }
    this.timer = setInterval(() => this.check(), this.pollMs)
    this.timer.unref()
  }

  private check(): void {
    if (this.stopped || this.busy || !existsSync(this.file)) return
    this.busy = this.handle()
  }

  private async handle(): Promise<void> {
    try {
      await this.onSignal()
    } finally {
      await rm(this.file, { force: true })
      this.busy = undefined
      // The program may already have asked again.
      setImmediate(() => this.check())
    }
  }

  /** Stop watching, wait for a checkpoint in progress, remove a signal nobody will answer. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.fsWatcher?.close()
    await this.busy
    await rm(this.file, { force: true })
  }
}
