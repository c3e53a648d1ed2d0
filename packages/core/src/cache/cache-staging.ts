/**
 * Where objects are written before they are renamed into the cache: one staging directory,
 * `<cache>/.trellis-staging/`, on the cache's file system (so the rename stays atomic), with
 * files named `<pid>-<n>.tmp`. A process killed mid-write (kill -9, power loss) leaves its
 * temp file there, never in a shard, so it can never be taken for an object; the next command
 * that takes the project lock removes the files of dead processes (`cleanStaging`), which
 * costs one directory listing of the leftovers and of the writes in progress, however big
 * the cache is.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

export const STAGING_DIR = '.trellis-staging'

const made = new Set<string>()
let counter = 0

/** A fresh temp path in the staging directory of `cacheDir` (the directory is created once). */
export function stagingFile(cacheDir: string): string {
  const dir = join(cacheDir, STAGING_DIR)
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true })
    made.add(dir)
  }
  return join(dir, `${process.pid}-${(counter++).toString(36)}.tmp`)
}

/** The process `pid` still runs (EPERM: it runs as someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Remove the staged files of processes that are gone (a cache may be shared by several
 * projects, so a live writer's files stay). Returns how many were removed.
 */
export function cleanStaging(cacheDir: string): number {
  let names: string[]
  try {
    names = readdirSync(join(cacheDir, STAGING_DIR))
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1])
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || isAlive(pid))) continue
    rmSync(join(cacheDir, STAGING_DIR, name), { recursive: true, force: true })
    removed++
  }
  return removed
}
