// `trellis status` on big params files: a params.yaml of 25k / 50k / 100k keys and a 10 MB
// list of numbers, against the `yaml` package parsing the same file with no checks at all
// (`parse(text, { uniqueKeys: false })`, in a fresh node process like the CLI). Trellis checks
// duplicate keys and aliases on top of that in one linear pass; the ratio shows what the checks
// and the rest of `status` cost. Target: linear (time per key flat), 100k keys in seconds.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, git, report, sh, tempDir, trellis } from './lib.js'

function once(fn) {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

const YAML_ONLY = "const{parse}=require('yaml');parse(require('fs').readFileSync(process.argv[1],'utf8'),{uniqueKeys:false,version:'1.2',schema:'core'})"

export default async function parseBench() {
  const dir = tempDir('parse')
  try {
    git(['init', '-q'], dir)
    trellis(['init', '-q'], dir)
    writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  s:\n    cmd: echo\n    params: [k1]\n')
    const params = join(dir, 'params.yaml')
    const baseline = () => sh(process.execPath, ['-e', YAML_ONLY, params], join(process.cwd()))
    for (const n of [25_000, 50_000, 100_000]) {
      let text = ''
      for (let i = 0; i < n; i++) text += `k${i}: ${i}.5\n`
      writeFileSync(params, text)
      const ours = once(() => trellis(['status', '-q'], dir))
      const theirs = once(baseline)
      report({
        name: `status, params.yaml of ${n / 1000}k keys`,
        trellisMs: ours,
        baselineName: 'yaml parse, no checks',
        baselineMs: theirs,
        target: 'linear, 100k keys in seconds',
        extra: `${((ours * 1000) / n).toFixed(1)} µs/key`,
      })
    }
    writeFileSync(join(dir, 'dvc.yaml'), 'stages:\n  s:\n    cmd: echo\n    params: [nums]\n')
    const lines = ['nums:']
    let size = 6
    for (let i = 0; size < 10e6; i++) {
      const line = `- ${i}.25`
      lines.push(line)
      size += line.length + 1
    }
    writeFileSync(params, `${lines.join('\n')}\n`)
    const ours = once(() => trellis(['status', '-q'], dir))
    const theirs = once(baseline)
    report({
      name: `status, params.yaml of a 10 MB list (${lines.length - 1} numbers)`,
      trellisMs: ours,
      baselineName: 'yaml parse, no checks',
      baselineMs: theirs,
      target: '<= 2x the bare parse',
      extra: `${((ours * 1000) / (lines.length - 1)).toFixed(1)} µs/item`,
    })
  } finally {
    cleanup(dir)
  }
}
