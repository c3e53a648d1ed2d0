// Checkpoints.
// 1. Signal -> release latency of one checkpoint of a stage whose checkpoint output is a
//    10 MB file that changes every epoch (hash, copy into the cache, dvc.lock, commit, ref),
//    as the training program sees it: from creating .dvc/tmp/DVC_CHECKPOINT to the file
//    being gone (the program polls every 1 ms). Baseline: `md5sum` of the same 10 MB file +
//    `git add` + `git commit` of it. Target: < 150 ms.
// 2. Reading an experiment of 200 checkpoints as `exp show --json` does: `trellis exp show
//    --json` when the command exists in this build, else the same reads through the Node
//    API in a fresh process (refs, the chain, params.yaml + metrics.json + dvc.lock of every
//    commit). Baseline: `git log --first-parent` + `git cat-file --batch` of the same files.
//    Target: < 1 s (DVC users reported 138 s).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CLI, GIT_ENV, ROOT, cleanup, git, median, report, sh, tempDir, trellis } from './lib.js'

const EPOCHS = Number(process.env.BENCH_CHECKPOINTS ?? 15)
const CHAIN = Number(process.env.BENCH_CHAIN ?? 200)
const SIZE = 10 * 1024 * 1024

const TRAIN = `import { closeSync, existsSync, fsyncSync, openSync, writeFileSync } from 'node:fs'
const epochs = Number(process.env.EPOCHS), size = Number(process.env.SIZE)
const model = Buffer.alloc(size)
for (let i = 0; i < size; i += 4) model.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i)
const latencies = []
for (let e = 0; e < epochs; e++) {
  for (let i = 0; i < 4096; i++) model[(Math.random() * size) | 0] = e & 255
  writeFileSync('model.bin', model)
  writeFileSync('metrics.json', JSON.stringify({ epoch: e, loss: 1 / (e + 1) }))
  const t0 = performance.now()
  const fd = openSync('.dvc/tmp/DVC_CHECKPOINT', 'w'); fsyncSync(fd); closeSync(fd)
  while (existsSync('.dvc/tmp/DVC_CHECKPOINT')) await new Promise((r) => setTimeout(r, 1))
  latencies.push(performance.now() - t0)
}
writeFileSync(process.env.BENCH_OUT, JSON.stringify(latencies))
`

const DVC_YAML = 'stages:\n  train:\n    cmd: node train.mjs\n    params: [lr]\n    outs:\n    - model.bin:\n        checkpoint: true\n    metrics:\n    - metrics.json:\n        cache: false\n'

function project(prefix) {
  const dir = tempDir(prefix)
  git(['init', '-q'], dir)
  trellis(['init', '-q'], dir)
  writeFileSync(join(dir, 'train.mjs'), TRAIN)
  writeFileSync(join(dir, 'dvc.yaml'), DVC_YAML)
  writeFileSync(join(dir, 'params.yaml'), 'lr: 0.1\n')
  git(['add', '-A'], dir)
  git(['commit', '-qm', 'base'], dir)
  return dir
}

function runCheckpoints(dir, epochs, size) {
  const out = join(dir, '..', `${dir.split('/').pop()}-latencies.json`)
  const t0 = performance.now()
  sh(process.execPath, [CLI, 'exp', 'run', '-q'], dir, { env: { ...GIT_ENV, EPOCHS: String(epochs), SIZE: String(size), BENCH_OUT: out } })
  const total = performance.now() - t0
  const latencies = JSON.parse(readFileSync(out, 'utf8'))
  cleanup(out)
  return { latencies, total }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]

