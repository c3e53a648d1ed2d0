// `trellis --version` against a bare oclif 4 CLI (one command, no dependencies) on the
// same machine and the same @oclif/core. Target: at most 1.2x.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, ROOT, median, report, sh } from './lib.js'

export default async function startup() {
  const dir = join(ROOT, '.bench-tmp', 'bare-oclif')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'commands'), { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'bare', version: '1.0.0', type: 'module', oclif: { bin: 'bare', dirname: 'bare', commands: './commands' } }),
  )
  writeFileSync(join(dir, 'run.js'), "import { execute } from '@oclif/core'\nawait execute({ dir: import.meta.url })\n")
  writeFileSync(
    join(dir, 'commands', 'hello.js'),
    "import { Command } from '@oclif/core'\nexport default class Hello extends Command { async run() { this.log('hi') } }\n",
  )
  const runs = 15
  const bare = await median(() => sh(process.execPath, [join(dir, 'run.js'), '--version'], dir), runs)
  const ours = await median(() => sh(process.execPath, [CLI, '--version'], ROOT), runs)
  report({ name: 'startup: --version', trellisMs: ours, baselineName: 'bare oclif CLI', baselineMs: bare, target: '<= 1.2x' })
  rmSync(dir, { recursive: true, force: true })
}
