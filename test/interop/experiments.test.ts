/**
 * Experiments, DVC ⇄ Trellis: experiments Trellis runs are listed by `dvc exp show --json`
 * with the same params and metrics, and `dvc exp apply / branch / remove` work on them;
 * experiments DVC runs are listed, applied and removed by Trellis.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from '../support/repo.js'
import { dvcOk, type DvcName } from '../support/dvc.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))

async function trellisOk(r: Repo, args: string[]): Promise<string> {
  const res = await r.run(args)
  if (res.code !== 0) throw new Error(`trellis ${args.join(' ')} failed (${res.code}):\n${res.stdout}\n${res.stderr}`)
  return res.stdout
}

const PROJECT = {
  'params.yaml': 'lr: 0.1\n',
  'train.sh': 'lr=$(sed -n "s/^lr: //p" params.yaml)\nprintf \'{"acc": %s}\' "$lr" > m.json\necho "$lr" > model.txt\n',
  'dvc.yaml': 'stages:\n  train:\n    cmd: sh train.sh\n    deps: [train.sh]\n    params: [lr]\n    outs: [model.txt]\n    metrics:\n    - m.json:\n        cache: false\n',
}

async function baseline(): Promise<Repo> {
  const r = makeRepo(PROJECT)
  repos.push(r)
  await trellisOk(r, ['repro'])
  r.commitAll('baseline')
  return r
}

interface ExpData {
  params: unknown
  metrics: unknown
}

/** `exp show --json` as name → data: the list form DVC 2.58 and 3.x print, or the older dict form Trellis prints. */
function dvcExperiments(json: unknown): Map<string, ExpData> {
  const out = new Map<string, ExpData>()
  if (Array.isArray(json)) {
    for (const base of json as Array<{ experiments?: Array<{ name?: string; revs: Array<{ name?: string; data: ExpData }> }> | null }>) {
      for (const exp of base.experiments ?? []) for (const rev of exp.revs) out.set(rev.name ?? exp.name ?? '', rev.data)
    }
    return out
  }
  for (const base of Object.values(json as Record<string, Record<string, { data: ExpData & { name?: string } }>>)) {
    for (const [sha, entry] of Object.entries(base)) if (sha !== 'baseline' && entry.data.name) out.set(entry.data.name, entry.data)
  }
  return out
}

describe.each<DvcName>(['dvc2', 'dvc3'])('experiments with %s', (name) => {
  it('a Trellis experiment is listed by dvc exp show --json with the same params and metrics; dvc exp apply/branch/remove work on it', async () => {
    const r = await baseline()
    await trellisOk(r, ['exp', 'run', '-S', 'lr=0.2', '-n', 'ours'])
    await trellisOk(r, ['exp', 'run', '-S', 'lr=0.3', '-n', 'ours2'])
    const theirs = dvcExperiments(JSON.parse(await dvcOk(name, r, ['exp', 'show', '--json'])))
    const ours = dvcExperiments(JSON.parse(await trellisOk(r, ['exp', 'show', '--json'])))
    for (const exp of ['ours', 'ours2']) {
      expect(theirs.get(exp)?.params).toEqual(ours.get(exp)?.params)
      expect(theirs.get(exp)?.metrics).toEqual(ours.get(exp)?.metrics)
    }
    expect(theirs.get('ours')?.params).toEqual({ 'params.yaml': { data: { lr: 0.2 } } })
    expect(theirs.get('ours')?.metrics).toEqual({ 'm.json': { data: { acc: 0.2 } } })

    await dvcOk(name, r, ['exp', 'apply', 'ours'])
    expect(r.read('params.yaml')).toBe('lr: 0.2\n')
    expect(r.read('model.txt')).toBe('0.2\n') // the output, from the cache Trellis filled
    await dvcOk(name, r, ['exp', 'branch', 'ours', 'ours-branch'])
    expect(r.git('show', 'ours-branch:params.yaml')).toBe('lr: 0.2')
    await dvcOk(name, r, ['exp', 'remove', 'ours2'])
    expect((await trellisOk(r, ['exp', 'list', '--names-only'])).split('\n').filter(Boolean)).toEqual(['ours'])
  })

  it("DVC's experiment is listed, applied and removed by Trellis", async () => {
    const r = await baseline()
    await dvcOk(name, r, ['exp', 'run', '-S', 'lr=0.4', '-n', 'theirs'])
    r.git('checkout', '--', '.') // DVC leaves the experiment's results in the workspace
    r.write('params.yaml', 'lr: 0.1\n')
    const listed = dvcExperiments(JSON.parse(await trellisOk(r, ['exp', 'show', '--json'])))
    expect(listed.get('theirs')?.params).toEqual({ 'params.yaml': { data: { lr: 0.4 } } })
    expect(listed.get('theirs')?.metrics).toEqual({ 'm.json': { data: { acc: 0.4 } } })
    await trellisOk(r, ['exp', 'apply', 'theirs', '-f'])
    expect(r.read('params.yaml')).toBe('lr: 0.4\n')
    expect(r.read('model.txt')).toBe('0.4\n')
    await trellisOk(r, ['exp', 'remove', 'theirs'])
    expect((await dvcOk(name, r, ['exp', 'list', '--names-only'])).trim()).toBe('')
  })
})
