/**
 * Where a revision's files come from: a commit's tree (read through the experiment store,
 * never checked out) or the workspace on disk. Paths are relative to the DVC root, POSIX.
 * `rev-data.ts` reads pipelines, params and metrics from either the same way.
 */
import { readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { collectDvcFiles } from '../../dvcfile/collect-dvcfiles.js'
import { compareCodePoints } from '../../util/python-json.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'

export type PathKind = 'file' | 'dir' | null

export interface RevSource {
  /** `workspace` or the commit sha (for messages). */
  readonly rev: string
  /** The dvc.yaml and `.dvc` files, sorted by code point. */
  pipelineFiles(): Promise<string[]>
  /** What is at `path` (synchronously: vars files are read by a synchronous resolver). */
  kind(path: string): PathKind
  /** A content id (equal ids, equal bytes) when the source knows one (git trees do). */
  idOf(path: string): string | undefined
  /** A file's bytes, or null when there is no file there. */
  read(path: string): Promise<Uint8Array | null>
  /** The same, synchronously, when the source can (the workspace can); else undefined. */
  readSync?(path: string): Uint8Array | null
}

function isPipelineFile(path: string): boolean {
  if (!path.endsWith('dvc.yaml') && !path.endsWith('.dvc')) return false
  const base = posix.basename(path)
  if (path === '.dvc' || path.startsWith('.dvc/') || path.includes('/.dvc/')) return false
  return base === 'dvc.yaml' || (base.endsWith('.dvc') && base !== '.dvc')
}

/** A commit's tree: listed once (`GitRepository.listFiles`), files read on demand. */
export class GitTreeSource implements RevSource {
  private dirs: Set<string> | undefined

  private constructor(
    private readonly store: GitRepository,
    readonly rev: string,
    /** The DVC root inside the git worktree ('' when they are the same). */
    private readonly prefix: string,
    private readonly ids: Map<string, string>,
  ) {}

  static async open(store: GitRepository, sha: string, prefix = ''): Promise<GitTreeSource> {
    const files = await store.listFiles(sha, prefix || undefined)
    const cut = prefix ? prefix.length + 1 : 0
    const ids = new Map<string, string>()
    for (const file of files) ids.set(cut ? file.path.slice(cut) : file.path, file.id)
    return new GitTreeSource(store, sha, prefix, ids)
  }

  async pipelineFiles(): Promise<string[]> {
    const found: string[] = []
    for (const path of this.ids.keys()) if (isPipelineFile(path)) found.push(path)
    return found.sort(compareCodePoints)
  }

  kind(path: string): PathKind {
    if (this.ids.has(path)) return 'file'
    if (!this.dirs) {
      this.dirs = new Set([''])
      for (const file of this.ids.keys()) {
        for (let i = file.indexOf('/'); i >= 0; i = file.indexOf('/', i + 1)) this.dirs.add(file.slice(0, i))
      }
    }
    return this.dirs.has(path) ? 'dir' : null
  }

  idOf(path: string): string | undefined {
    return this.ids.get(path)
  }

  async read(path: string): Promise<Uint8Array | null> {
    if (!this.ids.has(path)) return null
    return this.store.readFile(this.rev, this.prefix ? `${this.prefix}/${path}` : path)
  }
}

/** The workspace: pipeline files as git lists them (tracked or not ignored), contents from disk. */
export class WorkspaceSource implements RevSource {
  readonly rev = 'workspace'

  constructor(private readonly root: string) {}

  pipelineFiles(): Promise<string[]> {
    return collectDvcFiles(this.root)
  }

  kind(path: string): PathKind {
    const st = statSync(join(this.root, path), { throwIfNoEntry: false })
    return !st ? null : st.isDirectory() ? 'dir' : 'file'
  }

  idOf(): undefined {
    return undefined
  }

  async read(path: string): Promise<Uint8Array | null> {
    try {
      return await readFile(join(this.root, path))
    } catch {
      return null
    }
  }

  readSync(path: string): Uint8Array | null {
    try {
      return readFileSync(join(this.root, path))
    } catch {
      return null
    }
  }
}
