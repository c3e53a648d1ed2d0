/**
 * The git repository (the `gitRepository` service): objects, refs, snapshots
 * and remote transfers, read and written in process. Experiments are commits
 * made by `snapshot`, written without touching HEAD, the index, branches or
 * the stash; which commit is which experiment is the experiment store's
 * business (experiment-store.ts).
 *
 * A snapshot (the tree `git add -u && git add <include> && git write-tree`
 * would give, committed on `parent`) has two backends:
 *
 * - `native` (the default when `git` is on PATH): git computes the tree on a
 *   temporary copy of the index (`GIT_INDEX_FILE`); two git processes.
 * - `fs` (the default without git): in process. The index's stat data tell
 *   which tracked files changed; only those are hashed, only missing blobs
 *   and trees are written (loose objects), directories the cache-tree
 *   extension vouches for are not rebuilt. Untracked and ignored
 *   directories are never visited. File contents are stored as they are
 *   (no clean/smudge filters or end-of-line normalisation).
 *
 * Measured by bench/exp-store-snapshot.js (5,000 tracked files, a 50,000-file
 * ignored .venv, 11 files changed, fresh process, 2 vCPU): native 47–68 ms,
 * fs 76–126 ms, git's own plumbing 38–48 ms; fs is faster only below ~1,000
 * tracked files (21 vs 39 ms at 500). Either way the commit object itself is
 * written here, so both give the same commit for the same tree, identity
 * and time.
 *
 * Refs are read and written the way git does it (loose files, packed-refs,
 * `.lock` files) so compare-and-swap updates exclude native git as well.
 * Packed objects are read in process (pack.ts); isomorphic-git (loaded lazily)
 * expands short shas and evaluates .gitignore rules.
 */
import { lstatSync, readdirSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, posix, relative, resolve as resolvePath } from 'node:path'
import type {
  CommitFile,
  CommitInfo,
  GitRepository,
  ReflogEntry,
  RefInfo,
  RefPushResult,
  SnapshotOptions,
  TreeChange,
  TreeFile,
} from '@trellis/core/plugin-api'
import type { GitCore } from './core.js'
import { contentFiltersInUse } from './attributes.js'
import { configBool, configString, formatIdentity, identity, readGitConfig, type GitConfig } from './config.js'
import { readIndex } from './index-file.js'
import { isoFs, loadIso } from './iso.js'
import { MODE_EXEC, MODE_FILE, MODE_GITLINK, MODE_SYMLINK, MODE_TREE, ObjectDb, gitError, parseCommit, parseTagTarget, parseTree, serializeCommit, type ParsedCommit, type TreeEntry } from './objects.js'
import { RefDb } from './refs.js'
import { checkRemoteArg, nativeFetchRefs, nativeListRemoteRefs, nativePushRefs, type Transport } from './remote.js'
import { findRepo, hasGitBinary } from './repo.js'
import { buildTree, comparePaths, sortEntries, writeTree, type TreeNode } from './tree.js'
import { hashWorktreePath, scanTracked, type StatPolicy, type WorktreeEntry } from './worktree.js'

export type SnapshotBackend = 'fs' | 'native'

export interface GitRefsRepositoryOptions {
  /**
   * Snapshot backend. `auto` (default): `native` when `git` is on PATH, else
   * `fs`. `fs` / `native` force one (`native` fails without git). The
   * `TRELLIS_GIT_BACKEND` environment variable overrides this.
   * `changedFiles` runs in process unless the repository needs git's content
   * filters or has a split index (then it asks git, when git is there).
   * `reachable` asks `git rev-list` with `native`, walks commits in process with `fs`.
   * `listRemoteRefs` always needs git (`git ls-remote`).
   */
  backend?: 'auto' | SnapshotBackend
  /**
   * How experiment refs travel to and from git remotes. `auto` (default):
   * `native` when `git` is on PATH (every transport, many refs per process),
   * else `iso` (isomorphic-git, http(s) only). The `TRELLIS_GIT_TRANSPORT`
   * environment variable overrides this. See remote.ts.
   */
  transport?: 'auto' | Transport
}

const SHA_RE = /^[0-9a-f]{40}$/

/** A work tree and the git dir holding its index. */
interface WorkTreeAt {
  readonly root: string
  readonly gitDir: string
}

export class GitRefsRepository implements GitRepository {
  /** The worktree's top level (may be above the Trellis project root). */
  readonly root: string
  readonly gitDir: string
  readonly commonDir: string
  private readonly refs: RefDb
  private readonly db: ObjectDb
  private readonly backendOption: 'auto' | SnapshotBackend
  /** Parsed commits and trees by oid (objects are immutable), bounded by MEMO_LIMIT. */
  private readonly commits = new Map<string, ParsedCommit>()
  private readonly trees = new Map<string, TreeEntry[]>()
  /** `listFiles` results per (directory, tree oid), for every tree below the listed one. */
  private readonly listings = new Map<string, TreeFile[]>()
  private readonly transportOption: 'auto' | Transport

