#!/usr/bin/env node
// Experiment snapshot cost (what `exp run` adds to `repro`): both backends of
// @trellis/plugin-git-refs on a repo of 5,000 tracked files plus a git-ignored,
// untracked 50,000-file .venv, with 11 tracked files changed per run.
//   native  (default when git is on PATH) git add -u + write-tree on a temp
//           GIT_INDEX_FILE, the commit object written in process
//   fs      (default without git) in process: index stat data -> hash the
//           changed files -> loose objects
// Baseline: the git plumbing run directly (cp index, add -u, add dvc.lock,
// write-tree, commit-tree): what a DVC-style commit costs at least.
// Each measured snapshot runs in a fresh Node process (as a CLI call would), timed
// from the plugin's import (then apply, then the gitRepository service, which
// imports the store) to the returned sha; @trellis/core is loaded before the clock
// starts because the CLI has always loaded it by then. Every run checks the
// trees against git's and that .git/index is unchanged. Target: < 150 ms.
// Standalone: `node bench/exp-store-snapshot.js [--runs N] [--iso-status]`
// (BENCH_FILES and BENCH_VENV change the sizes; --iso-status adds isomorphic-git's
// own statusMatrix for reference).
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { GIT_ENV, ROOT, cleanup, report, tempDir } from './lib.js'

const FILES = Number(process.env.BENCH_FILES ?? 5000)
const VENV = Number(process.env.BENCH_VENV ?? 50000)
const CHANGED = 10
const BUDGET_MS = 150

const PLUGIN = pathToFileURL(join(ROOT, 'packages/plugin-git-refs/dist/index.js')).href
const CORE = pathToFileURL(join(ROOT, 'packages/core/dist/index.js')).href

const CHILD = `
const [root, backend, parent, plugin, core] = process.argv.slice(1)
const { ServiceRegistry, createHooks } = await import(core)
const t0 = performance.now()
const { default: gitRefs } = await import(plugin)
const trellis = { root, gitRoot: root, hooks: createHooks(), services: new ServiceRegistry(), settings: {} }
await gitRefs.apply(trellis, { backend })
const store = await trellis.services.get('gitRepository')
const t1 = performance.now()
const sha = await store.snapshot({ parent, message: 'dvc: commit experiment bench', include: ['dvc.lock'] })
const t2 = performance.now()
const again = await store.snapshot({ parent, message: 'dvc: commit experiment bench 2', include: ['dvc.lock'] })
const t3 = performance.now()
const { execFileSync } = await import('node:child_process')
const tree = execFileSync('git', ['rev-parse', sha + '^{tree}'], { cwd: root, encoding: 'utf8' }).trim()
console.log(JSON.stringify({ importMs: t1 - t0, snapshotMs: t2 - t1, totalMs: t2 - t0, warmMs: t3 - t2, tree }))
`

const ISO_STATUS = `
const [root] = process.argv.slice(1)
const fs = await import('node:fs')
const t0 = performance.now()
const git = (await import('isomorphic-git')).default
const t1 = performance.now()
// bigint-stat fs (the nanosecond fix from the toolchain notes)
const wrap = (fn) => async (p) => {
  const s = await fn(p, { bigint: true })
  const n = (v) => Number(v)
  return Object.assign(Object.create(Object.getPrototypeOf(await fn(p))), {
    dev: n(s.dev), ino: n(s.ino), mode: n(s.mode), uid: n(s.uid), gid: n(s.gid), size: n(s.size),
    ctimeSeconds: n(s.ctimeNs / 1000000000n), ctimeNanoseconds: n(s.ctimeNs % 1000000000n),
    mtimeSeconds: n(s.mtimeNs / 1000000000n), mtimeNanoseconds: n(s.mtimeNs % 1000000000n),
    ctimeMs: n(s.ctimeMs), mtimeMs: n(s.mtimeMs),
    isFile: () => s.isFile(), isDirectory: () => s.isDirectory(), isSymbolicLink: () => s.isSymbolicLink(),
  })
}
const bfs = { promises: { ...fs.promises, lstat: wrap(fs.promises.lstat), stat: wrap(fs.promises.stat) } }
const matrix = await git.statusMatrix({ fs: bfs, dir: root, cache: {} })
const t2 = performance.now()
console.log(JSON.stringify({ importMs: t1 - t0, statusMs: t2 - t1, entries: matrix.length }))
`

function git(args, cwd, env = GIT_ENV) {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 }).trim()
}

