// Sweeps: expanding and queueing a 500-combination grid with one CLI command
// (`trellis exp run --queue --max-runs 500 -S 'p=range(0,25)' -S 'q=range(0,20)'`: parse, check
// every combination's params edits, then queue 500 entries), against the existing queue cost:
// `queueExperiment` through the Node API once per entry (the way a shell loop of
// `exp run --queue` lines would, minus 500 CLI start-ups), measured over BENCH_SWEEP_BASELINE
// entries (default 100) and scaled to the grid's size.
// Targets: the grid in < 5 s, i.e. < 10 ms per entry beyond the existing queue cost.
// Sizes: BENCH_SWEEP_P x BENCH_SWEEP_Q (default 25 x 20 = 500).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, git, report, tempDir, trellis } from './lib.js'

const P = Number(process.env.BENCH_SWEEP_P ?? 25)
const Q = Number(process.env.BENCH_SWEEP_Q ?? 20)
const BASELINE_N = Number(process.env.BENCH_SWEEP_BASELINE ?? 100)

function repo(prefix) {
  const dir = tempDir(prefix)
  git(['init', '-q'], dir)
  trellis(['init', '-q'], dir)
  const files = {
    'params.yaml': '# grid\np: 0  # first\nq: 0  # second\n',
    'dvc.yaml': 'stages:\n  s:\n    cmd: echo done > out.txt\n    params: [p, q]\n    outs: [out.txt]\n',
  }
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  git(['add', '-A'], dir)
  git(['commit', '-qm', 'base'], dir)
  return dir
}

async function perEntryQueueCost() {
  const dir = repo('sweep-base')
  try {
    const core = await import('@trellis/core')
    const [{ gitRefsPlugin }, { queuePlugin }] = await Promise.all([import('@trellis/plugin-git-refs'), import('@trellis/plugin-queue')])
    const project = await core.Project.open(dir, { defaultPlugins: async () => [gitRefsPlugin, queuePlugin] })
    const t = performance.now()
    for (let i = 0; i < BASELINE_N; i++) await core.queueExperiment(project, { setParams: [`p=${i}`] })
    return (performance.now() - t) / BASELINE_N
  } finally {
    cleanup(dir)
  }
}

export default async function sweep() {
  const n = P * Q
  const perEntry = await perEntryQueueCost()
  const dir = repo('sweep-grid')
  try {
    const t = performance.now()
    trellis(['exp', 'run', '--queue', '-q', '--max-runs', String(n), '-S', `p=range(0,${P})`, '-S', `q=range(0,${Q})`], dir)
    const wall = performance.now() - t
    const entries = git(['reflog', 'show', '--format=%H', 'refs/exps/stash', '--'], dir).trim().split('\n').filter(Boolean)
    const distinct = new Set(entries.map((sha) => git(['show', `${sha}:params.yaml`], dir))).size
    if (entries.length !== n || distinct !== n) throw new Error(`expected ${n} distinct entries, got ${entries.length} (${distinct} distinct)`)
    const baseline = perEntry * n
    report({
      name: `sweep: expand and queue a ${n}-combination grid (CLI, one command)`,
      trellisMs: wall,
      baselineName: `existing queue cost ${perEntry.toFixed(1)} ms x ${n} (API)`,
      baselineMs: baseline,
      target: '< 5 s; < 10 ms per entry beyond the existing queue cost',
      extra: `${(wall / n).toFixed(1)} ms per entry incl. CLI start-up, ${((wall - baseline) / n).toFixed(1)} ms per entry beyond the existing cost; ${entries.length} entries, ${distinct} distinct`,
    })
  } finally {
    cleanup(dir)
  }
}
