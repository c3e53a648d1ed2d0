/**
 * Checkpoints with DVC 2.58.2 (the last DVC with checkpoints): a Python stage calling DVC's
 * own `dvc.api.make_checkpoint()` — directly, or through dvclive 2.15.0's `next_step()` —
 * checkpoints under `trellis exp run`, and DVC lists the chain; a chain DVC made is listed,
 * applied and removed by Trellis.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from '../support/repo.js'
import { dvcOk, venvBin } from '../support/dvc.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

async function trellisOk(r: Repo, args: string[]): Promise<string> {
  const res = await r.run(args)
  if (res.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}

const MAKE_CHECKPOINT = `import json
from dvc.api import make_checkpoint
for e in range(3):
    with open('model.bin', 'wb') as f:
        f.write(bytes([e]) * 1000)
    with open('m.json', 'w') as f:
        json.dump({'epoch': e}, f)
    make_checkpoint()
`

const DVCLIVE = `from dvclive import Live
live = Live(save_dvc_exp=False)
for e in range(3):
    with open('model.bin', 'wb') as f:
        f.write(bytes([e]) * 1000)
    live.log_metric('epoch', e)
    live.next_step()
`

function project(script: string, metrics: string): Repo {
  const r = makeRepo({
    'train.py': script,
    'params.yaml': 'lr: 0.1\n',
    'dvc.yaml': `stages:\n  train:\n    cmd: ${venvBin('dvc2', 'python')} train.py\n    deps: [train.py]\n    params: [lr]\n    outs:\n    - model.bin:\n        checkpoint: true\n    metrics:\n    - ${metrics}:\n        cache: false\n`,
  })
  repos.push(r)
  return r
}

/** DVC 2.58's `exp show --json`: the checkpoint revs of the baseline's experiments, newest first, with their metrics. */
function dvcCheckpoints(json: unknown, file: string): Array<{ name?: string; epoch: unknown }> {
  const base = (json as Array<{ experiments?: Array<{ revs: Array<{ name?: string; data: { metrics: Record<string, { data: { epoch: unknown } }> } }> }> }>)[1]
  return (base.experiments ?? []).flatMap((e) => e.revs.map((rev) => ({ name: rev.name, epoch: rev.data.metrics[file]?.data.epoch })))
}

describe('checkpoints with DVC 2.58.2', () => {
  it("a stage calling DVC's make_checkpoint() checkpoints under trellis exp run; DVC lists the chain", async () => {
    const r = project(MAKE_CHECKPOINT, 'm.json')
    const out = await trellisOk(r, ['exp', 'run', '-n', 'chain'])
    expect(out.match(/Checkpoint experiment iteration/g)?.length).toBe(3)
    const chain = dvcCheckpoints(JSON.parse(await dvcOk('dvc2', r, ['exp', 'show', '--json'])), 'm.json')
    expect(chain.map((c) => c.epoch)).toEqual([2, 1, 0])
    expect(chain[0].name).toBe('chain')
  })

  it("dvclive 2.15's next_step() checkpoints under trellis exp run", async () => {
    const r = project(DVCLIVE, 'dvclive/metrics.json')
    const out = await trellisOk(r, ['exp', 'run', '-n', 'live'])
    expect(out.match(/Checkpoint experiment iteration/g)?.length).toBe(3)
    const chain = dvcCheckpoints(JSON.parse(await dvcOk('dvc2', r, ['exp', 'show', '--json'])), 'dvclive/metrics.json')
    expect(chain.map((c) => c.epoch)).toEqual([2, 1, 0])
  })

  it("DVC's checkpoint chain is listed, applied and removed by Trellis", async () => {
    const r = project(MAKE_CHECKPOINT, 'm.json')
    await dvcOk('dvc2', r, ['exp', 'run', '-n', 'theirs'])
    const shown = JSON.parse(await trellisOk(r, ['exp', 'show', '--json']))
    const text = JSON.stringify(shown)
    expect(text).toContain('"name":"theirs"')
    const ours = await trellisOk(r, ['exp', 'show', '--no-timestamp'])
    expect(ours).toMatch(/╓ [0-9a-f]{7} \[theirs\] +2 +0\.1/)
    expect(ours).toMatch(/╨ [0-9a-f]{7} +0 +0\.1/)
    r.git('checkout', '--', '.')
    await trellisOk(r, ['exp', 'apply', 'theirs', '-f'])
    expect(r.read('m.json')).toBe('{"epoch": 2}')
    await trellisOk(r, ['exp', 'remove', 'theirs'])
    expect((await dvcOk('dvc2', r, ['exp', 'list', '--names-only'])).trim()).toBe('')
  })
})