  constructor(
    start: string,
    /** The engine's runtime API (`trellis.core`): errors and credential masking. */
    readonly core: GitCore,
    options: GitRefsRepositoryOptions = {},
  ) {
    const paths = findRepo(start, core)
    this.root = paths.root
    this.gitDir = paths.gitDir
    this.commonDir = paths.commonDir
    this.refs = new RefDb(paths.gitDir, paths.commonDir, core)
    this.db = new ObjectDb(paths.commonDir, core)
    const fromEnv = process.env.TRELLIS_GIT_BACKEND
    this.backendOption = fromEnv === 'fs' || fromEnv === 'native' || fromEnv === 'auto' ? fromEnv : (options.backend ?? 'auto')
    const transportEnv = process.env.TRELLIS_GIT_TRANSPORT
    this.transportOption = transportEnv === 'native' || transportEnv === 'iso' || transportEnv === 'auto' ? transportEnv : (options.transport ?? 'auto')
    const format = configString(readGitConfig(this.commonDir), 'extensions.objectformat')
    if (format && format.toLowerCase() !== 'sha1') {
      throw new this.core.TrellisError('GIT_ERROR', `this repository uses ${format} object names, which Trellis does not support yet`)
    }
    if (this.backendOption === 'native' && !hasGitBinary()) {
      throw new this.core.TrellisError('GIT_ERROR', "the 'native' git backend needs git on PATH", { hint: "Install git, or use backend 'auto'." })
    }
  }

  async head(): Promise<string | null> {
    return this.refs.resolve('HEAD')
  }

  async headRef(): Promise<string | null> {
    return this.refs.headRef()
  }

  async readReflog(ref: string): Promise<ReflogEntry[]> {
    return this.refs.readLog(ref)
  }

  async dropReflogEntries(ref: string, shas: string[]): Promise<void> {
    if (shas.length > 0) await this.refs.dropLogEntries(ref, shas)
  }

  // ---- borrowed work trees ----------------------------------------------

  /**
   * A disposable work tree at `dir`: `dir/.git` is a minimal repository
   * (HEAD, config, an index) whose object database is this repository's
   * (`objects/info/alternates`), so nothing is copied; `git read-tree --reset -u`
   * fills the index and writes the files. Needs git on PATH.
   */
  async checkoutTree(commit: string, dir: string, options: { head?: string } = {}): Promise<void> {
    if (!hasGitBinary()) throw gitError(this.core, 'temporary work trees need git on PATH', undefined, 'Install git.')
    const oid = await this.resolve(commit)
    const head = options.head === undefined ? oid : await this.resolve(options.head)
    if (!oid || !head) throw gitError(this.core, `commit '${oid ? options.head : commit}' not found`, undefined)
    const target = resolvePath(dir)
    if (existsSync(target) && readdirSync(target).length > 0) {
      throw new this.core.TrellisError('INVALID_ARGUMENT', `cannot check out into '${target}': the directory is not empty`)
    }
    const gitDir = join(target, '.git')
    for (const sub of ['objects/info', 'refs/heads', 'refs/tags']) mkdirSync(join(gitDir, sub), { recursive: true })
    writeFileSync(join(gitDir, 'HEAD'), `${head}\n`)
    writeFileSync(join(gitDir, 'objects', 'info', 'alternates'), `${join(this.commonDir, 'objects')}\n`)
    const config = readGitConfig(this.commonDir)
    const lines = ['[core]', '\trepositoryformatversion = 0', '\tbare = false', '\tlogallrefupdates = false']
    for (const key of ['filemode', 'symlinks', 'ignorecase', 'autocrlf', 'eol', 'precomposeunicode', 'checkstat', 'trustctime']) {
      const value = configString(config, `core.${key}`)
      if (value !== undefined && /^[\w.-]+$/.test(value)) lines.push(`\t${key} = ${value}`)
    }
    writeFileSync(join(gitDir, 'config'), `${lines.join('\n')}\n`)
    const { nativeCheckout } = await import('./native.js')
    await nativeCheckout(target, gitDir, oid, this.core)
  }

  async pathType(sha: string, path: string): Promise<'file' | 'dir' | 'symlink' | 'submodule' | null> {
    const commit = await this.readCommit(sha)
    const parts = normalizeRepoPath(this.core, this.root, path).split('/').filter(Boolean)
    if (parts.length === 0) return 'dir'
    let tree = commit.tree
    for (let i = 0; i < parts.length; i++) {
      const entry = parseTree(await this.db.readTyped(tree, 'tree')).find((e) => e.name === parts[i])
      if (!entry) return null
      if (i === parts.length - 1) {
        if (entry.mode === MODE_TREE) return 'dir'
        if (entry.mode === MODE_GITLINK) return 'submodule'
        return entry.mode === MODE_SYMLINK ? 'symlink' : 'file'
      }
      if (entry.mode !== MODE_TREE) return null
      tree = entry.oid
    }
    return null
  }

