// Trellis against the real DVC installed by scripts/setup-dvc.sh (.venvs/dvc3 = latest 3.x,
// .venvs/dvc2 = 2.58.2), on the same repositories, in the same run. Each tool runs as a
// user runs it: a fresh process per command. When a DVC is not installed, its column is
// skipped with a note. Targets (issue 10): >= 10x faster on exp show and the no-op
// commands, no slower anywhere (ratio = trellis / dvc: <= 0.1 and <= 1.0).
//   1. exp show --json over 1,000 experiments (bench/exp-show.js's repository, -n 10)
//   2. no-op status and repro of 100 stages (each depending on a 1,000-file directory)
//   3. exp run overhead over repro (exp run time - repro time of the same one-stage change)
//   4. hashing a 10,000-file directory: the first `status` with no hash state (.dvc/tmp and
//      DVC 3's site cache removed before each run)
//   5. checkpoint signal -> release: a Python stage calling DVC 2.58's own
//      dvc.api.make_checkpoint() 5 times, under `trellis exp run` and under `dvc exp run`
//      (checkpoints exist in DVC 2.x only), 1 MB checkpoint output
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeRepo as makeExpShowRepo } from './exp-show.js'
import { GIT_ENV, ROOT, cleanup, git, median, report, sh, tempDir, trellis } from './lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)

function dvcBin(name) {
  const bin = join(ROOT, '.venvs', name, 'bin', 'dvc')
  return existsSync(bin) ? bin : undefined
}

const DVC_ENV = { ...GIT_ENV, DVC_NO_ANALYTICS: '1' }
const dvc = (bin, args, cwd) => sh(bin, args, cwd, { env: DVC_ENV })

