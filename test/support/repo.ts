/**
 * Real git repositories in temporary directories, driven through the built CLI
 * (`bin/run.js`) exactly as a user runs it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/run.js')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of CLI runs: the test runner's, minus NODE_ENV (vitest sets it to `test`,
 * which makes oclif look for TypeScript sources and costs ~0.8 s per run).
 */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV, NO_COLOR: '1', ...extra }
  if (!('NODE_ENV' in extra)) delete env.NODE_ENV
  return env
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Trellis Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Trellis Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
}

export class Repo {
  constructor(readonly dir: string) {}

  path(rel: string): string {
    return join(this.dir, rel)
  }

  write(rel: string, content: string | Uint8Array): this {
    mkdirSync(dirname(this.path(rel)), { recursive: true })
    writeFileSync(this.path(rel), content)
    return this
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), 'utf8')
  }

  exists(rel: string): boolean {
    return existsSync(this.path(rel))
  }

  /** Nobody holds the flock(2) lock on `rel` (`.dvc/tmp/lock`, DVC's and Trellis' project lock). */
  isUnlocked(rel: string): boolean {
    try {
      execFileSync('flock', ['-n', '-E', '75', this.path(rel), 'true'])
      return true
    } catch {
      return false
    }
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim()
  }

  commitAll(message = 'commit'): string {
    this.git('add', '-A')
    this.git('commit', '-q', '-m', message)
    return this.git('rev-parse', 'HEAD')
  }

  /** Run the CLI to completion. */
  run(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
    return new Promise((resolvePromise, reject) => {
      const child = this.spawn(args, options)
      let stdout = ''
      let stderr = ''
      child.stdout!.on('data', (d) => (stdout += d))
      child.stderr!.on('data', (d) => (stderr += d))
      child.on('error', reject)
      child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr }))
    })
  }

  /** Start the CLI and return the process (for signal tests). */
  spawn(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
    return spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ? this.path(options.cwd) : this.dir,
      env: cliEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** A git repository (optionally `trellis init`-ed and committed) holding `files`. */
export function makeRepo(files: Record<string, string> = {}, options: { init?: boolean; commit?: boolean } = {}): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-test-'))
  const repo = new Repo(dir)
  repo.git('init', '-q', '-b', 'main')
  if (options.init !== false) {
    execFileSync(process.execPath, [CLI, 'init', '-q'], { cwd: dir, env: cliEnv() })
  }
  for (const [rel, content] of Object.entries(files)) repo.write(rel, content)
  if (options.commit !== false) repo.commitAll('initial')
  return repo
}