  // ---- revisions -------------------------------------------------------

  async resolve(rev: string): Promise<string | null> {
    const text = rev.trim()
    const cut = text.search(/[~^]/)
    const base = cut < 0 ? text : text.slice(0, cut)
    const suffix = cut < 0 ? '' : text.slice(cut)
    if (!base || !/^(?:~\d*|\^\d*|\^\{(?:commit)?\})*$/.test(suffix)) return null
    const start = await this.resolveBase(base === '@' ? 'HEAD' : base)
    if (!start) return null
    let oid = start.trusted ? start.oid : await this.peelToCommit(start.oid)
    for (const op of suffix.match(/~\d*|\^\{[a-z]*\}|\^\d*/g) ?? []) {
      if (!oid) return null
      if (op.startsWith('^{')) continue // already a commit
      const count = op.length > 1 ? Number(op.slice(1)) : 1
      if (op[0] === '~') {
        for (let i = 0; i < count && oid; i++) oid = (await this.commitOf(oid))?.parents[0] ?? null
      } else if (count > 0) {
        oid = (await this.commitOf(oid))?.parents[count - 1] ?? null
      }
    }
    return oid
  }

  /** A base revision: full sha, a ref by git's DWIM rules, or an abbreviated sha. */
  private async resolveBase(base: string): Promise<{ oid: string; trusted: boolean } | null> {
    if (SHA_RE.test(base.toLowerCase())) return { oid: base.toLowerCase(), trusted: false }
    const candidates = base.startsWith('refs/')
      ? [base]
      : [
          ...(/^[A-Z_]+$/.test(base) ? [base] : []),
          `refs/${base}`,
          `refs/tags/${base}`,
          `refs/heads/${base}`,
          `refs/remotes/${base}`,
          `refs/remotes/${base}/HEAD`,
        ]
    const packed = this.refs.readPacked()
    for (const ref of candidates) {
      const oid = this.refs.resolve(ref, packed)
      // Branches, HEAD and experiment refs point at commits; anything else (tags) is peeled.
      if (oid) return { oid, trusted: ref === 'HEAD' || /^refs\/(heads|exps|remotes)\//.test(ref) }
    }
    if (/^[0-9a-f]{4,39}$/i.test(base)) {
      const oid = await this.db.expand(base)
      return oid ? { oid, trusted: false } : null
    }
    return null
  }

  private async peelToCommit(oid: string): Promise<string | null> {
    for (let depth = 0; depth < 10; depth++) {
      const object = await this.db.read(oid)
      if (!object) return null
      if (object.type === 'commit') return oid
      if (object.type !== 'tag') return null
      oid = parseTagTarget(object.content, this.core)
    }
    return null
  }

  private async commitOf(oid: string): Promise<ParsedCommit | null> {
    const known = this.commits.get(oid)
    if (known) return known
    const object = await this.db.read(oid)
    if (object?.type !== 'commit') return null
    return remember(this.commits, oid, parseCommit(object.content))
  }

  private async treeOf(oid: string): Promise<TreeEntry[]> {
    return this.trees.get(oid) ?? remember(this.trees, oid, parseTree(await this.db.readTyped(oid, 'tree')))
  }

  // ---- objects -------------------------------------------------------

  async readCommit(sha: string): Promise<CommitInfo> {
    const oid = SHA_RE.test(sha) ? sha : await this.resolve(sha)
    const commit = oid ? await this.commitOf(oid) : null
    if (!oid || !commit) throw gitError(this.core, `commit '${sha}' not found`, undefined)
    const time = /> (-?\d+) [+-]\d{4}$/.exec(commit.committer)
    return { sha: oid, tree: commit.tree, parents: commit.parents, message: commit.message, timestamp: time ? Number(time[1]) : 0 }
  }

  async readFile(sha: string, path: string): Promise<Uint8Array | null> {
    const commit = await this.readCommit(sha)
    const parts = normalizeRepoPath(this.core, this.root, path).split('/').filter(Boolean)
    let tree = commit.tree
    for (let i = 0; i < parts.length; i++) {
      const entry = (await this.treeOf(tree)).find((e) => e.name === parts[i])
      if (!entry) return null
      if (i === parts.length - 1) {
        if (entry.mode === MODE_TREE || entry.mode === MODE_GITLINK) return null
        return new Uint8Array(await this.db.readTyped(entry.oid, 'blob'))
      }
      if (entry.mode !== MODE_TREE) return null
      tree = entry.oid
    }
    return null
  }

  /**
   * Every regular file of a commit's tree (under `prefix`), with its blob sha as id.
   * Listings of the trees below the requested one are memoised per (path, tree oid):
   * experiments share almost all their subtrees with their baseline, so listing a
   * thousand of them reads and walks each distinct tree once.
   */
  async listFiles(sha: string, prefix = ''): Promise<TreeFile[]> {
    const commit = await this.readCommit(sha)
    const dir = prefix ? normalizeRepoPath(this.core, this.root, prefix) : ''
    let tree = commit.tree
    for (const part of dir.split('/').filter(Boolean)) {
      const entry = (await this.treeOf(tree)).find((e) => e.name === part)
      if (!entry || entry.mode !== MODE_TREE) return []
      tree = entry.oid
    }
    return this.listTree(tree, dir, false)
  }

  private async listTree(oid: string, dir: string, memoise: boolean): Promise<TreeFile[]> {
    const key = `${dir}\0${oid}`
    const known = this.listings.get(key)
    if (known) return memoise ? known : known.slice()
    const out: TreeFile[] = []
    for (const entry of await this.treeOf(oid)) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`
      if (entry.mode === MODE_TREE) for (const file of await this.listTree(entry.oid, path, true)) out.push(file)
      else if (entry.mode === MODE_FILE || entry.mode === MODE_EXEC) out.push({ path, id: entry.oid })
    }
    // The top-level listing differs from commit to commit: only subtrees are kept.
    return memoise ? remember(this.listings, key, out) : out
  }

  // ---- refs -------------------------------------------------------

  async writeRef(ref: string, sha: string, options: { expect?: string | null; reflogMessage?: string } = {}): Promise<void> {
    await this.refs.write(ref, sha, {
      expect: options.expect,
      message: options.reflogMessage,
      who: () => formatIdentity(identity('committer', readGitConfig(this.commonDir))),
    })
  }

  async deleteRef(ref: string, options: { expect?: string } = {}): Promise<void> {
    await this.refs.delete(ref, options)
  }

  async listRefs(prefix = 'refs/exps/'): Promise<RefInfo[]> {
    return this.refs.list(prefix)
  }

  // ---- trees and history -------------------------------------------------

  /**
   * Walks back from `descendant`, newest commits first, and stops at commits
   * older than `ancestor` (with a day's slack for clock skew), as git did
   * before generation numbers.
   */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const target = await this.resolve(ancestor)
    const start = await this.resolve(descendant)
    if (!target || !start) return false
    if (target === start) return true
    const floor = (await this.readCommit(target)).timestamp - 86_400
    const seen = new Set<string>([start])
    const queue: CommitInfo[] = [await this.readCommit(start)]
    while (queue.length > 0) {
      queue.sort((a, b) => b.timestamp - a.timestamp)
      const commit = queue.shift()!
      if (commit.timestamp < floor) break
      for (const parent of commit.parents) {
        if (parent === target) return true
        if (seen.has(parent)) continue
        seen.add(parent)
        const info = await this.commitOf(parent)
        if (!info) continue // shallow history
        const time = /> (-?\d+) [+-]\d{4}$/.exec(info.committer)
        queue.push({ sha: parent, tree: info.tree, parents: info.parents, message: '', timestamp: time ? Number(time[1]) : 0 })
      }
    }
    return false
  }

  // ---- git remotes (see remote.ts) -----------------------------------------

  /** The transport remotes use (see {@link GitRefsRepositoryOptions.transport}). */
  transport(): Transport {
    if (this.transportOption !== 'auto') return this.transportOption
    return hasGitBinary() ? 'native' : 'iso'
  }

  async listRemoteRefs(remote: string, prefix = 'refs/exps/'): Promise<RefInfo[]> {
    checkRemoteArg(remote, this.core)
    if (this.transport() === 'iso') return (await import('./remote-iso.js')).isoListRemoteRefs(this, remote, prefix)
    return nativeListRemoteRefs(this, remote, prefix)
  }

  async pushRefs(remote: string, refs: Array<{ ref: string; force?: boolean }>): Promise<RefPushResult[]> {
    checkRemoteArg(remote, this.core)
    if (refs.length === 0) return []
    if (this.transport() === 'iso') return (await import('./remote-iso.js')).isoPushRefs(this, remote, refs)
    return nativePushRefs(this, remote, refs)
  }

  async fetchRefs(remote: string, refs: string[]): Promise<void> {
    checkRemoteArg(remote, this.core)
    if (this.transport() === 'iso') return (await import('./remote-iso.js')).isoFetchRefs(this, remote, refs)
    return nativeFetchRefs(this, remote, refs)
  }

  // ---- snapshots -------------------------------------------------------

  /** The backend snapshots use (see {@link GitRefsRepositoryOptions.backend}). */
  snapshotBackend(): SnapshotBackend {
    if (this.backendOption !== 'auto') return this.backendOption
    return hasGitBinary() ? 'native' : 'fs'
  }

  async snapshot(options: SnapshotOptions): Promise<string> {
    const parent = await this.parentCommit(options.parent)
    const message = options.message.endsWith('\n') ? options.message : `${options.message}\n`
    const at = this.workTreeOf(options.workTree)
    const include = (options.include ?? []).map((path) => normalizeRepoPath(this.core, at.root, path))
    const overlay = (options.overlay ?? []).map((file) => ({
      path: normalizeRepoPath(this.core, at.root, file.path),
      mode: file.mode ?? MODE_FILE,
      oid: this.db.write('blob', typeof file.content === 'string' ? Buffer.from(file.content) : file.content),
    }))
    const config = readGitConfig(this.commonDir)
    const commit = (tree: string): string => this.writeCommit(tree, [parent], message, config)
    if (options.base !== undefined) {
      // a stored commit's tree plus the overlay: no work tree is read (a batch of queued entries)
      return commit(await this.overlayTree((await this.readCommit(options.base)).tree, overlay))
    }
    // A borrowed work tree's index was written by one checkout (simple, stat data fresh): in process
    // unless it is large, where git's own plumbing is faster (see the measurements above).
    const index = at.borrowed && this.backendOption === 'auto' ? readIndex(join(at.gitDir, 'index'), this.core) : undefined
    const small =
      index !== undefined && !index.unsupported && index.entries.length < 1000 && !contentFiltersInUse(at.root, this.commonDir, config, index.entries)
    if (this.snapshotBackend() === 'native' && !small) {
      const { nativeWriteTree } = await import('./native.js')
      const existing = include.filter((path) => lstatSync(join(at.root, path), { throwIfNoEntry: false }))
      const objectDir = at.borrowed ? join(this.commonDir, 'objects') : undefined
      return commit(await nativeWriteTree(at.root, at.gitDir, existing, this.core, { objectDir, overlay }))
    }
    return commit(await this.fsWriteTree(at, index ?? readIndex(join(at.gitDir, 'index'), this.core), include, overlay, config))
  }

  /**
   * `tree` with `files` put in (a file replaces what is at its path; missing directories are
   * created): only the trees on the files' paths are rebuilt and written.
   */
  private async overlayTree(tree: string | null, files: Array<{ path: string; mode: number; oid: string }>): Promise<string> {
    const entries = new Map<string, TreeEntry>()
    if (tree) for (const e of await this.treeOf(tree)) entries.set(e.name, e)
    const below = new Map<string, Array<{ path: string; mode: number; oid: string }>>()
    for (const file of files) {
      const slash = file.path.indexOf('/')
      if (slash < 0) {
        entries.set(file.path, { name: file.path, mode: file.mode, oid: file.oid })
        continue
      }
      const dir = file.path.slice(0, slash)
      const list = below.get(dir) ?? []
      list.push({ ...file, path: file.path.slice(slash + 1) })
      below.set(dir, list)
    }
    for (const [dir, list] of below) {
      const existing = entries.get(dir)
      const sub = await this.overlayTree(existing?.mode === MODE_TREE ? existing.oid : null, list)
      entries.set(dir, { name: dir, mode: MODE_TREE, oid: sub })
    }
    // git's tree order: a directory sorts as if its name ended with '/'
    const key = (e: TreeEntry) => (e.mode === MODE_TREE ? `${e.name}/` : e.name)
    const sorted = [...entries.values()].sort((a, b) => comparePaths(key(a), key(b)))
    const content = Buffer.concat(
      sorted.map((e) => Buffer.concat([Buffer.from(`${e.mode === MODE_TREE ? '40000' : e.mode.toString(8)} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')])),
    )
    return this.db.write('tree', content)
  }

