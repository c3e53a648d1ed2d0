/**
 * Temporary workspaces, `.dvc/tmp/exps/<id7>-<6 hex>/`:
 *
 * 1. the entry's commit is checked out by the experiment store
 *    (`checkoutTree`): a tiny `.git` of its own (index, HEAD detached at the
 *    baseline) whose objects are the main repository's: no clone, no object
 *    copied; git commands in stages work there;
 * 2. `.dvc/config.local` points `cache.dir` at the main repository's cache
 *    (the user's own `config.local` settings are kept) and sets the link
 *    types (see {@link tempLinkTypes});
 * 3. `.dvc/tmp/repro.dat` (DVC's packed arguments) is deleted;
 * 4. every cached output recorded in dvc.lock / .dvc files is linked from the
 *    cache and its hash recorded in the workspace's state db, so the data is
 *    neither copied nor hashed again (`checkoutWorkspace`).
 *
 * The workspace has its own `.dvc/tmp/lock`. It is removed after the run,
 * whatever happened; one left by a killed runner is removed by the next
 * runner's recovery, after killing the processes still running in it.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, chmodSync, type Dirent } from 'node:fs'
import { rm } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { procStat } from './records.js'
import type { GitRepository, RunWorkspace, Trellis, WorkspaceProvider } from '@trellis/core/plugin-api'

export const WORKSPACE_RE = /^[0-9a-f]{7}-[0-9a-f]{6}$/

/**
 * Link types for temporary workspaces. When the user's `cache.type` allows
 * copies (the default `reflink,copy` does), links are preferred before the
 * copy: reflink, the user's other types, hardlink, then copy. Cache objects
 * are read-only and a stage's outputs are deleted (not written in place)
 * before it runs, so a hardlink cannot change the cache — unless a stage
 * writes into one of its dependencies in place as root. Without `copy`
 * in the list, the user's types are kept as they are.
 */
export function tempLinkTypes(userTypes: readonly string[]): string[] {
  if (!userTypes.includes('copy')) return [...userTypes]
  const out = ['reflink']
  for (const t of userTypes) if (t !== 'copy' && !out.includes(t)) out.push(t)
  if (!out.includes('hardlink')) out.push('hardlink')
  out.push('copy')
  return out
}

/** The `temp` workspace provider: {@link createTempWorkspace} and {@link removeTempWorkspace}, bound to a project. */
export function tempWorkspaceProvider(project: Trellis): WorkspaceProvider {
  return {
    name: 'temp',
    create: (store, entry, dir) => createTempWorkspace(project, store, entry, dir),
    remove: removeTempWorkspace,
  }
}

export async function createTempWorkspace(
  project: Trellis,
  store: GitRepository,
  entry: { id: string; baseline: string; request?: { cwd: string } },
  dir: string,
): Promise<RunWorkspace> {
  mkdirSync(dir, { recursive: true })
  await store.checkoutTree(entry.id, dir, { head: entry.baseline })
  const root = join(dir, relative(project.gitRoot, project.root))
  // the checked-out tree may hold symlinks (a `.dvc` or `.dvc/tmp` link): Trellis' own files go through the guard too
  const guard = new project.core.WorkTreeGuard(root)
  const internal = { internal: true, source: 'a temporary workspace' }
  const reproDat = guard.path('.dvc/tmp/repro.dat', internal)
  const localConfig = guard.path('.dvc/config.local', internal)
  rmSync(reproDat, { force: true })
  mkdirSync(dirname(reproDat), { recursive: true })
  await writeLocalConfig(project, localConfig)
  const dvcConfig = await project.core.loadDvcConfig(root)
  const checkout = await project.core.checkoutWorkspace({ root, dvcConfig, settings: project.settings })
  const cwd = join(dir, entry.request?.cwd ?? relative(project.gitRoot, project.root))
  return { dir, root, cwd: existsSync(cwd) ? cwd : root, checkout }
}

/** The user's `.dvc/config.local`, with `cache.dir` = the shared cache and the temp link types, written to `target`. */
async function writeLocalConfig(project: Trellis, target: string): Promise<void> {
  let sections: Record<string, Record<string, string>> = {}
  try {
    sections = project.core.parseIni(readFileSync(join(project.dvcDir, 'config.local'), 'utf8'), '.dvc/config.local')
  } catch {
    // none, or unreadable: the main project would have failed to open on a bad one
  }
  sections.cache = { ...sections.cache, dir: project.dvcConfig.cacheDir, type: tempLinkTypes(project.dvcConfig.cacheTypes).join(',') }
  const text = Object.entries(sections)
    .map(([name, values]) => `[${name.includes(' ') ? `'${name}'` : name}]\n${Object.entries(values).map(([k, v]) => `    ${k} = ${v}\n`).join('')}`)
    .join('')
  await project.core.writeFileAtomic(target, text)
}

/**
 * Remove a temp workspace (read-only directories included; links into the
 * cache are unlinked, never followed). Asynchronous: the unlinking happens off
 * the main thread while other entries go on.
 */
export async function removeTempWorkspace(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'ENOTEMPTY' && code !== 'EBUSY') throw error
    makeWritable(dir)
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
}

function makeWritable(dir: string): void {
  const stack = [dir]
  while (stack.length) {
    const d = stack.pop()!
    try {
      chmodSync(d, 0o755)
    } catch {
      continue
    }
    let names: Dirent[]
    try {
      names = readdirSync(d, { withFileTypes: true })
    } catch {
      continue
    }
    for (const n of names) if (n.isDirectory()) stack.push(join(d, n.name))
  }
}

/**
 * Kill the processes whose working directory is inside `dir` (stages a
 * killed runner left running), with their process groups. Linux only
 * (reads /proc); elsewhere nothing is done.
 */
export function killProcessesIn(dir: string): number {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n))
  } catch {
    return 0
  }
  let killed = 0
  for (const pid of pids) {
    let cwd: string
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, '')
    } catch {
      continue
    }
    if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue
    const n = Number(pid)
    if (n === process.pid) continue
    const pgrp = Number(procStat(n)?.[2] ?? 0)
    try {
      if (pgrp > 1 && pgrp !== process.pid && pgrp !== Number(procStat('self')?.[2])) process.kill(-pgrp, 'SIGKILL')
    } catch {
      // gone, or not ours
    }
    try {
      process.kill(n, 'SIGKILL')
      killed++
    } catch {
      // gone
    }
  }
  return killed
}

/** Temp workspace directories under `.dvc/tmp/exps/`. */
export function listTempWorkspaces(expsDir: string): string[] {
  try {
    return readdirSync(expsDir).filter((n) => WORKSPACE_RE.test(n) && lstatSync(join(expsDir, n)).isDirectory())
  } catch {
    return []
  }
}
