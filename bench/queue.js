// The experiment queue (`trellis exp run --queue` / `--run-all -j N`):
//
// 1. 8 queued experiments of a 1 s CPU-bound stage: `--run-all -j 2` against `-j 1`
//    on this 2-core machine. Target: -j 2 wall <= 0.6x of -j 1.
// 2. Temporary workspace set-up for a project with 1 GiB of cached data in 1,000 files
//    (the data produced by a stage and cached with the default cache.type reflink,copy):
//    Trellis' set-up (tree checkout + data linked from the cache + hashes seeded) against
//    `cp -r` of the data (what a copy-based temp workspace pays). Targets: < 500 ms, and
//    the filesystem's used space grows by less than 1% of the data size.
// 3. 100 queued 0.1 s experiments (`sleep 0.1`) with `-j 4`: every experiment present
//    afterwards, none lost; overhead per experiment = (wall - 100 x 0.1 s / 4) / 100.
//    Target: < 300 ms. Entries are queued through the Node API (the per-entry cost is
//    printed too); the run is the CLI.
//
// Sizes: BENCH_QUEUE_DATA_MB (default 1024), BENCH_QUEUE_FILES (1000), BENCH_QUEUE_MANY (100);
// BENCH_QUEUE_ONLY=parallel|setup|many runs one measurement.
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, git, report, sh, tempDir, trellis } from './lib.js'

const DATA_MB = Number(process.env.BENCH_QUEUE_DATA_MB ?? 1024)
const DATA_FILES = Number(process.env.BENCH_QUEUE_FILES ?? 1000)
const MANY = Number(process.env.BENCH_QUEUE_MANY ?? 100)

async function api(dir) {
  const core = await import('@trellis/core')
  const [{ gitRefsPlugin }, { queuePlugin }] = await Promise.all([import('@trellis/plugin-git-refs'), import('@trellis/plugin-queue')])
  const project = await core.openProject(dir, { defaultPlugins: async () => [gitRefsPlugin, queuePlugin] })
  // the temp workspace provider, as the queue runner gets it
  const workspaces = await project.services.get('workspaceProvider')
  return { core, project, workspaces }
}

function repo(prefix, files) {
  const dir = tempDir(prefix)
  git(['init', '-q'], dir)
  trellis(['init', '-q'], dir)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  git(['add', '-A'], dir)
  git(['commit', '-qm', 'base'], dir)
  return dir
}

async function queueMany(dir, values) {
  const { core, project } = await api(dir)
  const t = performance.now()
  for (const v of values) await core.queueExperiment(project, { setParams: [`p=${v}`] })
  return (performance.now() - t) / values.length
}

function runAll(dir, jobs) {
  const t = performance.now()
  trellis(['exp', 'run', '--run-all', '-q', '-j', String(jobs)], dir)
  return performance.now() - t
}

async function parallelSpeedup() {
  const dir = repo('queue-j', {
    'params.yaml': 'p: 0\n',
    'dvc.yaml': 'stages:\n  burn:\n    cmd: node -e "const e=Date.now()+1000;while(Date.now()<e){}" && echo done > out.txt\n    params: [p]\n    outs: [out.txt]\n',
  })
  try {
    await queueMany(dir, [1, 2, 3, 4, 5, 6, 7, 8])
    const one = runAll(dir, 1)
    await queueMany(dir, [11, 12, 13, 14, 15, 16, 17, 18])
    const two = runAll(dir, 2)
    const refs = git(['for-each-ref', 'refs/exps'], dir).trim().split('\n').length
    report({ name: '8 queued 1 s CPU-bound experiments, --run-all -j 2', trellisMs: two, baselineName: '-j 1', baselineMs: one, target: '<= 0.6x', extra: `${refs} experiments` })
  } finally {
    cleanup(dir)
  }
}

