/**
 * Changes made by other processes (a `trellis exp run` in a terminal, `git
 * commit`, `dvc exp run`), seen through the files git and the queue write:
 *
 * - `<common git dir>/refs/{exps,heads}/**` and `packed-refs`: experiment refs
 *   created, moved or deleted — only the ref files an event names are read
 *   again (exp-ref-tips.ts) and compared with what the page was told;
 *   `refs/exps/stash` and `refs/heads/**` also mean "look at the queue" and
 *   "look at HEAD";
 * - `<git dir>/HEAD`: a checkout;
 * - the queue's records dir (`.dvc/tmp/exps/queue/`, the local queue's): an
 *   entry's `<id>.json` changed (the queue is listed and diffed, entries are
 *   few) or its `<id>.log` grew (subscribed logs are read from where they were).
 *
 * Events are gathered for 25 ms and handled as one batch, so a burst of writes
 * is one read. The refs tree is watched directory by directory (tree-watcher.ts:
 * Node 20's recursive fs.watch on Linux misses rewrites of an existing ref).
 */
import { execFile } from 'node:child_process'
import { mkdirSync, watch, type FSWatcher } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Project } from '@trellis/core'
import { queueBadge } from '../../events/hook-events.js'
import { batcher } from './debounce.js'
import { ExpRefTips } from './exp-ref-tips.js'
import type { LiveState } from './live-state.js'
import { TreeWatcher } from './tree-watcher.js'

const DEBOUNCE_MS = 25
const STASH_REF = 'refs/exps/stash'

export interface GitDirs {
  /** The worktree's git dir (its HEAD). */
  gitDir: string
  /** The repository's common git dir (refs, packed-refs). */
  commonDir: string
}

export async function gitDirs(gitRoot: string): Promise<GitDirs> {
  const { stdout } = await promisify(execFile)('git', ['rev-parse', '--git-dir', '--git-common-dir'], { cwd: gitRoot })
  const [gitDir, commonDir] = stdout.trim().split('\n')
  return { gitDir: resolve(gitRoot, gitDir!), commonDir: resolve(gitRoot, commonDir!) }
}

/** The local queue's records dir (records `<id>.json`, logs `<id>.log`). */
export function queueRecordsDir(project: Project): string {
  return join(project.tmpDir, 'exps', 'queue')
}

export class RepoWatcher {
  private readonly watchers: FSWatcher[] = []
  private readonly trees: TreeWatcher[] = []
  private readonly logListeners = new Map<string, Set<() => void>>()
  /** Batches are handled one after the other, in order (a later read of a ref is never overtaken by an earlier one). */
  private work: Promise<void> = Promise.resolve()
  private readonly refs = batcher<string>(DEBOUNCE_MS, (batch) => this.serially(() => this.refsChanged(batch)))
  private readonly head = batcher<string>(DEBOUNCE_MS, () => this.serially(() => this.headChanged()))
  private readonly queue = batcher<string>(DEBOUNCE_MS, () => void this.queueChanged())
  private queueReading: Promise<void> | undefined
  private queueAgain = false
  private closed = false

  constructor(
    private readonly project: Project,
    private readonly live: LiveState,
    private readonly tips: ExpRefTips,
    private readonly dirs: GitDirs,
    /** Errors of a refresh (a refresh never stops the watcher). */
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    const { gitDir, commonDir } = this.dirs
    this.watch(commonDir, (name) => {
      if (name === 'packed-refs') {
        this.refs.add('packed-refs')
        this.head.add('')
      } else if (name === 'HEAD' && gitDir === commonDir) this.head.add('')
    })
    if (gitDir !== commonDir) this.watch(gitDir, (name) => name === 'HEAD' && this.head.add(''))
    // refs/exps (experiments, the queue's stash) and refs/heads (the branch HEAD names)
    const refs = new TreeWatcher(
      join(commonDir, 'refs'),
      (name) => {
        const ref = `refs/${name}`.replace(/\.lock$/, '')
        if (ref.startsWith('refs/exps/')) this.refs.add(ref)
        else if (ref.startsWith('refs/heads/')) this.head.add('')
      },
      (error) => this.onError(error),
      (dir) => dir === '' || dir === 'exps' || dir === 'heads' || dir.startsWith('exps/') || dir.startsWith('heads/'),
    )
    refs.start()
    this.trees.push(refs)
    if (!this.project.services.has('queue')) return
    // the local queue's own dir (it makes it when it first writes): made now so that it can be watched
    const records = queueRecordsDir(this.project)
    mkdirSync(records, { recursive: true })
    this.watch(records, (name) => {
      if (name.endsWith('.json')) this.queue.add(name)
      else if (name.endsWith('.log')) for (const listener of this.logListeners.get(name.slice(0, -4)) ?? []) listener()
    })
  }

