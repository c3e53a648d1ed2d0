/** A third-party plugin named in .trellisrc.yaml sees every stage through the hooks. */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const PLUGIN = `import { appendFileSync } from 'node:fs'
export default {
  name: 'stage-logger',
  apply(trellis, options) {
    const log = (line) => appendFileSync(trellis.root + '/' + options.file, line + '\\n')
    trellis.hooks.beforeStage.tapPromise('stage-logger', async ({ stage }) => log('before ' + stage.address))
    trellis.hooks.afterStage.tapPromise('stage-logger', async ({ stage, result, lock }) =>
      log('after ' + stage.address + ' ' + result + ' ' + (lock?.outs?.[0]?.md5 ?? '-')))
    trellis.hooks.onExperimentCommit.tapPromise('stage-logger', async ({ name, ref }) => log('experiment ' + name + ' ' + ref.split('/').length))
  },
}
`

describe('plugins', () => {
  it('loads a plugin from .trellisrc.yaml and fires beforeStage/afterStage for every stage', async () => {
    const r = makeRepo({
      'tools/stage-logger.mjs': PLUGIN,
      '.trellisrc.yaml': 'plugins:\n  - [./tools/stage-logger.mjs, {file: hooks.log}]\n',
      '.gitignore': 'hooks.log\n',
      'dvc.yaml': 'stages:\n  one:\n    cmd: echo 1 > one.txt\n    outs: [one.txt]\n  two:\n    cmd: cat one.txt > two.txt\n    deps: [one.txt]\n    outs: [two.txt]\n',
    })
    repos.push(r)
    const res = await r.run(['repro'])
    expect(res.code, res.stderr).toBe(0)
    expect(r.read('hooks.log')).toBe(
      'before one\nafter one ran b026324c6904b2a9cb4b88d6d61c81d1\nbefore two\nafter two ran b026324c6904b2a9cb4b88d6d61c81d1\n',
    )
  })

  it('loads the built-in plugins too: exp run works next to a third-party plugin and it sees the commit', async () => {
    const r = makeRepo({
      'tools/stage-logger.mjs': PLUGIN,
      '.trellisrc.yaml': 'plugins:\n  - [./tools/stage-logger.mjs, {file: hooks.log}]\n',
      '.gitignore': 'hooks.log\n',
      'params.yaml': 'n: 1\n',
      'dvc.yaml': 'stages:\n  one:\n    cmd: cat params.yaml > one.txt\n    params: [n]\n    outs: [one.txt]\n',
    })
    repos.push(r)
    const res = await r.run(['exp', 'run', '-n', 'plugged', '-S', 'n=2'])
    expect(res.code, res.stderr).toBe(0)
    expect(r.read('hooks.log')).toContain('experiment plugged 5\n')
  })

  it('a plugin that cannot be found is an error naming the config file', async () => {
    const r = makeRepo({ '.trellisrc.yaml': 'plugins: [./nope.mjs]\n', 'dvc.yaml': 'stages: {}\n' })
    repos.push(r)
    const res = await r.run(['status'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toMatch(/ERROR: plugin '\.\/nope\.mjs'/)
  })
})

describe('plugin packages, services and options', () => {
  it('resolves an ESM-only plugin package (exports with only an `import` condition) from the project', async () => {
    const r = makeRepo({
      'node_modules/esm-only-plugin/package.json': JSON.stringify({ name: 'esm-only-plugin', type: 'module', exports: { '.': { import: './main.js' } } }),
      'node_modules/esm-only-plugin/main.js': PLUGIN,
      '.trellisrc.yaml': 'plugins:\n  - [esm-only-plugin, {file: hooks.log}]\n',
      '.gitignore': 'hooks.log\nnode_modules/\n',
      'dvc.yaml': 'stages:\n  one:\n    cmd: echo 1 > one.txt\n    outs: [one.txt]\n',
    })
    repos.push(r)
    const res = await r.run(['repro'])
    expect(res.code, res.stderr).toBe(0)
    expect(r.read('hooks.log')).toContain('before one\n')
  })

  const SECOND_QUEUE = `export default {
  name: 'other-queue',
  apply(trellis) {
    trellis.services.register('queue', 'other', () => ({
      name: 'other',
      async enqueue() { throw new trellis.core.TrellisError('INVALID_ARGUMENT', 'the other queue takes nothing', { hint: 'none' }) },
      async list() { return [] },
      async remove() {},
      async claim() { return null },
      async complete(claim) { return claim.entry },
      async fail(claim) { return claim.entry },
      async release(claim) { return claim.entry },
      async log() { return null },
    }))
  },
}
`

  it('the config chooses a service implementation by name; two without a choice are an error naming both', async () => {
    const r = makeRepo({
      'other-queue.mjs': SECOND_QUEUE,
      '.trellisrc.yaml': 'plugins: [./other-queue.mjs]\n',
      'params.yaml': 'n: 1\n',
      'dvc.yaml': 'stages:\n  one:\n    cmd: cat params.yaml > one.txt\n    params: [n]\n    outs: [one.txt]\n',
    })
    repos.push(r)
    const ambiguous = await r.run(['queue', 'status'])
    expect(ambiguous.code).not.toBe(0)
    expect(ambiguous.stderr).toMatch(/ERROR: several plugins provide the 'queue' service \(local, other\)/)
    expect(ambiguous.stderr).toContain('queue: {backend: other}')

    r.write('.trellisrc.yaml', 'plugins: [./other-queue.mjs]\nqueue: {backend: other}\n')
    const other = await r.run(['exp', 'run', '--queue'])
    expect(other.stderr).toContain('ERROR: the other queue takes nothing')

    r.write('.trellisrc.yaml', 'plugins: [./other-queue.mjs]\nqueue: {backend: local}\n')
    const local = await r.run(['exp', 'run', '--queue', '-S', 'n=2'])
    expect(local.code, local.stderr).toBe(0)
    expect(local.stdout).toMatch(/Queued experiment '[0-9a-f]{7}'/)

    r.write('.trellisrc.yaml', 'queue: {backend: redis}\n')
    const missing = await r.run(['queue', 'status'])
    expect(missing.stderr).toMatch(/ERROR: '.*\.trellisrc\.yaml' chooses 'redis' for the 'queue' service, but no loaded plugin provides it/)

    r.write('.trellisrc.yaml', 'queue: local\n')
    const bad = await r.run(['queue', 'status'])
    expect(bad.stderr).toMatch(/ERROR: '.*\.trellisrc\.yaml': 'queue' must be a mapping with a 'backend' name/)
  })

  it('each plugin sees its own options; a built-in named in the config gets its options', async () => {
    const SHOW = (name: string) => `import { appendFileSync } from 'node:fs'
export default { name: '${name}', apply(trellis, options) { appendFileSync(trellis.root + '/opts.log', '${name} ' + JSON.stringify(trellis.options) + ' ' + JSON.stringify(options) + ' ' + typeof trellis.core.TrellisError + '\\n') } }
`
    const r = makeRepo({
      'a.mjs': SHOW('a'),
      'b.mjs': SHOW('b'),
      '.trellisrc.yaml': 'plugins:\n  - [./a.mjs, {x: 1}]\n  - ./b.mjs\n  - [git-refs, {backend: native}]\n',
      '.gitignore': 'opts.log\n',
      'dvc.yaml': 'stages: {}\n',
    })
    repos.push(r)
    const res = await r.run(['status'])
    expect(res.code, res.stderr).toBe(0)
    expect(r.read('opts.log')).toBe('a {"x":1} {"x":1} function\nb undefined undefined function\n')
  })
})
