#!/usr/bin/env node
// The demo: copy examples/get-started into a fresh git repository, reproduce its
// pipeline with Trellis, show the metrics, then run two experiments with -S and
// compare them, draw the DAG; then examples/plots: two experiments and their plots overlaid
// (the page's path is printed). Everything runs through the real CLI.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const cli = join(here, '..', 'bin', 'run.js')
const dir = mkdtempSync(join(tmpdir(), 'trellis-demo-'))
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Trellis Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Trellis Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
}

function sh(cmd, args, { show = true, cwd = dir } = {}) {
  if (show) console.log(`\n$ ${[cmd === process.execPath ? 'trellis' : cmd, ...args].join(' ')}`)
  execFileSync(cmd === 'trellis' ? process.execPath : cmd, cmd === 'trellis' ? [cli, ...args] : args, {
    cwd,
    env,
    stdio: show ? 'inherit' : 'ignore',
  })
}

try {
  cpSync(join(here, 'get-started'), dir, { recursive: true })
  sh('git', ['init', '-q', '-b', 'main'], { show: false })
  sh('trellis', ['init', '-q'])
  sh('git', ['add', '-A'], { show: false })
  sh('git', ['commit', '-qm', 'Example pipeline'], { show: false })
  sh('trellis', ['repro'])
  sh('trellis', ['metrics', 'show'])
  sh('git', ['add', '-A'], { show: false })
  sh('git', ['commit', '-qm', 'Reproduce the pipeline'], { show: false })
  sh('trellis', ['status'])
  sh('trellis', ['exp', 'run', '-S', 'train.lr=0.2'])
  sh('trellis', ['exp', 'run', '-n', 'few-epochs', '-S', 'train.lr=0.01', '-S', 'train.epochs=2'])
  sh('trellis', ['exp', 'show', '--no-timestamp'])
  sh('trellis', ['exp', 'diff', 'HEAD', 'few-epochs'])
  sh('trellis', ['dag'])

  // plots: examples/plots (loss, ROC, precision-recall, confusion, images), two experiments overlaid
  const plots = join(dir, 'plots-example')
  cpSync(join(here, 'plots'), plots, { recursive: true })
  const inPlots = { cwd: plots }
  sh('git', ['init', '-q', '-b', 'main'], { ...inPlots, show: false })
  sh('trellis', ['init', '-q'], { ...inPlots, show: false })
  sh('git', ['add', '-A'], { ...inPlots, show: false })
  sh('git', ['commit', '-qm', 'Plots example'], { ...inPlots, show: false })
  sh('trellis', ['repro', '-q'], inPlots)
  sh('git', ['add', '-A'], { ...inPlots, show: false })
  sh('git', ['commit', '-qm', 'Reproduce'], { ...inPlots, show: false })
  sh('trellis', ['exp', 'run', '-q', '-n', 'fast', '-S', 'train.lr=0.3'], inPlots)
  sh('trellis', ['exp', 'run', '-q', '-n', 'slow', '-S', 'train.lr=0.05'], inPlots)
  sh('trellis', ['plots', 'diff', 'fast', 'slow'], inPlots)
  console.log(`\nDemo repository: ${dir} (removed at exit; pass --keep to keep it)`)
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true })
}
