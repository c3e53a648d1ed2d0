#!/usr/bin/env node
// `trellis exp show --json -n 10` over 10 baselines x 100 experiments (1,000 experiment
// commits written the way DVC writes them: parent = baseline, params.yaml, dvc.lock and an
// uncached metrics.json changed, ref refs/exps/AA/BB.../exp-xxxxx), made in one
// `git fast-import` run, not by running pipelines. The repository also has 200 source
// files in 20 directories, so trees are not trivial.
//
// Measured, each in a fresh process as a user runs it:
//   cold  no summary index (.dvc/tmp/exps/trellis removed before every run): every
//         experiment's tree is listed and its files read from git
//   warm  the summary index from the previous run: nothing is read from git trees
// Baseline: the minimal git work for the same answer, `git for-each-ref refs/exps` plus
// reading one file per experiment with `git cat-file --batch`.
// Objects are packed (fast-import writes a pack); BENCH_LOOSE=1 explodes the pack into
// loose objects first (what DVC leaves behind until `git gc`).
// Target: warm < 1 s. Standalone: `node bench/exp-show.js`.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { GIT_ENV, cleanup, git, median, report, sh, tempDir, trellis } from './lib.js'

const BASELINES = 10
const EXPS = 100
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const T0 = 1_600_000_000

const DVC_YAML = `stages:
  train:
    cmd: python train.py
    deps: [train.py, src]
    params: [lr, epochs]
    metrics:
    - metrics.json:
        cache: false
`
const params = (lr, epochs) => `lr: ${lr}\nepochs: ${epochs}\nmodel:\n  name: cnn\n  layers: [64, 32]\n`
const metrics = (acc, loss) => JSON.stringify({ acc, loss, nested: { f1: acc / 2 } })
const lock = (lr, epochs, m) =>
  `schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    params:\n      params.yaml:\n        epochs: ${epochs}\n        lr: ${lr}\n    outs:\n    - path: metrics.json\n      md5: ${createHash('md5').update(m).digest('hex')}\n      size: ${m.length}\n`

/** One `git fast-import` stream, written to its stdin. */
function fastImport(dir, stream) {
  const res = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, env: GIT_ENV, input: stream, maxBuffer: 1 << 28 })
  if (res.status !== 0) throw new Error(`git fast-import failed: ${res.stderr}`)
}

const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`
const inline = (path, text) => `M 100644 inline ${path}\n${data(text)}`
const committer = (t) => `committer Bench <bench@example.com> ${t} +0000\n`

/** The benchmark repository in `dir`; returns the baselines, oldest first. */
export function makeRepo(dir) {
  git(['init', '-q', '-b', 'main'], dir)
  trellis(['init', '-q'], dir)
  // 10 baselines on main
  let stream = ''
  for (let b = 0; b < BASELINES; b++) {
    stream += `commit refs/heads/main\n${committer(T0 + b * 86400)}${data(`baseline ${b}`)}`
    if (b === 0) {
      stream += inline('dvc.yaml', DVC_YAML) + inline('train.py', 'print("train")\n')
      for (let d = 0; d < 20; d++) for (let f = 0; f < 10; f++) stream += inline(`src/m${d}/f${f}.py`, `# ${d}/${f}\n`)
    }
    const m = metrics(0.5 + b / 100, 1 - b / 100)
    stream += inline('params.yaml', params(0.001 * (b + 1), 10)) + inline('metrics.json', m) + inline('dvc.lock', lock(0.001 * (b + 1), 10, m))
  }
  fastImport(dir, stream)
  git(['reset', '-q', '--hard', 'main'], dir)
  const baselines = git(['rev-list', '--first-parent', '--reverse', 'main'], dir).trim().split('\n')
  // 100 experiments per baseline
  stream = ''
  baselines.forEach((baseline, b) => {
    for (let e = 0; e < EXPS; e++) {
      const lr = 0.0001 * (e + 1) + b
      const epochs = 5 + (e % 20)
      const m = metrics(0.9 + e / 10000 + b / 1000, 0.1 + e / 10000)
      const hash = createHash('sha256').update(`${b}/${e}`).digest('hex')
      const ref = `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/exp-${hash.slice(0, 5)}`
      stream += `commit ${ref}\n${committer(T0 + b * 86400 + 60 * (e + 1))}${data(`dvc: commit experiment ${hash}`)}from ${baseline}\n`
      stream += inline('params.yaml', params(lr, epochs)) + inline('metrics.json', m) + inline('dvc.lock', lock(lr, epochs, m))
    }
  })
  fastImport(dir, stream)
  if (process.env.BENCH_LOOSE === '1') explode(dir)
  return baselines
}

