/** A binary file under `metrics:` is refused with DVC's own message, before anything is written. */
import { afterEach, describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { makeRepo, type Repo } from '../support/repo.js'
import { dvc, type DvcName } from '../support/dvc.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

const PIPELINE = {
  'dvc.yaml': "stages:\n  s:\n    cmd: printf 'x' > model.txt && printf '\\000\\001\\002' > m.json\n    outs:\n    - model.txt\n    metrics:\n    - m.json\n",
}

const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('ERROR'))

describe.each<DvcName>(['dvc2', 'dvc3'])('binary metrics, as %s', (name) => {
  it('Trellis fails the stage with the message DVC prints, and writes no dvc.lock and no cache object', async () => {
    const ours = makeRepo(PIPELINE)
    const theirs = makeRepo(PIPELINE)
    repos.push(ours, theirs)
    const res = await ours.run(['repro'])
    expect(res.code).not.toBe(0)
    expect(errorLine(res.stderr)).toBe(`ERROR: failed to reproduce 's': binary file '${ours.path('m.json')}' cannot be used as metrics.`)
    expect(res.stderr).toContain('hint: ')
    expect(ours.exists('dvc.lock')).toBe(false)
    expect(ours.exists('.dvc/cache') ? readdirSync(ours.path('.dvc/cache')) : []).toEqual([])
    const dvcRes = await dvc(name, theirs, ['repro'])
    expect(dvcRes.code).not.toBe(0)
    expect(errorLine(dvcRes.stderr)?.replace(theirs.dir, ours.dir)).toBe(errorLine(res.stderr))
  })
})
