// Shared helpers for the benchmarks: timing, temp dirs, running the CLI.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const CLI = join(ROOT, 'bin', 'run.js')
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `trellis-bench-${prefix}-`))
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true })
}

/** Median wall time (ms) of `fn` over `runs` runs, after one warm-up. */
export async function median(fn, runs = 5) {
  await fn()
  const times = []
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

export function sh(cmd, args, cwd, options = {}) {
  const res = spawnSync(cmd, args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 1 << 28, ...options })
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr}`)
  return res.stdout
}

export function trellis(args, cwd) {
  return sh(process.execPath, [CLI, ...args], cwd)
}

export function git(args, cwd) {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' })
}

const rows = []

/** Record and print one comparison (`unit`: what trellisMs/baselineMs measure, ms unless said). */
export function report({ name, trellisMs, baselineName, baselineMs, target, extra = '', unit = 'ms' }) {
  const ratio = trellisMs / baselineMs
  const row = { name, trellisMs, baselineName, baselineMs, ratio, target, extra, unit }
  rows.push(row)
  console.log(
    `${name}: trellis ${trellisMs.toFixed(1)} ${unit}, ${baselineName} ${baselineMs.toFixed(1)} ${unit}, ratio ${ratio.toFixed(2)}x${extra ? `, ${extra}` : ''} (target: ${target})`,
  )
  return row
}

export function results() {
  return rows
}