/** DVC takes seconds to minutes per command here: one timed run (no warm-up; Trellis gets the median of RUNS after one). */
async function dvcMedian(fn) {
  const t = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

function compare(name, oursMs, dvcName, theirsMs, target) {
  if (theirsMs === undefined) {
    console.log(`${name}: trellis ${oursMs.toFixed(1)} ms; ${dvcName} is not installed, no DVC column (run scripts/setup-dvc.sh)`)
    return
  }
  report({ name, trellisMs: oursMs, baselineName: dvcName, baselineMs: theirsMs, target })
}

async function expShow(dvc3) {
  const dir = tempDir('vsdvc-expshow')
  try {
    makeExpShowRepo(dir)
    const ours = await median(() => trellis(['exp', 'show', '--json', '-n', '10'], dir), RUNS)
    const theirs = dvc3 ? await dvcMedian(() => dvc(dvc3, ['exp', 'show', '--json', '-n', '10'], dir)) : undefined
    compare('exp show --json, 1,000 experiments', ours, 'dvc 3', theirs, '<= 0.1x')
  } finally {
    cleanup(dir)
  }
}

function stagesRepo(prefix, files, stages) {
  const dir = tempDir(prefix)
  git(['init', '-q'], dir)
  trellis(['init', '-q'], dir)
  for (let d = 0; d < files / 100; d++) {
    mkdirSync(join(dir, 'data', `d${d}`), { recursive: true })
    for (let f = 0; f < 100; f++) writeFileSync(join(dir, 'data', `d${d}`, `f${f}.txt`), `${d}/${f}\n`)
  }
  let yaml = 'stages:\n'
  for (let i = 0; i < stages; i++) yaml += `  s${i}:\n    cmd: echo ${i} > out/${i}.txt\n    deps: [data]\n    outs: [out/${i}.txt]\n`
  mkdirSync(join(dir, 'out'))
  writeFileSync(join(dir, 'dvc.yaml'), yaml)
  return dir
}

async function noop(dvc3) {
  const dir = stagesRepo('vsdvc-noop', 1000, 100)
  try {
    trellis(['repro', '-q'], dir)
    git(['add', '-A'], dir)
    git(['commit', '-qm', 'base'], dir)
    for (const cmd of ['status', 'repro']) {
      const ours = await median(() => trellis([cmd, '-q'], dir), RUNS)
      const theirs = dvc3 ? await dvcMedian(() => dvc(dvc3, [cmd, '-q'], dir)) : undefined
      compare(`no-op ${cmd}, 100 stages`, ours, 'dvc 3', theirs, '<= 0.1x')
    }
  } finally {
    cleanup(dir)
  }
}

async function expRunOverhead(dvc3) {
  const dir = tempDir('vsdvc-exprun')
  try {
    git(['init', '-q'], dir)
    trellis(['init', '-q'], dir)
    writeFileSync(join(dir, 'params.yaml'), 'p: 0\n')
    writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  s:\n    cmd: cp params.yaml out.txt\n    params: [p]\n    outs: [out.txt]\n')
    trellis(['repro', '-q'], dir)
    git(['add', '-A'], dir)
    git(['commit', '-qm', 'base'], dir)
    let i = 1
    const repro = (run) => () => {
      writeFileSync(join(dir, 'params.yaml'), `p: ${i++}\n`)
      run(['repro', '-q'])
    }
    const exp = (run) => () => run(['exp', 'run', '-q', '-S', `p=${i++}`])
    const oursRun = (args) => trellis(args, dir)
    const ours = (await median(exp(oursRun), RUNS)) - (await median(repro(oursRun), RUNS))
    let theirs
    if (dvc3) {
      const theirRun = (args) => dvc(dvc3, args, dir)
      theirs = (await dvcMedian(exp(theirRun))) - (await dvcMedian(repro(theirRun)))
    }
    compare('exp run overhead over repro (one stage)', Math.max(ours, 0.1), 'dvc 3', theirs, '<= 1.0x')
  } finally {
    cleanup(dir)
  }
}

async function hashing(dvc3) {
  const dir = stagesRepo('vsdvc-hash', 10000, 1)
  try {
    trellis(['repro', '-q'], dir)
    const fresh = () => {
      rmSync(join(dir, '.dvc', 'tmp'), { recursive: true, force: true })
      rmSync(join(dir, '.site-cache'), { recursive: true, force: true })
    }
    const ours = await median(() => {
      fresh()
      trellis(['status', '-q'], dir)
    }, RUNS)
    let theirs
    if (dvc3) {
      dvc(dvc3, ['config', '--local', 'core.site_cache_dir', join(dir, '.site-cache')], dir)
      theirs = await dvcMedian(() => {
        fresh()
        dvc(dvc3, ['status', '-q'], dir)
      })
    }
    compare('hashing a 10,000-file directory (first status)', ours, 'dvc 3', theirs, '<= 1.0x')
  } finally {
    cleanup(dir)
  }
}

const CHECKPOINT_TRAIN = `import json, os, sys, time
from dvc.api import make_checkpoint
lat = []
for e in range(5):
    with open('model.bin', 'wb') as f:
        f.write(bytes([e]) * (1 << 20))
    t = time.perf_counter()
    make_checkpoint()
    lat.append((time.perf_counter() - t) * 1000)
with open(sys.argv[1], 'w') as f:
    json.dump(lat, f)
`

async function checkpoint(dvc2) {
  if (!dvc2) {
    console.log('checkpoint signal -> release: dvc 2.58.2 is not installed, no DVC column (run scripts/setup-dvc.sh)')
    return
  }
  const python = join(ROOT, '.venvs', 'dvc2', 'bin', 'python')
  const run = (tool) => {
    const dir = tempDir(`vsdvc-ckpt-${tool}`)
    try {
      git(['init', '-q'], dir)
      trellis(['init', '-q'], dir)
      const out = join(dir, '..', `${tool}-latencies-${process.pid}.json`)
      writeFileSync(join(dir, 'train.py'), CHECKPOINT_TRAIN)
      writeFileSync(join(dir, 'params.yaml'), 'lr: 0.1\n')
      writeFileSync(join(dir, 'dvc.yaml'), `stages:\n  train:\n    cmd: ${python} train.py ${out}\n    params: [lr]\n    outs:\n    - model.bin:\n        checkpoint: true\n`)
      git(['add', '-A'], dir)
      git(['commit', '-qm', 'base'], dir)
      if (tool === 'trellis') trellis(['exp', 'run', '-q'], dir)
      else dvc(dvc2, ['exp', 'run', '-q'], dir)
      const lat = JSON.parse(readFileSync(out, 'utf8'))
      rmSync(out, { force: true })
      lat.sort((a, b) => a - b)
      return lat[Math.floor(lat.length / 2)]
    } finally {
      cleanup(dir)
    }
  }
  compare('checkpoint signal -> release (make_checkpoint, 1 MB)', run('trellis'), 'dvc 2.58.2', run('dvc'), '<= 1.0x')
}

export default async function vsDvc() {
  const dvc3 = dvcBin('dvc3')
  const dvc2 = dvcBin('dvc2')
  await expShow(dvc3)
  await noop(dvc3)
  await expRunOverhead(dvc3)
  await hashing(dvc3)
  await checkpoint(dvc2)
}