function md5(path) {
  return createHash('md5').update(readFileSync(path)).digest('hex')
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function child(code, args) {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', code, ...args], { env: GIT_ENV, encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`child failed: ${res.stderr}`)
  return JSON.parse(res.stdout.trim().split('\n').pop())
}

function buildRepo() {
  const dir = tempDir('exp-store')
  const dirs = Math.ceil(FILES / 100)
  for (let d = 0; d < dirs; d++) {
    mkdirSync(join(dir, 'src', `pkg${d}`), { recursive: true })
    for (let f = 0; f < 100 && d * 100 + f < FILES; f++) {
      writeFileSync(join(dir, 'src', `pkg${d}`, `mod${f}.py`), `# module ${d}/${f}\n${'x = 1\n'.repeat(30 + ((d * 7 + f) % 300))}`)
    }
  }
  for (let d = 0; d < Math.ceil(VENV / 100); d++) {
    mkdirSync(join(dir, '.venv', 'lib', `site${d}`), { recursive: true })
    for (let f = 0; f < 100 && d * 100 + f < VENV; f++) writeFileSync(join(dir, '.venv', 'lib', `site${d}`, `f${f}.py`), `${d}/${f}\n`)
  }
  writeFileSync(join(dir, '.gitignore'), '.venv/\n')
  writeFileSync(join(dir, 'params.yaml'), 'lr: 0.1\n')
  writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  train:\n    cmd: python src/pkg0/mod0.py\n    params: [lr]\n')
  writeFileSync(join(dir, 'dvc.lock'), 'schema: "2.0"\nstages: {}\n')
  git(['init', '-q', '-b', 'main'], dir)
  git(['add', '-A'], dir)
  git(['commit', '-q', '-m', 'baseline'], dir)
  return dir
}

/** What an experiment run leaves behind: params, lock file and a few sources changed. */
function mutate(dir, run) {
  writeFileSync(join(dir, 'params.yaml'), `lr: 0.${run + 2}\n`)
  writeFileSync(join(dir, 'dvc.lock'), `schema: "2.0"\nstages:\n  train:\n    run: ${run}\n`)
  for (let k = 0; k < CHANGED - 1; k++) {
    const d = (run * 13 + k * 7) % Math.ceil(FILES / 100)
    writeFileSync(join(dir, 'src', `pkg${d}`, `mod${k}.py`), `# run ${run} change ${k}\n`)
  }
}

/** The floor: git plumbing on a temp index, run directly. */
function baseline(dir, parent) {
  const t0 = performance.now()
  const tmp = join(dir, '.git', 'bench-index')
  copyFileSync(join(dir, '.git', 'index'), tmp)
  const second = Math.floor(statSync(join(dir, '.git', 'index')).mtimeMs / 1000)
  utimesSync(tmp, second, second)
  const env = { ...GIT_ENV, GIT_INDEX_FILE: tmp }
  git(['add', '-u'], dir, env)
  git(['add', '--', 'dvc.lock'], dir, env)
  const tree = git(['write-tree'], dir, env)
  git(['commit-tree', tree, '-p', parent, '-m', 'baseline'], dir, env)
  const ms = performance.now() - t0
  rmSync(tmp, { force: true })
  return { ms, tree }
}

export default async function expStoreSnapshot(options = {}) {
  const runs = options.runs ?? 7
  const t = performance.now()
  const dir = buildRepo()
  console.log(`repo: ${FILES} tracked files, ${VENV} ignored files in .venv, ${CHANGED + 1} files changed per run (built in ${((performance.now() - t) / 1000).toFixed(1)} s)`)
  try {
    const parent = git(['rev-parse', 'HEAD'], dir)
    const indexMd5 = md5(join(dir, '.git', 'index'))
    const rows = { fs: [], native: [], git: [] }
    for (let run = 0; run <= runs; run++) {
      mutate(dir, run)
      const order = run % 2 === 0 ? ['fs', 'native'] : ['native', 'fs']
      const got = {}
      for (const backend of order) got[backend] = child(CHILD, [dir, backend, parent, PLUGIN, CORE])
      const base = baseline(dir, parent)
      if (got.fs.tree !== base.tree || got.native.tree !== base.tree) {
        throw new Error(`tree mismatch: fs ${got.fs.tree}, native ${got.native.tree}, git ${base.tree}`)
      }
      if (md5(join(dir, '.git', 'index')) !== indexMd5) throw new Error('.git/index changed')
      if (run === 0) continue // warm-up (page cache)
      rows.fs.push(got.fs)
      rows.native.push(got.native)
      rows.git.push(base.ms)
    }
    const m = (list, key) => median(list.map((r) => r[key]))
    const gitMs = median(rows.git)
    console.log(`median of ${runs} runs; each backend in a fresh process; trees equal to git's; .git/index unchanged`)
    console.log('| backend | load plugin + store | snapshot | total | 2nd snapshot, same process | total vs git plumbing |')
    console.log('|---|---|---|---|---|---|')
    for (const backend of ['native', 'fs']) {
      const r = rows[backend]
      console.log(
        `| ${backend} | ${m(r, 'importMs').toFixed(1)} ms | ${m(r, 'snapshotMs').toFixed(1)} ms | ${m(r, 'totalMs').toFixed(1)} ms | ${m(r, 'warmMs').toFixed(1)} ms | ${(m(r, 'totalMs') / gitMs).toFixed(2)}x |`,
      )
    }
    console.log(`| git plumbing (baseline) | | | ${gitMs.toFixed(1)} ms | | 1.00x |`)
    console.log(`fs / native: ${(m(rows.fs, 'totalMs') / m(rows.native, 'totalMs')).toFixed(2)}x`)
    report({
      name: `exp snapshot (native, default): ${FILES} files + ${VENV}-file ignored .venv`,
      trellisMs: m(rows.native, 'totalMs'),
      baselineName: 'git plumbing',
      baselineMs: gitMs,
      target: `< ${BUDGET_MS} ms`,
      extra: `fs backend ${m(rows.fs, 'totalMs').toFixed(1)} ms`,
    })
    if (options.isoStatus) {
      const iso = []
      for (let i = 0; i < 3; i++) iso.push(child(ISO_STATUS, [dir]))
      console.log(
        `isomorphic-git statusMatrix alone (bigint-stat fs), for reference: import ${median(iso.map((r) => r.importMs)).toFixed(0)} ms, status ${median(iso.map((r) => r.statusMs)).toFixed(0)} ms (${iso[0].entries} entries)`,
      )
    }
  } finally {
    cleanup(dir)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--runs')
  await expStoreSnapshot({ runs: at > 0 ? Number(process.argv[at + 1]) : undefined, isoStatus: process.argv.includes('--iso-status') })
}
