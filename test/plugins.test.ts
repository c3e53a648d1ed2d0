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
