/**
 * Trees from a flat list of index-like entries, as `git write-tree` builds
 * them: hashed in memory, then only the missing ones written.
 *
 * Entries must be in index order (paths compared as bytes). That order is
 * also git's tree order (where a directory's name sorts as if it ended with
 * `/`), so no node needs sorting: children are appended as they come.
 */
import { MODE_TREE, hashObject, type ObjectDb } from './objects.js'
import type { WorktreeEntry } from './worktree.js'

export interface TreeChild {
  name: string
  mode: number
  oid: string
  /** Set for subtrees built here (not for sparse-index directory entries). */
  node?: TreeNode
}

export interface TreeNode {
  /** Directory path, '' for the root. */
  path: string
  children: TreeChild[]
  oid: string
  content: Buffer
}

function newNode(path: string): TreeNode {
  return { path, children: [], oid: '', content: Buffer.alloc(0) }
}

/** Index order: paths compared as UTF-8 bytes. */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i)
    const cb = b.charCodeAt(i)
    if (ca === cb) continue
    // Below the surrogates, UTF-16 order is code point order, which is UTF-8 byte order.
    if (ca >= 0xd800 || cb >= 0xd800) return Buffer.compare(Buffer.from(a.slice(i)), Buffer.from(b.slice(i)))
    return ca - cb
  }
  return a.length - b.length
}

/** Sort entries into index order, unless they already are. */
export function sortEntries<T extends { path: string }>(entries: T[]): T[] {
  for (let i = 1; i < entries.length; i++) {
    if (comparePaths(entries[i - 1]!.path, entries[i]!.path) > 0) return [...entries].sort((a, b) => comparePaths(a.path, b.path))
  }
  return entries
}

/**
 * Build and hash the tree of `entries`, given in index order (a sparse-index
 * directory entry ends with `/`). With `reuse`, a directory that has a sha in
 * it (the index's cache-tree) and contains no path of `dirty` is not built:
 * its sha is taken as is, as `git write-tree` does.
 */
export function buildTree(entries: Iterable<WorktreeEntry>, reuse?: { cacheTree: Map<string, string>; dirty: Iterable<string> }): TreeNode {
  const root = newNode('')
  const dirtyDirs = new Set<string>()
  if (reuse) {
    for (const path of reuse.dirty) {
      for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
        const dir = path.slice(0, cut)
        if (dirtyDirs.has(dir)) break
        dirtyDirs.add(dir)
      }
    }
    const rootOid = reuse.cacheTree.get('')
    if (rootOid && isEmpty(reuse.dirty)) {
      root.oid = rootOid
      return root
    }
  }
  // The open directories along the previous entry's path.
  const stack: TreeNode[] = [root]
  let stackParts: string[] = []
  let reused: string | null = null
  for (const entry of entries) {
    if (reused !== null && entry.path.startsWith(reused)) continue
    reused = null
    const path = entry.path.endsWith('/') ? entry.path.slice(0, -1) : entry.path
    const parts = path.split('/')
    const dirs = parts.length - 1
    let common = 0
    while (common < dirs && common < stackParts.length && stackParts[common] === parts[common]) common++
    stack.length = common + 1
    stackParts = parts.slice(0, dirs)
    let i = common
    for (; i < dirs; i++) {
      const parent = stack[i]!
      const name = parts[i]!
      const dirPath = parent.path === '' ? name : `${parent.path}/${name}`
      const known = reuse && !dirtyDirs.has(dirPath) ? reuse.cacheTree.get(dirPath) : undefined
      if (known) {
        parent.children.push({ name, mode: MODE_TREE, oid: known })
        reused = `${dirPath}/`
        stackParts = parts.slice(0, i)
        break
      }
      const child = newNode(dirPath)
      parent.children.push({ name, mode: MODE_TREE, oid: '', node: child })
      stack.push(child)
    }
    if (reused === null) stack[dirs]!.children.push({ name: parts[dirs]!, mode: entry.mode, oid: entry.oid })
  }
  hashNode(root)
  return root
}

function isEmpty(items: Iterable<string>): boolean {
  for (const _ of items) return false
  return true
}

function hashNode(node: TreeNode): void {
  let size = 0
  for (const child of node.children) {
    if (child.node) {
      hashNode(child.node)
      child.oid = child.node.oid
    }
    size += (child.mode === MODE_TREE ? 5 : 6) + 2 + Buffer.byteLength(child.name) + 20
  }
  const content = Buffer.allocUnsafe(size)
  let at = 0
  for (const child of node.children) {
    at += content.write(child.mode === MODE_TREE ? '40000 ' : `${child.mode.toString(8)} `, at, 'latin1')
    at += content.write(child.name, at, 'utf8')
    content[at++] = 0
    at += content.write(child.oid, at, 'hex')
  }
  node.content = content
  node.oid = hashObject('tree', content)
}

/**
 * Write the trees that are not stored yet. A tree named by a valid cache-tree
 * node, or already stored, has all its subtrees stored: its branch is skipped.
 * Returns the number of trees written.
 */
export function writeTree(node: TreeNode, db: ObjectDb, cacheTree: Map<string, string>): number {
  if (cacheTree.get(node.path) === node.oid || db.has(node.oid)) return 0
  let written = 1
  for (const child of node.children) if (child.node) written += writeTree(child.node, db, cacheTree)
  db.write('tree', node.content, node.oid)
  return written
}
