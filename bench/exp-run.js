// `trellis exp run` against `trellis repro` of the same change, in a repo of 5,000
// tracked files plus a 50,000-file untracked, git-ignored .venv; the one stage's
// command does nothing. Targets: exp run <= 1.3x repro, and < 600 ms wall.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, git, median, report, tempDir, trellis } from './lib.js'

const FILES = Number(process.env.BENCH_FILES ?? 5000)
const VENV = Number(process.env.BENCH_VENV ?? 50000)

export default async function expRun() {
  const dir = tempDir('exprun')
  try {
    git(['init', '-q'], dir)
    trellis(['init', '-q'], dir)
    for (let d = 0; d < FILES / 100; d++) {
      mkdirSync(join(dir, 'src', `m${d}`), { recursive: true })
      for (let f = 0; f < 100; f++) writeFileSync(join(dir, 'src', `m${d}`, `f${f}.py`), `# module ${d}/${f}\nx = ${f}\n`)
    }
    for (let d = 0; d < VENV / 500; d++) {
      mkdirSync(join(dir, '.venv', 'lib', `p${d}`), { recursive: true })
      for (let f = 0; f < 500; f++) writeFileSync(join(dir, '.venv', 'lib', `p${d}`, `f${f}.py`), '')
    }
    writeFileSync(join(dir, '.gitignore'), '.venv/\n')
    writeFileSync(join(dir, 'params.yaml'), 'p: 0\n')
    writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  noop:\n    cmd: "true"\n    params: [p]\n')
    trellis(['repro', '-q'], dir)
    git(['add', '-A'], dir)
    git(['commit', '-qm', 'base'], dir)

    let i = 1
    const repro = await median(() => {
      writeFileSync(join(dir, 'params.yaml'), `p: ${i++}\n`)
      trellis(['repro', '-q'], dir)
    }, 7)
    const exp = await median(() => trellis(['exp', 'run', '-q', '-S', `p=${i++}`], dir), 7)
    report({ name: `exp run vs repro (${FILES} tracked + ${VENV} ignored files)`, trellisMs: exp, baselineName: 'trellis repro', baselineMs: repro, target: '<= 1.3x and < 600 ms' })
  } finally {
    cleanup(dir)
  }
}
