/**
 * The files of one revision that plots read: from the workspace, or from a commit's tree
 * (never checked out); a file that DVC caches is absent from the commit's tree and is read
 * from the DVC cache by the hash the revision's dvc.lock records (a file inside a cached
 * directory through the directory's `.dir` manifest), as DVC's repo filesystem does.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { lockPathFor, parseLockfile } from '../dvcfile/lockfile.js'
import type { GitRepository } from '../plugin-api/git-repository.js'
import type { RevSource } from '../experiments/read/rev-source.js'
import { isWithin } from '../pipeline/path-utils.js'
import type { Out, Stage } from '../pipeline/types.js'

export interface PlotFilesOptions {
  source: RevSource
  stages: Stage[]
  /** Absolute DVC cache directory. */
  cacheDir?: string
  /** Workspace: the absolute DVC root. */
  root?: string
  /** A commit: the store, the sha and the DVC root inside the git worktree. */
  git?: { store: GitRepository; sha: string; prefix: string }
}

export class PlotFiles {
  private readonly locks = new Map<string, Promise<Map<string, string>>>()
  private readonly manifests = new Map<string, Promise<Map<string, string> | null>>()
  private gitFiles: Promise<string[]> | undefined

  constructor(private readonly options: PlotFilesOptions) {}

  /** What is at `path`: a file or directory of the revision, or of a cached output. */
  async kind(path: string): Promise<'file' | 'dir' | null> {
    const kind = this.options.source.kind(path)
    if (kind) return kind
    if (this.options.root) return null // the workspace holds what it holds
    const owner = this.cachedOwner(path)
    if (!owner) return null
    const md5 = await this.lockedHash(owner)
    if (!md5) return null
    if (!md5.endsWith('.dir')) return owner.out.path === path ? 'file' : null
    const manifest = await this.manifest(md5)
    if (!manifest) return null
    const rel = owner.out.path === path ? '' : path.slice(owner.out.path.length + 1)
    if (rel === '') return 'dir'
    if (manifest.has(rel)) return 'file'
    for (const key of manifest.keys()) if (key.startsWith(`${rel}/`)) return 'dir'
    return null
  }

  /** Every file under a directory, sorted. */
  async filesUnder(dir: string): Promise<string[]> {
    const found = new Set<string>()
    if (this.options.root) {
      for (const entry of await readdir(join(this.options.root, dir), { recursive: true, withFileTypes: true }).catch(() => [])) {
        if (!entry.isFile()) continue
        const parent = (entry.parentPath ?? (entry as unknown as { path: string }).path).slice(this.options.root.length + 1)
        found.add(posix.join(parent.split('\\').join('/'), entry.name))
      }
    } else if (this.options.git) {
      for (const path of await this.allGitFiles()) if (isWithin(path, dir) && path !== dir) found.add(path)
      const owner = this.cachedOwner(dir)
      const md5 = owner ? await this.lockedHash(owner) : undefined
      const manifest = md5?.endsWith('.dir') ? await this.manifest(md5) : null
      if (owner && manifest) {
        for (const rel of manifest.keys()) {
          const path = `${owner.out.path}/${rel}`
          if (isWithin(path, dir)) found.add(path)
        }
      }
    }
    return [...found].sort()
  }

  /** A file's bytes, or null when the revision has none there. */
  async read(path: string): Promise<Uint8Array | null> {
    const bytes = await this.options.source.read(path)
    if (bytes || this.options.root) return bytes
    const owner = this.cachedOwner(path)
    const md5 = owner ? await this.lockedHash(owner) : undefined
    if (!owner || !md5) return null
    if (!md5.endsWith('.dir')) return owner.out.path === path ? this.readObject(md5) : null
    const manifest = await this.manifest(md5)
    const inner = manifest?.get(path.slice(owner.out.path.length + 1))
    return inner ? this.readObject(inner) : null
  }

  private allGitFiles(): Promise<string[]> {
    const git = this.options.git!
    this.gitFiles ??= git.store.listFiles(git.sha, git.prefix || undefined).then((files) => {
      const cut = git.prefix ? git.prefix.length + 1 : 0
      return files.map((f) => f.path.slice(cut))
    })
    return this.gitFiles
  }

  /** The cached output holding `path`, if any. */
  private cachedOwner(path: string): { stage: Stage; out: Out } | undefined {
    for (const stage of this.options.stages) {
      for (const out of stage.outs) if (out.cache && (out.path === path || isWithin(path, out.path))) return { stage, out }
    }
    return undefined
  }

  private async lockedHash({ stage, out }: { stage: Stage; out: Out }): Promise<string | undefined> {
    if (stage.kind === 'single') return out.hash?.md5
    const lockPath = lockPathFor(stage.dvcfile)
    let hashes = this.locks.get(lockPath)
    if (!hashes) {
      hashes = (async () => {
        const map = new Map<string, string>()
        const bytes = await this.options.source.read(lockPath)
        if (!bytes) return map
        try {
          const lock = parseLockfile(new TextDecoder().decode(bytes), lockPath)
          for (const [name, entry] of lock.stages) for (const o of entry.outs ?? []) if (o.md5) map.set(`${name}\0${o.path}`, o.md5)
        } catch {
          // an unreadable lock file: cached plots of this revision are simply missing
        }
        return map
      })()
      this.locks.set(lockPath, hashes)
    }
    return (await hashes).get(`${stage.name}\0${out.pathAsWritten}`)
  }

  private manifest(md5: string): Promise<Map<string, string> | null> {
    let found = this.manifests.get(md5)
    if (!found) {
      found = this.readObject(md5).then((bytes) => {
        if (!bytes) return null
        try {
          const entries = JSON.parse(new TextDecoder().decode(bytes)) as Array<{ md5: string; relpath: string }>
          return new Map(entries.map((e) => [e.relpath, e.md5]))
        } catch {
          return null
        }
      })
      this.manifests.set(md5, found)
    }
    return found
  }

  private async readObject(md5: string): Promise<Uint8Array | null> {
    const cacheDir = this.options.cacheDir
    if (!cacheDir || !/^[0-9a-f]{32}(\.dir)?$/.test(md5)) return null
    for (const dir of [cacheDir, join(cacheDir, 'files', 'md5')]) {
      try {
        return await readFile(join(dir, md5.slice(0, 2), md5.slice(2)))
      } catch {
        // try the other layout
      }
    }
    return null
  }
}