async function latency() {
  const dir = project('ckpt')
  const base = tempDir('ckpt-base')
  try {
    const { latencies } = runCheckpoints(dir, EPOCHS, SIZE)
    const sorted = [...latencies].slice(1).sort((a, b) => a - b) // the first one also creates the ref
    const ours = pct(sorted, 50)

    git(['init', '-q'], base)
    const model = Buffer.alloc(SIZE)
    for (let i = 0; i < SIZE; i += 4) model.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i)
    let e = 0
    const baseline = await median(() => {
      for (let i = 0; i < 4096; i++) model[(Math.random() * SIZE) | 0] = e & 255
      writeFileSync(join(base, 'model.bin'), model)
      writeFileSync(join(base, 'metrics.json'), JSON.stringify({ epoch: e++ }))
      sh('sh', ['-c', 'md5sum model.bin >/dev/null && git add model.bin metrics.json && git commit -qm checkpoint'], base)
    }, 7)
    report({
      name: `checkpoint signal -> release, 10 MB output (${EPOCHS} checkpoints)`,
      trellisMs: ours,
      baselineName: 'md5sum + git add + git commit',
      baselineMs: baseline,
      target: '< 150 ms',
      extra: `p95 ${pct(sorted, 95).toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms, first ${latencies[0].toFixed(1)} ms`,
    })
  } finally {
    cleanup(dir)
    cleanup(base)
  }
}

const API_READ = `
const { openProject, gitRepository, experimentStore, listExpRefs, checkpointChain } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'packages/core/dist/index.js')).href)})
const { gitRefsPlugin } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'packages/plugin-git-refs/dist/index.js')).href)})
const project = await openProject(process.cwd(), { defaultPlugins: async () => [gitRefsPlugin] })
const store = await gitRepository(project)
const head = await store.head()
const out = { [head]: {} }
for (const exp of await listExpRefs(await experimentStore(project))) {
  const chain = await checkpointChain(store, exp)
  for (const c of chain.commits) {
    const read = async (p) => { const b = await store.readFile(c.sha, p); return b && new TextDecoder().decode(b) }
    out[head][c.sha] = { data: { params: await read('params.yaml'), metrics: await read('metrics.json'), lock: await read('dvc.lock'), checkpoint_tip: c.checkpoint_tip, checkpoint_parent: c.checkpoint_parent } }
  }
}
process.stdout.write(String(Object.keys(out[head]).length))
`

async function showChain() {
  const dir = project('ckpt-chain')
  try {
    const { total } = runCheckpoints(dir, CHAIN, 64)
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'))
    const hasShow = !!manifest.commands?.['exp:show']
    const ref = git(['for-each-ref', '--format=%(refname)', 'refs/exps'], dir).split('\n').find((l) => l && !l.includes('/exec/'))
    let ours
    if (hasShow) {
      ours = await median(() => trellis(['exp', 'show', '--json'], dir), 5)
    } else {
      const count = sh(process.execPath, ['--input-type=module', '-e', API_READ], dir)
      if (Number(count) !== CHAIN) throw new Error(`expected ${CHAIN} commits in the chain, read ${count}`)
      ours = await median(() => sh(process.execPath, ['--input-type=module', '-e', API_READ], dir), 5)
    }
    const baseline = await median(() => {
      const shas = sh('git', ['log', '--first-parent', '--format=%H %P %ct', ref], dir).trim().split('\n').map((l) => l.split(' ')[0])
      const input = shas.flatMap((s) => [`${s}:params.yaml`, `${s}:metrics.json`, `${s}:dvc.lock`]).join('\n') + '\n'
      sh('git', ['cat-file', '--batch'], dir, { input })
    }, 5)
    report({
      name: `${hasShow ? 'exp show --json' : 'exp show data via the API (no exp show in this build)'}: ${CHAIN} checkpoints`,
      trellisMs: ours,
      baselineName: 'git log + git cat-file --batch',
      baselineMs: baseline,
      target: '< 1000 ms',
      extra: `making the ${CHAIN} checkpoints took ${(total / 1000).toFixed(1)} s (${(total / CHAIN).toFixed(0)} ms each, incl. the run)`,
    })
  } finally {
    cleanup(dir)
  }
}

export default async function checkpoint() {
  await latency()
  await showChain()
}