/** Packs → loose objects (`git unpack-objects` skips objects already in the repo, so move the packs out first). */
function explode(dir) {
  const packDir = join(dir, '.git', 'objects', 'pack')
  for (const name of readdirSync(packDir).filter((n) => n.endsWith('.pack'))) {
    const moved = join(dir, `${name}.tmp`)
    renameSync(join(packDir, name), moved)
    rmSync(join(packDir, name.replace(/\.pack$/, '.idx')), { force: true })
    const res = spawnSync('git', ['unpack-objects', '-q'], { cwd: dir, env: GIT_ENV, input: readFileSync(moved) })
    if (res.status !== 0) throw new Error(`git unpack-objects failed: ${res.stderr}`)
    rmSync(moved)
  }
}

/** The minimal git work: list the refs, read each experiment's metrics file. */
function gitBaseline(dir) {
  const refs = sh('git', ['for-each-ref', '--format=%(objectname)', 'refs/exps'], dir).trim().split('\n')
  const out = sh('git', ['cat-file', '--batch'], dir, { input: refs.map((sha) => `${sha}:metrics.json`).join('\n') + '\n' })
  return { refs: refs.length, bytes: out.length }
}

function check(json, baselines) {
  const data = JSON.parse(json)
  const groups = Object.keys(data)
  if (groups[0] !== 'workspace' || groups.length !== BASELINES + 1) throw new Error(`expected workspace + ${BASELINES} baselines, got ${groups.length}`)
  let exps = 0
  for (const sha of baselines) {
    const rows = Object.keys(data[sha] ?? {})
    exps += rows.length - 1
    const [, newest] = rows
    const acc = data[sha][newest].data.metrics['metrics.json'].data.acc
    const b = baselines.indexOf(sha)
    if (Math.abs(acc - (0.9 + (EXPS - 1) / 10000 + b / 1000)) > 1e-12) throw new Error(`wrong metrics for baseline ${b}: ${acc}`)
  }
  if (exps !== BASELINES * EXPS) throw new Error(`expected ${BASELINES * EXPS} experiments, got ${exps}`)
}

export default async function expShow() {
  const dir = tempDir('exp-show')
  try {
    const t = process.hrtime.bigint()
    const baselines = makeRepo(dir)
    const setupMs = Number(process.hrtime.bigint() - t) / 1e6
    const args = ['exp', 'show', '--json', '-n', String(BASELINES)]
    const cacheDir = join(dir, '.dvc', 'tmp', 'exps', 'trellis')
    check(trellis(args, dir), baselines)
    const cold = await median(() => {
      rmSync(cacheDir, { recursive: true, force: true })
      return trellis(args, dir)
    }, RUNS)
    check(trellis(args, dir), baselines)
    const warm = await median(() => trellis(args, dir), RUNS)
    check(trellis(args, dir), baselines)
    const base = await median(() => {
      const { refs } = gitBaseline(dir)
      if (refs !== BASELINES * EXPS) throw new Error(`expected ${BASELINES * EXPS} refs, got ${refs}`)
    }, RUNS)
    const objects = process.env.BENCH_LOOSE === '1' ? 'loose objects' : 'packed objects'
    const extra = `${BASELINES * EXPS} exps over ${BASELINES} baselines, ${objects}, setup ${(setupMs / 1000).toFixed(1)} s`
    report({ name: 'exp show --json, warm (summary index)', trellisMs: warm, baselineName: 'for-each-ref + cat-file --batch', baselineMs: base, target: 'warm < 1000 ms', extra })
    report({ name: 'exp show --json, cold (no index)', trellisMs: cold, baselineName: 'for-each-ref + cat-file --batch', baselineMs: base, target: 'for reference', extra: objects })
  } finally {
    cleanup(dir)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await expShow()
