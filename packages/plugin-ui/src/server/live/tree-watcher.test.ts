import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TreeWatcher } from './tree-watcher.js'

let dir: string
let watcher: TreeWatcher | undefined
afterEach(() => {
  watcher?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Resolves once `seen` holds `count` reports of `path`. */
function reported(seen: string[], path: string, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (seen.filter((p) => p === path).length >= count) {
        clearInterval(check)
        resolve()
      }
    }, 5)
  })
}

describe('TreeWatcher', () => {
  it('reports every rewrite of an existing ref (git renames <ref>.lock over it), in directories made after it started', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-tree-watch-'))
    execFileSync('git', ['init', '-q', dir])
    for (const m of ['a', 'b']) execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', m])
    const seen: string[] = []
    watcher = new TreeWatcher(join(dir, '.git', 'refs'), (path) => seen.push(path), (error) => {
      throw error
    }, (d) => d === '' || d === 'exps' || d.startsWith('exps/'))
    watcher.start()
    execFileSync('git', ['-C', dir, 'update-ref', 'refs/exps/ab/cd/x', 'HEAD'])
    await reported(seen, 'exps/ab/cd/x', 1) // its directories are new: found by the scan of a new directory, or by the watch
    const before = seen.filter((p) => p === 'exps/ab/cd/x').length
    // (git leaves a ref whose value does not change untouched: alternate the commits)
    for (const rev of ['HEAD~1', 'HEAD', 'HEAD~1']) execFileSync('git', ['-C', dir, 'update-ref', 'refs/exps/ab/cd/x', rev])
    // three rewrites: each ends with the rename of x.lock onto x, which names x
    await reported(seen, 'exps/ab/cd/x', before + 3)
    expect(watcher.size).toBe(4) // refs, exps, exps/ab, exps/ab/cd — not heads or tags
  })

  it('reports the files a new directory already holds, and drops the watches of a removed one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-tree-watch-'))
    const seen: string[] = []
    watcher = new TreeWatcher(dir, (path) => seen.push(path), (error) => {
      throw error
    })
    watcher.start()
    mkdirSync(join(dir, 'a', 'b'), { recursive: true })
    writeFileSync(join(dir, 'a', 'b', 'f'), 'x')
    await reported(seen, 'a/b/f', 1)
    expect(watcher.size).toBe(3)
    rmSync(join(dir, 'a'), { recursive: true })
    await reported(seen, 'a', 2)
    expect(watcher.size).toBe(1)
  })
})