  /** The in-process snapshot tree (see the class comment). */
  private async fsWriteTree(
    at: WorkTreeAt,
    index: ReturnType<typeof readIndex>,
    include: string[],
    overlay: Array<{ path: string; mode: number; oid: string }>,
    config: GitConfig,
  ): Promise<string> {
    if (index.unsupported) {
      throw gitError(this.core, `this repository's index uses a ${index.unsupported}, which needs git on PATH`, undefined, "Install git, or use the 'native' backend.")
    }
    const policy = statPolicy(config)
    const scan = await scanTracked(at.root, index, this.db, policy, true)
    const added = await this.addIncludes(scan.entries, include, policy, at)
    let entries = added.length === 0 ? scan.entries : sortEntries([...scan.entries, ...added])
    if (overlay.length > 0) {
      const replaced = new Set(overlay.map((f) => f.path))
      entries = sortEntries([...entries.filter((e) => !replaced.has(e.path)), ...overlay])
    }
    const dirty = [...scan.changed, ...added.map((e) => e.path), ...overlay.map((e) => e.path)]
    const tree = buildTree(entries, { cacheTree: index.cacheTree, dirty })
    writeTree(tree, this.db, index.cacheTree)
    return tree.oid
  }

  /** The repository's own work tree, or a work tree made by `checkoutTree` (objects borrowed from here). */
  private workTreeOf(workTree: string | undefined): { root: string; gitDir: string; borrowed: boolean } {
    if (workTree === undefined) return { root: this.root, gitDir: this.gitDir, borrowed: false }
    const root = resolvePath(workTree)
    const gitDir = join(root, '.git')
    if (!statSync(join(gitDir, 'HEAD'), { throwIfNoEntry: false })?.isFile() || !existsSync(join(gitDir, 'objects', 'info', 'alternates'))) {
      throw new this.core.TrellisError('INVALID_ARGUMENT', `'${root}' is not a work tree made by checkoutTree`)
    }
    return { root, gitDir, borrowed: true }
  }

