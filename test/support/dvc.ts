/**
 * The real DVC, installed by `scripts/setup-dvc.sh` (run by `npm test`) into
 * `.venvs/<name>`: `dvc2` = 2.58.2, `dvc3` = the latest 3.x, `dvc28` = 2.8.3.
 * Interop tests drive it and the built Trellis CLI on the same repositories.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Repo, RunResult } from './repo.js'

export type DvcName = 'dvc2' | 'dvc3' | 'dvc28'

const VENVS = resolve(dirname(fileURLToPath(import.meta.url)), '../../.venvs')

export function venvBin(name: DvcName, bin = 'dvc'): string {
  const path = join(VENVS, name, 'bin', bin)
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/setup-dvc.sh (npm test does)`)
  return path
}

export const DVC_ENV = {
  DVC_NO_ANALYTICS: '1',
  GIT_AUTHOR_NAME: 'Trellis Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Trellis Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
}

function runProcess(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(file, args, { cwd, env: { ...process.env, ...DVC_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', rej)
    child.on('close', (code) => res({ code: code ?? 1, stdout, stderr }))
  })
}

/** Run `dvc <args>` of venv `name` in the repo (or a sub-directory of it). */
export function dvc(name: DvcName, repo: Repo, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return runProcess(venvBin(name), args, options.cwd ? repo.path(options.cwd) : repo.dir, options.env)
}

/** Run the venv's python (with dvc importable) in the repo. */
export function dvcPython(name: DvcName, repo: Repo, code: string, args: string[] = []): Promise<RunResult> {
  return runProcess(venvBin(name, 'python'), ['-c', code, ...args], repo.dir)
}

/** `dvc <args>` must succeed; returns stdout. */
export async function dvcOk(name: DvcName, repo: Repo, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const res = await dvc(name, repo, args, options)
  if (res.code !== 0) throw new Error(`dvc ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}
