// No-op `trellis repro` (everything up to date) of 100 stages that all depend on
// one 20,000-file directory, against `find DIR -newer FILE` on the same tree.
// Targets: under 1 s, and at most 3x find.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, git, median, report, sh, tempDir, trellis } from './lib.js'

export default async function noopRepro() {
  const dir = tempDir('noop')
  try {
    git(['init', '-q'], dir)
    trellis(['init', '-q'], dir)
    for (let d = 0; d < 200; d++) {
      mkdirSync(join(dir, 'data', `d${d}`), { recursive: true })
      for (let f = 0; f < 100; f++) writeFileSync(join(dir, 'data', `d${d}`, `f${f}.txt`), `${d}/${f}\n`)
    }
    let yaml = 'stages:\n'
    for (let i = 0; i < 100; i++) yaml += `  s${i}:\n    cmd: echo ${i} > out/${i}.txt\n    deps: [data]\n    outs: [out/${i}.txt]\n`
    mkdirSync(join(dir, 'out'))
    writeFileSync(join(dir, 'dvc.yaml'), yaml)
    writeFileSync(join(dir, 'stamp'), '')
    trellis(['repro', '-q'], dir)
    const ours = await median(() => trellis(['repro', '-q'], dir), 5)
    const find = await median(() => sh('find', ['data', '-newer', 'stamp'], dir), 5)
    report({ name: 'no-op repro: 100 stages x 20,000-file dir', trellisMs: ours, baselineName: 'find -newer', baselineMs: find, target: '< 1000 ms and <= 3x' })
  } finally {
    cleanup(dir)
  }
}
