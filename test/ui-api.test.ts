/**
 * `trellis ui`'s read endpoints, against the real server started by the built CLI
 * in a repository whose experiments the CLI made: each answers what the CLI
 * command it mirrors prints (`exp show --json`, `exp diff --json`, `queue status`,
 * `queue logs`), plus plots, checkpoints and the page's static files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeDvcCheckpoints } from './support/dvc-experiment.js'
import type { Repo } from './support/repo.js'
import { makeUiProject, ok } from './support/ui-project.js'
import { rawRequest, startUi, type UiServer } from './support/ui-server.js'

const PLUGIN_UI = resolve(dirname(fileURLToPath(import.meta.url)), '../packages/plugin-ui')

let repo: Repo
let ui: UiServer
let head: string

beforeAll(async () => {
  repo = await makeUiProject({ slow: ['train.lr=0.05'], fast: ['train.lr=0.3'], whole: ['train.lr=1.0'] })
  head = repo.git('rev-parse', 'HEAD')
  // a checkpoint experiment as DVC writes it: three commits chained on the baseline
  writeDvcCheckpoints(repo.dir, {
    name: 'ckpt',
    steps: [0.5, 0.6, 0.7].map((acc) => ({ files: { 'metrics.json': JSON.stringify({ acc, loss: 1 - acc }) } })),
  })
  await ok(repo, ['exp', 'run', '-q', '--queue', '-n', 'later', '-S', 'train.lr=0.2'])
  ui = await startUi(repo)
})

afterAll(async () => {
  await ui?.stop()
  repo?.remove()
})

describe('trellis ui: read endpoints', () => {
  it('prints its URL on 127.0.0.1 with a 43-character base64url token', () => {
    expect(ui.url.hostname).toBe('127.0.0.1')
    expect(ui.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(ui.output.stderr).toBe('')
  })

  it('GET / serves the page from the bundled assets, without the token', async () => {
    const page = await rawRequest(ui.port, '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    // exactly the bundled index.html (the built page, or the placeholder before it)
    expect(page.body).toBe(readFileSync(join(PLUGIN_UI, 'dist', 'web', 'index.html'), 'utf8'))
    expect(page.body).toMatch(/^<!doctype html>/i)
  })

  it('GET /api/project: the root, the baseline and its params', async () => {
    const { status, body } = await ui.api('/api/project')
    expect(status).toBe(200)
    expect(body.root).toBe(realpathSync(repo.dir))
    expect(body.baseline).toEqual({ rev: head, name: 'main' })
    expect(body.params).toEqual({ 'params.yaml': { train: { lr: 0.1, epochs: 3 } } })
    expect(body.paramsFiles).toEqual(['params.yaml'])
    expect(body.metricsFiles).toEqual(['metrics.json'])
    expect(body.queue).toBe(true)
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('GET /api/experiments is exactly `exp show --json`, plus the queue', async () => {
    const { status, body } = await ui.api('/api/experiments')
    expect(status).toBe(200)
    expect(body.experiments).toEqual(JSON.parse(await ok(repo, ['exp', 'show', '--json'])))
    const rows = body.experiments[head]
    expect(Object.values(rows).map((r: any) => r.data.name)).toEqual(expect.arrayContaining(['main', 'slow', 'fast', 'whole', 'ckpt', 'later']))
    expect(body.queue).toHaveLength(1)
    expect(body.queue[0]).toMatchObject({ name: 'later', state: 'queued', baseline: head, setParams: ['train.lr=0.2'], runner: null, error: null })
  })

  it('GET /api/experiments keeps a float written 1.0 a float (as `--json` prints it), in JSON', async () => {
    const response = await fetch(new URL('/api/experiments', ui.url.origin), { headers: { authorization: `Bearer ${ui.token}` } })
    const text = await response.text()
    expect(text).toContain('"train":{"lr":1.0,"epochs":3}')
    expect(await ok(repo, ['exp', 'show', '--json'])).toContain('"train": {"lr": 1.0, "epochs": 3}')
  })

  it('GET /api/experiments?A=1&n=2 is `exp show -A -n 2 --json`', async () => {
    const { body } = await ui.api('/api/experiments?A=1&n=2')
    expect(body.experiments).toEqual(JSON.parse(await ok(repo, ['exp', 'show', '-A', '-n', '2', '--json'])))
    expect(Object.keys(body.experiments)).toHaveLength(3) // workspace and both commits of main
  })

  it('GET /api/experiments?n=0 is a 400 naming the parameter', async () => {
    const { status, body } = await ui.api('/api/experiments?n=0')
    expect(status).toBe(400)
    expect(body.error).toMatchObject({ code: 'UI_BAD_REQUEST' })
    expect(body.error.message).toContain("'n'")
  })

  it('GET /api/diff is exactly `exp diff --json a b`', async () => {
    const { status, body } = await ui.api('/api/diff?a=slow&b=fast')
    expect(status).toBe(200)
    expect(body).toEqual(JSON.parse(await ok(repo, ['exp', 'diff', 'slow', 'fast', '--json'])))
    expect(body.params['params.yaml']['train.lr']).toEqual({ old: 0.05, new: 0.3, diff: 0.25 })
  })

  it('GET /api/diff of an unknown revision is the CLI error with its code', async () => {
    const { status, body } = await ui.api('/api/diff?a=main&b=nope')
    const cli = await repo.run(['exp', 'diff', 'main', 'nope'])
    expect(cli.code).not.toBe(0)
    expect(status).toBe(404)
    expect(body.error.code).toBe('EXP_NOT_FOUND')
    expect(cli.stderr).toContain(`ERROR: ${body.error.message}`)
    expect(cli.stderr).toContain(body.error.hint)
  })

  it('GET /api/plots: Vega-Lite specs with the data inlined, and image URLs', async () => {
    const { status, body } = await ui.api('/api/plots?revs=slow,fast')
    expect(status).toBe(200)
    expect(body.revisions).toEqual(['slow', 'fast'])
    const loss = body.plots.find((p: any) => p.id === 'plots/loss.csv')
    expect(loss.images).toEqual([])
    const values = loss.vega.data.values as Array<Record<string, unknown>>
    expect(values.filter((v) => v.rev === 'fast').map((v) => Number(v.loss))).toEqual([0.7692, 0.625, 0.5263])
    expect(values.filter((v) => v.rev === 'slow')).toHaveLength(3)
    const curve = body.plots.find((p: any) => p.id === 'plots/curve.png')
    expect(curve.vega).toBeUndefined()
    expect(curve.images.map((i: any) => [i.rev, i.path])).toEqual([
      ['slow', 'plots/curve.png'],
      ['fast', 'plots/curve.png'],
    ])
    // each URL gives that revision's bytes (the red channel is lr * 255)
    const bytes = await Promise.all(
      curve.images.map(async (i: any) => {
        const r = await fetch(new URL(i.url, ui.url.origin), { headers: { authorization: `Bearer ${ui.token}` } })
        expect(r.status).toBe(200)
        expect(r.headers.get('content-type')).toBe('image/png')
        return Buffer.from(await r.arrayBuffer())
      }),
    )
    const fromGit = (name: string) => execFileSync('git', ['show', `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/${name}:plots/curve.png`], { cwd: repo.dir })
    expect(bytes[0]!.equals(fromGit('slow'))).toBe(true)
    expect(bytes[1]!.equals(fromGit('fast'))).toBe(true)
    expect(bytes[0]!.equals(bytes[1]!)).toBe(false)
  })

  it('GET /api/checkpoints: each checkpoint of the chain, oldest first, with its metrics', async () => {
    const { status, body } = await ui.api('/api/checkpoints?exp=ckpt')
    expect(status).toBe(200)
    expect(body.name).toBe('ckpt')
    expect(body.ref).toBe(`refs/exps/${head.slice(0, 2)}/${head.slice(2)}/ckpt`)
    expect(body.checkpoints.map((c: any) => c.metrics['metrics.json'].acc)).toEqual([0.5, 0.6, 0.7])
    expect(body.checkpoints[2].rev).toBe(repo.git('rev-parse', body.ref))
  })

  it('GET /api/checkpoints of a plain experiment is its one commit; of a branch, EXP_NOT_FOUND', async () => {
    const plain = await ui.api('/api/checkpoints?exp=fast')
    expect(plain.body.checkpoints).toHaveLength(1)
    expect(plain.body.checkpoints[0].metrics['metrics.json']).toEqual({ acc: 0.8, loss: 0.5263 })
    const branch = await ui.api('/api/checkpoints?exp=main')
    expect(branch.status).toBe(404)
    expect(branch.body.error.code).toBe('EXP_NOT_FOUND')
    const missing = await ui.api('/api/checkpoints')
    expect(missing.status).toBe(400)
    expect(missing.body.error.code).toBe('UI_BAD_REQUEST')
  })

  it('GET /api/queue lists what `queue status --json` lists; GET /api/queue/:id/log what `queue logs` prints', async () => {
    const { body } = await ui.api('/api/queue')
    const cli = JSON.parse(await ok(repo, ['queue', 'status', '--json']))
    expect(body.entries.map((e: any) => [e.id, e.name, e.state])).toEqual(cli.map((e: any) => [e.id, e.name, e.state]))
    const id = body.entries[0].id
    const log = await ui.api(`/api/queue/${id.slice(0, 7)}/log`)
    expect(log.status).toBe(200)
    expect(log.body).toEqual({ id, text: '' }) // not run yet: no log
    const unknown = await ui.api('/api/queue/nothing/log')
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('EXP_NOT_FOUND')
  })

  it('an unknown path is a JSON 404', async () => {
    const { status, body } = await ui.api('/api/nothing')
    expect(status).toBe(404)
    expect(body.error.code).toBe('UI_NOT_FOUND')
  })
})
