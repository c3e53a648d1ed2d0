/**
 * fs.watch on a directory and the directories below it that `include` accepts,
 * one plain (inotify) watch per directory. Node 20's `recursive: true` on Linux
 * misses rewrites of an existing file (git's `update-ref` of an existing ref
 * renames `<ref>.lock` over it: two rewrites in a row came as one event), which
 * loses experiment commits; plain watches report each rename.
 *
 * A directory that appears is watched at once and the files already in it are
 * reported (git may write a new baseline's first ref before the watch exists);
 * one that disappears has its watches dropped. `onPath` gets paths relative to
 * the root, `/`-separated.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs'
import { join, relative, sep } from 'node:path'

export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>()

  constructor(
    private readonly root: string,
    private readonly onPath: (path: string) => void,
    private readonly onError: (error: unknown) => void,
    /** Which directories (root-relative, '' for the root) to watch. */
    private readonly include: (dir: string) => boolean = () => true,
  ) {}

  start(): void {
    this.add(this.root, false)
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close()
    this.watchers.clear()
  }

  /** How many directories are watched. */
  get size(): number {
    return this.watchers.size
  }

  private rel(path: string): string {
    return relative(this.root, path).split(sep).join('/')
  }

  private add(dir: string, report: boolean): void {
    if (this.watchers.has(dir) || !this.include(this.rel(dir))) return
    let watcher: FSWatcher
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name) this.changed(join(dir, name.toString()))
      })
    } catch {
      return // gone already
    }
    watcher.on('error', (error) => {
      this.drop(dir)
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(error)
    })
    this.watchers.set(dir, watcher)
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) this.add(path, report)
      else if (report) this.onPath(this.rel(path))
    }
  }

  private changed(path: string): void {
    let isDir = false
    try {
      isDir = statSync(path).isDirectory()
    } catch {
      // removed (or renamed away)
    }
    if (isDir) this.add(path, true)
    else this.drop(path)
    this.onPath(this.rel(path))
  }

  /** Stop watching `dir` and everything below it (it was removed). */
  private drop(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close()
        this.watchers.delete(path)
      }
    }
  }
}
