/**
 * Pipelines, DVC ⇄ Trellis, on the same repositories, with DVC 2.58.2 and the latest
 * DVC 3.x: after one tool reproduces, the other finds everything up to date and runs
 * nothing; both report the same `status --json`; run-cache entries written by one
 * are restored by the other; `--no-commit` leaves the same status in both.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from '../support/repo.js'
import { dvc, dvcOk, type DvcName } from '../support/dvc.js'
import { INTEROP_PIPELINE } from '../support/interop-pipeline.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

async function trellisOk(r: Repo, args: string[]): Promise<string> {
  const res = await r.run(args)
  if (res.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}

/** Both tools' `status --json`, parsed; they must agree. */
async function bothStatus(name: DvcName, r: Repo): Promise<unknown> {
  const theirs = JSON.parse(await dvcOk(name, r, ['status', '--json']))
  const ours = JSON.parse(await trellisOk(r, ['status', '--json']))
  expect(ours).toEqual(theirs)
  return ours
}

function pipelineRepo(): Repo {
  const r = makeRepo(INTEROP_PIPELINE)
  repos.push(r)
  return r
}

describe.each<DvcName>(['dvc2', 'dvc3'])('pipelines with %s', (name) => {
  it('after dvc repro, Trellis finds everything up to date and runs nothing; after a trellis repro of a change, so does DVC', async () => {
    const r = pipelineRepo()
    await dvcOk(name, r, ['repro'])
    expect(await bothStatus(name, r)).toEqual({})
    const again = await trellisOk(r, ['repro'])
    expect(again).not.toContain('Running stage')
    expect(again).toContain('Data and pipelines are up to date.')

    // change a param of each file type and a file inside the directory dep
    r.write('params.yaml', 'lr: 0.2\nprep:\n  n: 3\n')
    r.write('params.toml', '[train]\nepochs = 3\n')
    r.write('params.py', 'BATCH = 8\nNAME = "base"\n')
    r.write('params.json', '{"seed": 2, "unused": true}\n')
    r.write('data/raw/sub/c.txt', 'gamma 2\r\n')
    const changed = await bothStatus(name, r)
    expect(Object.keys(changed as object).sort()).toEqual(['prep', 'train'])
    const ours = await trellisOk(r, ['repro'])
    expect(ours).toContain("Running stage 'train'")
    expect(await bothStatus(name, r)).toEqual({})
    const theirs = await dvcOk(name, r, ['repro'])
    expect(theirs).not.toContain('Running stage')
  })

  it('after trellis repro on a fresh repo, DVC finds everything up to date and runs nothing', async () => {
    const r = pipelineRepo()
    const ours = await trellisOk(r, ['repro'])
    expect(ours).toContain("Running stage 'gen@x'")
    expect(await bothStatus(name, r)).toEqual({})
    const theirs = await dvcOk(name, r, ['repro'])
    expect(theirs).not.toContain('Running stage')
    expect(r.read('metrics.json')).toBe('{"acc": 0.5, "lr": 0.1}')
  })

  it('run-cache entries written by one tool are restored by the other', async () => {
    const r = pipelineRepo()
    await dvcOk(name, r, ['repro']) // DVC's run-cache entries for lr 0.1
    r.write('params.yaml', 'lr: 0.3\nprep:\n  n: 3\n')
    expect(await trellisOk(r, ['repro'])).toContain("Running stage 'train'") // Trellis' entries for lr 0.3
    r.write('params.yaml', 'lr: 0.1\nprep:\n  n: 3\n')
    expect(await trellisOk(r, ['repro'])).toContain("Stage 'train' is cached - skipping run, checking out outputs")
    expect(r.read('metrics.json')).toBe('{"acc": 0.5, "lr": 0.1}')
    expect(await bothStatus(name, r)).toEqual({})
    r.write('params.yaml', 'lr: 0.3\nprep:\n  n: 3\n')
    const theirs = await dvcOk(name, r, ['repro'])
    expect(theirs).toContain("Stage 'train' is cached - skipping run, checking out outputs")
    expect(r.read('metrics.json')).toBe('{"acc": 0.5, "lr": 0.3}')
    expect(await bothStatus(name, r)).toEqual({})
  })

  it('--no-commit leaves the same status in both tools, whichever ran it', async () => {
    const r = pipelineRepo()
    await trellisOk(r, ['repro', '--no-commit'])
    const afterOurs = await bothStatus(name, r)
    expect(afterOurs).not.toEqual({})
    const r2 = pipelineRepo()
    await dvcOk(name, r2, ['repro', '--no-commit'])
    expect(await bothStatus(name, r2)).toEqual(afterOurs)
  })
})
