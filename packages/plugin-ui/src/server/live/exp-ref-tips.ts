/**
 * The tips of `refs/exps/**` as git stores them: loose ref files and
 * `packed-refs`. Read once in full at start; after that only what a file
 * event names is read again (one loose ref file, or packed-refs), so a change
 * costs what changed, not the number of experiments.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const PREFIX = 'refs/exps/'
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/

export class ExpRefTips {
  private readonly loose = new Map<string, string>()
  private packed = new Map<string, string>()

  /** `commonDir`: the repository's git dir (shared by its worktrees). */
  constructor(private readonly commonDir: string) {}

  /** Read every loose ref under refs/exps and packed-refs. */
  load(): void {
    this.walk(join(this.commonDir, 'refs', 'exps'), PREFIX, [])
    this.packed = this.readPacked()
  }

  /** Read again what a file event names: a loose ref, or a directory of them (a new baseline's refs may be written before its directory is watched). Returns the refs read. */
  readPath(ref: string): string[] {
    const path = join(this.commonDir, ref)
    let isDir = false
    try {
      isDir = statSync(path).isDirectory()
    } catch {
      // gone: read below (and forgotten)
    }
    // loose refs known under it: gone if the directory went (git prunes emptied ones)
    const read = [...this.loose.keys()].filter((known) => known.startsWith(`${ref}/`))
    read.push(this.readLoose(ref))
    if (isDir) this.walk(path, `${ref}/`, read)
    for (const known of read) if (!existsSync(join(this.commonDir, known))) this.loose.delete(known)
    return [...new Set(read)]
  }

  private walk(dir: string, ref: string, read: string[]): void {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (entry.isDirectory()) this.walk(join(dir, entry.name), `${ref}${entry.name}/`, read)
      else if (entry.isFile() && !entry.name.endsWith('.lock')) read.push(this.readLoose(`${ref}${entry.name}`))
    }
  }

  /** Whether the ref has a loose file (as last read). */
  isLoose(ref: string): boolean {
    return this.loose.has(ref)
  }

  /** The tip of a ref (the loose file wins over packed-refs, as in git). */
  tip(ref: string): string | undefined {
    return this.loose.get(ref) ?? this.packed.get(ref)
  }

  /** Every ref and its tip. */
  all(): Map<string, string> {
    const out = new Map(this.packed)
    for (const [ref, sha] of this.loose) out.set(ref, sha)
    return out
  }

  /** Read one loose ref again (`refs/exps/...`); returns it (its tip may now be absent). */
  readLoose(ref: string): string {
    try {
      const text = readFileSync(join(this.commonDir, ref), 'utf8').trim()
      if (SHA.test(text)) this.loose.set(ref, text)
      else this.loose.delete(ref)
    } catch {
      this.loose.delete(ref)
    }
    return ref
  }

  /** Read packed-refs again; returns the refs/exps refs it added, moved or dropped. */
  reloadPacked(): string[] {
    const before = this.packed
    this.packed = this.readPacked()
    const changed: string[] = []
    for (const [ref, sha] of this.packed) if (before.get(ref) !== sha) changed.push(ref)
    for (const ref of before.keys()) if (!this.packed.has(ref)) changed.push(ref)
    return changed
  }

  private readPacked(): Map<string, string> {
    const out = new Map<string, string>()
    let text: string
    try {
      text = readFileSync(join(this.commonDir, 'packed-refs'), 'utf8')
    } catch {
      return out
    }
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#') || line.startsWith('^')) continue
      const space = line.indexOf(' ')
      const ref = line.slice(space + 1)
      if (ref.startsWith(PREFIX)) out.set(ref, line.slice(0, space))
    }
    return out
  }
}