  /** Call `listener` whenever entry `id`'s log file changes; returns the unsubscribe. */
  onLog(id: string, listener: () => void): () => void {
    const set = this.logListeners.get(id) ?? new Set()
    set.add(listener)
    this.logListeners.set(id, set)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.logListeners.delete(id)
    }
  }

  close(): void {
    this.closed = true
    for (const w of this.watchers) w.close()
    for (const t of this.trees) t.close()
    this.refs.cancel()
    this.head.cancel()
    this.queue.cancel()
  }

  private watch(dir: string, onName: (name: string) => void): void {
    const watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name) onName(name.toString())
    })
    watcher.on('error', (error) => this.onError(error))
    this.watchers.push(watcher)
  }

  private serially(task: () => Promise<void>): void {
    this.work = this.work.then(task)
  }

  private async refsChanged(batch: Set<string>): Promise<void> {
    if (this.closed) return
    try {
      const changed = new Set<string>()
      let vanished = false
      for (const key of batch) {
        if (key === 'packed-refs') continue
        for (const ref of this.tips.readPath(key)) {
          changed.add(ref)
          vanished ||= !this.tips.isLoose(ref)
        }
      }
      // git writes packed-refs before it prunes loose refs (pack-refs) and drops a packed entry with
      // the loose file (update-ref -d): a vanished loose ref is judged against packed-refs as it is now
      if (vanished || batch.has('packed-refs')) for (const ref of this.tips.reloadPacked()) changed.add(ref)
      const { parseExpRef } = await import('@trellis/core')
      const store = await this.project.services.get('gitRepository')
      for (const ref of changed) {
        if (ref === STASH_REF) {
          this.queue.add(ref)
          continue
        }
        const exp = parseExpRef(ref)
        if (!exp) continue
        const tip = this.tips.tip(ref)
        if (!tip) {
          this.live.removed(ref)
          continue
        }
        const before = this.live.tipOf(ref)
        if (before === tip) continue
        // a ref that moved on by one commit is a checkpoint chain growing
        const checkpoint = before !== undefined && (await store.readCommit(tip)).parents[0] === before
        this.live.experiment({ ref, commit: tip, baseline: exp.baseline, name: exp.name, checkpoint })
      }
    } catch (error) {
      this.onError(error)
    }
  }

  private async headChanged(): Promise<void> {
    if (this.closed) return
    try {
      const store = await this.project.services.get('gitRepository')
      this.live.baseline(await store.head())
    } catch (error) {
      this.onError(error)
    }
  }

  /** List the queue and report what changed; one listing at a time, and one more if asked meanwhile. */
  private async queueChanged(): Promise<void> {
    if (this.closed || !this.project.services.has('queue')) return
    if (this.queueReading) {
      this.queueAgain = true
      return
    }
    this.queueReading = (async () => {
      do {
        this.queueAgain = false
        try {
          const { listQueue } = await import('@trellis/core')
          const entries = (await listQueue(this.project)).map(queueBadge)
          const ids = new Set(entries.map((e) => e.id))
          for (const badge of entries) this.live.queueEntry(badge, badge.state === 'success' ? 'done' : badge.state)
          for (const badge of this.live.queueEntries()) if (!ids.has(badge.id)) this.live.queueEntry(badge, 'removed')
        } catch (error) {
          this.onError(error)
        }
      } while (this.queueAgain && !this.closed)
    })()
    await this.queueReading
    this.queueReading = undefined
  }
}