  /** Write a commit object by the configured author and committer. */
  private writeCommit(tree: string, parents: string[], message: string, config: GitConfig = readGitConfig(this.commonDir)): string {
    const author = formatIdentity(identity('author', config))
    const committer = formatIdentity(identity('committer', config))
    return this.db.write('commit', serializeCommit({ tree, parents, author, committer, message }))
  }

  async commitFiles(options: { files: CommitFile[]; parents: string[]; message: string }): Promise<string> {
    const parents: string[] = []
    for (const parent of options.parents) parents.push(await this.parentCommit(parent))
    const seen = new Set<string>()
    const entries = options.files.map((file) => {
      const path = normalizeRepoPath(this.core, this.root, file.path)
      const mode = file.mode ?? MODE_FILE
      if (path === '' || seen.has(path)) throw new this.core.TrellisError('INVALID_ARGUMENT', `commitFiles: '${file.path}' is empty or given twice`)
      if (mode !== MODE_FILE && mode !== MODE_EXEC && mode !== MODE_SYMLINK) {
        throw new this.core.TrellisError('INVALID_ARGUMENT', `commitFiles: '${file.path}' has mode ${mode.toString(8)}; only 100644, 100755 and 120000 can be written`)
      }
      seen.add(path)
      const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content
      return { path, mode, oid: this.db.write('blob', content) }
    })
    for (const path of seen) {
      for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
        if (seen.has(path.slice(0, cut))) {
          throw new this.core.TrellisError('INVALID_ARGUMENT', `commitFiles: '${path.slice(0, cut)}' is both a file and a directory`)
        }
      }
    }
    const tree = buildTree(sortEntries(entries))
    writeTree(tree, this.db, new Map())
    const message = options.message.endsWith('\n') ? options.message : `${options.message}\n`
    return this.writeCommit(tree.oid, parents, message)
  }

  // ---- history -------------------------------------------------------

  async diffTrees(from: string, to: string): Promise<TreeChange[]> {
    const [a, b] = await Promise.all([this.readCommit(from), this.readCommit(to)])
    const out: TreeChange[] = []
    await this.diffStoredTrees(a.tree, b.tree, '', out)
    return out.sort((x, y) => comparePaths(x.path, y.path))
  }

  private async diffStoredTrees(from: string | null, to: string | null, prefix: string, out: TreeChange[]): Promise<void> {
    if (from === to) return
    const read = async (oid: string | null) => new Map(oid ? parseTree(await this.db.readTyped(oid, 'tree')).map((e) => [e.name, e] as const) : [])
    const [left, right] = await Promise.all([read(from), read(to)])
    for (const name of new Set([...left.keys(), ...right.keys()])) {
      const path = prefix === '' ? name : `${prefix}/${name}`
      const l = left.get(name)
      const r = right.get(name)
      const lTree = l?.mode === MODE_TREE ? l.oid : null
      const rTree = r?.mode === MODE_TREE ? r.oid : null
      if (lTree || rTree) await this.diffStoredTrees(lTree, rTree, path, out)
      const lBlob = l && l.mode !== MODE_TREE ? l : undefined
      const rBlob = r && r.mode !== MODE_TREE ? r : undefined
      if (lBlob && rBlob) {
        if (lBlob.oid !== rBlob.oid || lBlob.mode !== rBlob.mode) {
          out.push({ path, status: 'modified', mode: rBlob.mode, oid: rBlob.oid, oldMode: lBlob.mode, oldOid: lBlob.oid })
        }
      } else if (lBlob) {
        out.push({ path, status: 'deleted', oldMode: lBlob.mode, oldOid: lBlob.oid })
      } else if (rBlob) {
        out.push({ path, status: 'added', mode: rBlob.mode, oid: rBlob.oid })
      }
    }
  }

  async reachable(commits: string[], tips: string[]): Promise<Set<string>> {
    const wanted = new Set(commits.map((c) => c.toLowerCase()))
    const found = new Set<string>()
    const starts: string[] = []
    for (const tip of tips) {
      const oid = await this.resolve(tip)
      if (!oid) continue
      starts.push(oid)
      if (wanted.has(oid)) found.add(oid)
    }
    if (found.size === wanted.size || starts.length === 0) return found
    if (this.snapshotBackend() === 'native') {
      const { runGit } = await import('./native.js')
      const env = { ...process.env, GIT_DIR: this.gitDir, GIT_OPTIONAL_LOCKS: '0' }
      const out = await runGit(['rev-list', ...new Set(starts), '--'], { cwd: this.root, env, core: this.core })
      for (const line of out.stdout.split('\n')) if (wanted.has(line)) found.add(line)
      return found
    }
    // In process: walk every parent from the tips, stopping once everything is found.
    const seen = new Set<string>()
    const stack = [...starts]
    while (stack.length > 0 && found.size < wanted.size) {
      const oid = stack.pop()!
      if (seen.has(oid)) continue
      seen.add(oid)
      if (wanted.has(oid)) found.add(oid)
      const commit = await this.commitOf(oid)
      if (commit) stack.push(...commit.parents)
    }
    return found
  }

  /**
   * The parent as a commit sha. A full sha that is stored is taken as is when
   * it is packed (checking its type would load the pack through isomorphic-git).
   */
  private async parentCommit(rev: string): Promise<string> {
    const sha = rev.toLowerCase()
    let oid: string | null
    if (SHA_RE.test(sha) && !this.db.hasLoose(sha)) oid = this.db.has(sha) ? sha : null
    else oid = await this.resolve(rev)
    if (!oid) throw gitError(this.core, `cannot snapshot: parent commit '${rev}' not found`, undefined)
    return oid
  }

  /**
   * What `git add -- <include>` adds to the scanned entries: untracked files
   * that are not ignored (directories recursively, ignored ones pruned).
   * Listed by `git ls-files --others --exclude-standard` when git is on PATH
   * (one process; honours every exclude source), else walked here with
   * isomorphic-git's .gitignore rules.
   */
  private async addIncludes(entries: WorktreeEntry[], include: string[], policy: StatPolicy, at: WorkTreeAt = this): Promise<WorktreeEntry[]> {
    if (include.length === 0) return []
    const tracked = new Set(entries.map((e) => e.path))
    const candidates = include.filter((path) => !tracked.has(path) && lstatSync(join(at.root, path), { throwIfNoEntry: false }))
    if (candidates.length === 0) return []
    const files = hasGitBinary() ? await this.untrackedByGit(candidates, at) : await this.untrackedByWalk(candidates, tracked, at)
    const added: WorktreeEntry[] = []
    for (const path of new Set(files)) {
      if (tracked.has(path)) continue
      const absolute = join(at.root, path)
      const st = lstatSync(absolute, { throwIfNoEntry: false })
      if (!st || (!st.isFile() && !st.isSymbolicLink())) continue
      const mode = st.isSymbolicLink() ? MODE_SYMLINK : policy.fileMode && (st.mode & 0o100) !== 0 ? MODE_EXEC : MODE_FILE
      const oid = await hashWorktreePath(this.db, absolute, st, true)
      added.push({ path, mode, oid })
    }
    return added
  }

  private async untrackedByGit(paths: string[], at: WorkTreeAt = this): Promise<string[]> {
    const { listUntracked } = await import('./native.js')
    return listUntracked(at.root, at.gitDir, paths, this.core)
  }

  private async untrackedByWalk(paths: string[], tracked: Set<string>, at: WorkTreeAt = this): Promise<string[]> {
    const git = await loadIso()
    const found: string[] = []
    const visit = async (path: string): Promise<void> => {
      if (tracked.has(path)) return
      const absolute = join(at.root, path)
      const st = lstatSync(absolute, { throwIfNoEntry: false })
      if (!st) return
      if (path !== '' && (await git.isIgnored({ fs: isoFs, dir: at.root, gitdir: at.gitDir, filepath: path }))) return
      if (st.isDirectory()) {
        if (path !== '' && existsSync(join(absolute, '.git'))) return // a nested repository: not added
        for (const name of readdirSync(absolute)) await visit(path === '' ? name : `${path}/${name}`)
      } else {
        found.push(path)
      }
    }
    for (const path of paths) await visit(path)
    return found
  }

  // ---- worktree comparison -------------------------------------------------

  async changedFiles(sha: string): Promise<string[]> {
    const commit = await this.readCommit(sha)
    const config = readGitConfig(this.commonDir)
    const index = readIndex(join(this.gitDir, 'index'), this.core)
    // In process unless only git can tell (content filters, split index) and git is there to ask.
    const needsGit = index.unsupported !== undefined || contentFiltersInUse(this.root, this.commonDir, config, index.entries)
    if (this.backendOption === 'native' || (needsGit && this.backendOption === 'auto' && hasGitBinary())) {
      const { nativeChangedFiles } = await import('./native.js')
      return nativeChangedFiles(this.root, this.gitDir, commit.sha, this.core)
    }
    const policy = statPolicy(config)
    const scan = await scanTracked(this.root, index, this.db, policy, false)
    const changed = new Set<string>()
    await this.diffTree(buildTree(scan.entries), commit.tree, changed, policy)
    return [...changed].sort()
  }

  /** Collect the paths where the worktree (`node`, from the index) and a stored tree differ. */
  private async diffTree(node: TreeNode | null, treeOid: string | null, out: Set<string>, policy: StatPolicy): Promise<void> {
    if (node && treeOid && node.oid === treeOid) return
    const prefix = node?.path ?? ''
    const stored = new Map(treeOid ? parseTree(await this.db.readTyped(treeOid, 'tree')).map((e) => [e.name, e] as const) : [])
    const ours = new Map((node?.children ?? []).map((child) => [child.name, child] as const))
    for (const name of new Set([...stored.keys(), ...ours.keys()])) {
      const path = prefix === '' ? name : `${prefix}/${name}`
      const theirs = stored.get(name)
      const mine = ours.get(name)
      if (mine?.node) {
        if (theirs && theirs.mode !== MODE_TREE) out.add(path)
        await this.diffTree(mine.node, theirs?.mode === MODE_TREE ? theirs.oid : null, out, policy)
      } else if (mine) {
        if (!theirs || theirs.mode !== mine.mode || theirs.oid !== mine.oid) out.add(path)
        if (theirs?.mode === MODE_TREE && mine.mode !== MODE_TREE) await this.diffStoredOnly(path, theirs.oid, out, policy)
      } else if (theirs!.mode === MODE_TREE) {
        // Only in the stored tree: compare with what is on disk, untracked or absent.
        await this.diffStoredOnly(path, theirs!.oid, out, policy)
      } else if (!(await this.sameOnDisk(path, theirs!.mode, theirs!.oid, policy))) {
        out.add(path)
      }
    }
  }

  private async diffStoredOnly(prefix: string, treeOid: string, out: Set<string>, policy: StatPolicy): Promise<void> {
    for (const entry of parseTree(await this.db.readTyped(treeOid, 'tree'))) {
      const path = `${prefix}/${entry.name}`
      if (entry.mode === MODE_TREE) await this.diffStoredOnly(path, entry.oid, out, policy)
      else if (!(await this.sameOnDisk(path, entry.mode, entry.oid, policy))) out.add(path)
    }
  }

  private async sameOnDisk(path: string, mode: number, oid: string, policy: StatPolicy): Promise<boolean> {
    const absolute = join(this.root, path)
    let st
    try {
      st = lstatSync(absolute)
    } catch {
      return false
    }
    if (mode === MODE_GITLINK || st.isDirectory()) return false
    const diskMode = st.isSymbolicLink() ? MODE_SYMLINK : !policy.fileMode ? mode : (st.mode & 0o100) !== 0 ? MODE_EXEC : MODE_FILE
    if (diskMode !== mode) return false
    return (await hashWorktreePath(this.db, absolute, st, false)) === oid
  }
}

/** Objects kept per memo before it is emptied (a command reads far fewer). */
const MEMO_LIMIT = 100_000

function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  if (memo.size >= MEMO_LIMIT) memo.clear()
  memo.set(key, value)
  return value
}

function statPolicy(config: GitConfig): StatPolicy {
  return {
    fileMode: configBool(config, 'core.filemode', true),
    trustCtime: configBool(config, 'core.trustctime', true),
    minimal: configString(config, 'core.checkstat')?.toLowerCase() === 'minimal',
    symlinks: configBool(config, 'core.symlinks', true),
  }
}

/** A repo-relative POSIX path; absolute paths must lie inside the worktree. */
function normalizeRepoPath(core: GitCore, root: string, path: string): string {
  const rel = isAbsolute(path) ? relative(root, path) : path
  const normal = posix.normalize(rel.replace(/\\/g, '/')).replace(/^\.(\/|$)/, '').replace(/\/+$/, '')
  if (normal === '..' || normal.startsWith('../') || isAbsolute(normal)) {
    throw new core.TrellisError('PATH_OUTSIDE_REPO', `'${path}' is outside the repository`)
  }
  return normal
}
