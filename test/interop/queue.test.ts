/**
 * The queue of DVC 2.8.3 (`exp run --queue`: entries in `refs/exps/stash`, the format
 * `--run-all` documents): Trellis lists DVC's queued entries, runs them with `--run-all`,
 * and DVC lists the results.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from '../support/repo.js'
import { dvcOk } from '../support/dvc.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

async function trellisOk(r: Repo, args: string[]): Promise<string> {
  const res = await r.run(args)
  if (res.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}

describe('the DVC 2.8.3 queue', () => {
  it("Trellis lists DVC's queued experiments and runs them with --run-all; DVC lists the results", async () => {
    const r = makeRepo({
      'params.yaml': 'lr: 0.1\n',
      'train.sh': 'lr=$(sed -n "s/^lr: //p" params.yaml)\nprintf \'{"acc": %s}\' "$lr" > m.json\n',
      'dvc.yaml': 'stages:\n  train:\n    cmd: sh train.sh\n    deps: [train.sh]\n    params: [lr]\n    metrics:\n    - m.json:\n        cache: false\n',
    })
    repos.push(r)
    await trellisOk(r, ['repro'])
    r.commitAll('baseline')
    await dvcOk('dvc28', r, ['exp', 'run', '--queue', '-S', 'lr=0.3'])
    await dvcOk('dvc28', r, ['exp', 'run', '--queue', '-S', 'lr=0.4'])
    const queued = await trellisOk(r, ['exp', 'show', '--no-timestamp'])
    expect(queued).toMatch(/[0-9a-f]{7} +Queued +- +0\.3/)
    expect(queued).toMatch(/[0-9a-f]{7} +Queued +- +0\.4/)
    expect(await trellisOk(r, ['exp', 'run', '--run-all'])).toContain('2 reproduced')
    const theirs = await dvcOk('dvc28', r, ['exp', 'show', '--no-pager', '--no-timestamp', '--show-csv'])
    const rows = theirs.split(/\r?\n/).filter((l) => /,0\.[34],0\.[34]$/.test(l))
    expect(rows.map((l) => l.split(',').slice(-2).join(',')).sort()).toEqual(['0.3,0.3', '0.4,0.4'])
  })
})