async function tempWorkspaceSetup() {
  const perFile = Math.round((DATA_MB * 1024 * 1024) / DATA_FILES)
  const gen = `const fs=require('fs'),c=require('crypto');fs.mkdirSync('data');for(let i=0;i<${DATA_FILES};i++)fs.writeFileSync('data/f'+i,c.randomBytes(${perFile}))\n`
  const dir = repo('queue-ws', {
    'params.yaml': 'p: 0\n',
    'gen.cjs': gen,
    'dvc.yaml': 'stages:\n  gen:\n    cmd: node gen.cjs\n    deps: [gen.cjs]\n    outs: [data]\n  use:\n    cmd: ls data | wc -l > n.txt\n    deps: [data]\n    params: [p]\n    outs: [n.txt]\n',
  })
  try {
    trellis(['repro', '-q'], dir) // 1 GiB made and cached
    git(['add', '-A'], dir)
    git(['commit', '-qm', 'data'], dir)
    const { core, project, workspaces } = await api(dir)
    const { entry } = await core.queueExperiment(project, { setParams: ['p=1'] })
    const store = await core.gitRepository(project)
    const times = []
    let grewBytes = 0
    for (let i = 0; i < 5; i++) {
      const ws = join(project.tmpDir, 'exps', `${entry.id.slice(0, 7)}-bench${i}`)
      const before = statfsSync(dir)
      const t = performance.now()
      const made = await workspaces.create(store, entry, ws)
      times.push(performance.now() - t)
      const after = statfsSync(dir)
      grewBytes = Math.max(grewBytes, (before.bavail - after.bavail) * before.bsize)
      if (made.checkout.files < DATA_FILES) throw new Error(`expected ${DATA_FILES} files linked, got ${made.checkout.files}`)
      await workspaces.remove(ws)
    }
    times.sort((a, b) => a - b)
    const ours = times[2]
    const copyDir = join(dir, 'copy-baseline')
    const t = performance.now()
    sh('cp', ['-r', join(dir, 'data'), copyDir], dir)
    const cp = performance.now() - t
    const dataBytes = DATA_MB * 1024 * 1024
    report({
      name: `temp workspace set-up, ${DATA_MB} MiB cached in ${DATA_FILES} files`,
      trellisMs: ours,
      baselineName: 'cp -r data',
      baselineMs: cp,
      target: '< 500 ms and disk growth < 1% of the data',
      extra: `disk growth ${(grewBytes / 1024).toFixed(0)} KiB = ${((100 * grewBytes) / dataBytes).toFixed(3)}% of the data`,
    })
  } finally {
    cleanup(dir)
  }
}

async function manySmall() {
  const dir = repo('queue-many', {
    'params.yaml': 'p: 0\n',
    'dvc.yaml': 'stages:\n  s:\n    cmd: sleep 0.1 && echo done > out.txt\n    params: [p]\n    outs: [out.txt]\n',
  })
  try {
    const values = Array.from({ length: MANY }, (_, i) => i + 1)
    const queueMs = await queueMany(dir, values)
    const wall = runAll(dir, 4)
    const refs = git(['for-each-ref', '--format=%(refname)', 'refs/exps'], dir).trim().split('\n').filter((r) => r && r !== 'refs/exps/stash')
    const distinct = new Set(refs.map((r) => git(['show', `${r}:params.yaml`], dir))).size
    const ideal = (MANY * 100) / 4
    const perExp = (wall - ideal) / MANY
    report({
      name: `${MANY} queued 0.1 s experiments, --run-all -j 4`,
      trellisMs: wall,
      baselineName: `ideal ${MANY} x 0.1 s / 4`,
      baselineMs: ideal,
      target: 'all present; overhead < 300 ms per experiment',
      extra: `${refs.length}/${MANY} experiments (${distinct} distinct params), overhead ${perExp.toFixed(0)} ms per experiment; queueing (API) ${queueMs.toFixed(0)} ms per entry`,
    })
    if (refs.length !== MANY || distinct !== MANY) throw new Error(`experiments lost: ${refs.length} refs, ${distinct} distinct`)
  } finally {
    cleanup(dir)
  }
}

export default async function queue() {
  const only = process.env.BENCH_QUEUE_ONLY // parallel | setup | many
  if (!only || only === 'parallel') await parallelSpeedup()
  if (!only || only === 'setup') await tempWorkspaceSetup()
  if (!only || only === 'many') await manySmall()
}
