/**
 * The example third-party plugin (examples/trellis-plugin-run-log), installed the way
 * a user installs it: `npm pack`, then `npm install <tarball>` into the project, and
 * named in the project's .trellisrc.yaml. Its hooks, its command and its data remote
 * are driven through the CLI.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTeam, lockedMd5, type Team } from './support/team.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const EXAMPLE = join(ROOT, 'examples/trellis-plugin-run-log')
let packDir: string
let tarball: string
let team: Team

const npm = (cwd: string, ...args: string[]) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--offline', '--loglevel=error'], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } })

beforeAll(() => {
  packDir = mkdtempSync(join(tmpdir(), 'trellis-pack-'))
  const [packed] = JSON.parse(npm(EXAMPLE, 'pack', '--json', '--pack-destination', packDir)) as Array<{ filename: string; files: Array<{ path: string }> }>
  expect(packed.files.map((f) => f.path).sort()).toEqual(['README.md', 'commands/run-log.js', 'flat-remote.js', 'index.js', 'package.json', 'run-log.js'])
  tarball = join(packDir, packed.filename)

  team = makeTeam({ dvcRemote: false })
  const project = team.alice
  project.write('package.json', '{"name": "project", "private": true}\n')
  // peers are the host's: Trellis (the CLI running it) and oclif, which the CLI brings
  npm(project.dir, 'install', '--legacy-peer-deps', '--ignore-scripts', tarball)
  mkdirSync(project.path('node_modules/@oclif'), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules/@oclif/core'), project.path('node_modules/@oclif/core'))
  project.write('.trellisrc.yaml', 'plugins:\n  - [trellis-plugin-run-log, {stages: true}]\n')
  project.write('.gitignore', 'node_modules/\n')
  const flat = join(team.base, 'flat')
  project.write('.dvc/config', `[core]\n    remote = shared\n['remote "shared"']\n    url = flat://${flat}\n`)
  project.commitAll('install the run-log plugin')
}, 120_000)

afterAll(() => {
  team?.remove()
  rmSync(packDir, { recursive: true, force: true })
})

describe('an example third-party plugin from a packed install', () => {
  it('is installed as a package of its own, with no copy of @trellis/core', () => {
    expect(existsSync(team.alice.path('node_modules/trellis-plugin-run-log/index.js'))).toBe(true)
    expect(existsSync(team.alice.path('node_modules/@trellis'))).toBe(false)
  })

  it('adds its command to `trellis --help`', async () => {
    const res = await team.alice.run(['--help'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/run-log\s+Show the run log kept by trellis-plugin-run-log/)
  })

  it('logs runs from the lifecycle hooks, and its command shows them', async () => {
    const project = team.alice
    const run = await project.run(['exp', 'run', '-n', 'logged', '-S', 'train.lr=0.3'])
    expect(run.code, run.stderr).toBe(0)
    const failed = await project.run(['repro', 'nope'])
    expect(failed.code).not.toBe(0)
    const shown = await project.run(['run-log', '--json'])
    expect(shown.code, shown.stderr).toBe(0)
    const lines = JSON.parse(shown.stdout) as Array<Record<string, unknown>>
    expect(lines.map((l) => [l.event, l.kind, l.experiment])).toEqual([
      ['started', 'exp-run', 'logged'],
      ['stage', 'exp-run', 'logged'],
      ['finished', 'exp-run', 'logged'],
      ['started', 'repro', null],
      ['failed', 'repro', null],
    ])
    expect(lines[2].ran).toBe(1)
    expect(lines[4].code).toBe('TARGET_NOT_FOUND')
    const text = await project.run(['run-log', '-n', '3'])
    expect(text.stdout).toMatch(/finished\s+run-\d+\s+logged [0-9a-f]{7}\n/)
    expect(text.stdout).toMatch(/failed\s+run-\d+\s+TARGET_NOT_FOUND\n$/)
  })

  it('pushes experiment data to its flat:// data remote', async () => {
    const project = team.alice
    const res = await project.run(['exp', 'push', 'origin', 'logged'])
    expect(res.code, res.stderr).toBe(0)
    const md5 = lockedMd5(project, project.git('for-each-ref', '--format=%(refname)', 'refs/exps/').split('\n').find((ref) => ref.endsWith('/logged'))!, 'model.txt')
    expect(readdirSync(join(team.base, 'flat'))).toContain(md5)
  })
})
