/**
 * `trellis ui`'s security rules (issue 14 item 6), one test per rejection, against
 * the real server: the loopback bind, the per-run token (401), the Host check
 * (403, DNS rebinding), the Origin check (403, CSRF), JSON-only POSTs (415), and
 * no file outside the page's assets or the repository's plots served (404).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Repo } from './support/repo.js'
import { makeUiProject } from './support/ui-project.js'
import { rawRequest, startUi, type UiServer } from './support/ui-server.js'

let repo: Repo
let ui: UiServer
let outside: string

/** The local address of the socket listening on `port` (/proc/net/tcp, hex `AABBCCDD:PORT`). */
function listeningAddress(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/)
    if (state === '0A' && local?.endsWith(`:${hexPort}`)) return local.split(':')[0]
  }
  return undefined
}

beforeAll(async () => {
  repo = await makeUiProject({ fast: ['train.lr=0.3'] })
  outside = mkdtempSync(join(tmpdir(), 'trellis-outside-'))
  writeFileSync(join(outside, 'secret.png'), 'not for the page')
  ui = await startUi(repo)
})

afterAll(async () => {
  await ui?.stop()
  repo?.remove()
  rmSync(outside, { recursive: true, force: true })
})

const auth = () => ({ authorization: `Bearer ${ui.token}` })
const host = () => `127.0.0.1:${ui.port}`

describe('trellis ui: binding and the token', () => {
  it('listens on 127.0.0.1 only by default', () => {
    expect(listeningAddress(ui.port)).toBe('0100007F') // 127.0.0.1, little-endian hex
  })

  it('an API call without a token is a 401', async () => {
    const r = await rawRequest(ui.port, '/api/project')
    expect(r.status).toBe(401)
    expect(JSON.parse(r.body).error.code).toBe('UI_UNAUTHORIZED')
  })

  it('a wrong token is a 401, in the header and in the query', async () => {
    const header = await rawRequest(ui.port, '/api/project', { headers: { authorization: `Bearer ${ui.token.slice(1)}x` } })
    expect(header.status).toBe(401)
    const query = await rawRequest(ui.port, `/api/experiments?token=${ui.token}x`)
    expect(query.status).toBe(401)
    const events = await rawRequest(ui.port, '/api/events?token=nope')
    expect(events.status).toBe(401)
    expect(JSON.parse(events.body).error.code).toBe('UI_UNAUTHORIZED')
  })

  it('the right token works in the header and in the query (EventSource, images)', async () => {
    expect((await rawRequest(ui.port, '/api/project', { headers: auth() })).status).toBe(200)
    expect((await rawRequest(ui.port, `/api/project?token=${ui.token}`)).status).toBe(200)
  })

  it('the token guards the image endpoint too', async () => {
    const r = await rawRequest(ui.port, '/api/plots/image?rev=fast&path=plots/curve.png')
    expect(r.status).toBe(401)
    expect((await rawRequest(ui.port, `/api/plots/image?rev=fast&path=plots/curve.png&token=${ui.token}`)).status).toBe(200)
  })
})

describe('trellis ui: Host and Origin', () => {
  it('a Host that is not this server is a 403 (DNS rebinding), for the API and the page', async () => {
    const api = await rawRequest(ui.port, '/api/project', { headers: { ...auth(), host: `rebind.example:${ui.port}` } })
    expect(api.status).toBe(403)
    expect(JSON.parse(api.body).error.code).toBe('UI_FORBIDDEN_HOST')
    const page = await rawRequest(ui.port, '/', { headers: { host: `rebind.example:${ui.port}` } })
    expect(page.status).toBe(403)
    const otherPort = await rawRequest(ui.port, '/api/project', { headers: { ...auth(), host: `127.0.0.1:${ui.port + 1}` } })
    expect(otherPort.status).toBe(403)
  })

  it('localhost:PORT and 127.0.0.1:PORT are accepted', async () => {
    expect((await rawRequest(ui.port, '/api/project', { headers: { ...auth(), host: `localhost:${ui.port}` } })).status).toBe(200)
    expect((await rawRequest(ui.port, '/api/project', { headers: { ...auth(), host: host() } })).status).toBe(200)
  })

  it('a request from another Origin is a 403 (CSRF), even with the token', async () => {
    for (const origin of ['http://evil.example', 'null', `http://localhost:${ui.port + 1}`]) {
      const r = await rawRequest(ui.port, '/api/run', {
        method: 'POST',
        headers: { ...auth(), origin, 'content-type': 'application/json' },
        body: JSON.stringify({ setParams: ['train.lr=0.9'], queue: true }),
      })
      expect(r.status, origin).toBe(403)
      expect(JSON.parse(r.body).error.code).toBe('UI_FORBIDDEN_ORIGIN')
    }
    const queue = await ui.api('/api/queue')
    expect(queue.body.entries).toEqual([]) // nothing was queued
  })

  it("the server's own origin is accepted", async () => {
    const r = await rawRequest(ui.port, '/api/project', { headers: { ...auth(), origin: `http://${host()}` } })
    expect(r.status).toBe(200)
  })
})

describe('trellis ui: state changes need a JSON body', () => {
  it('a POST that is not application/json is a 415 and changes nothing', async () => {
    const body = JSON.stringify({ setParams: ['train.lr=0.9'], queue: true })
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const headers: Record<string, string> = { ...auth() }
      if (type) headers['content-type'] = type
      const r = await rawRequest(ui.port, '/api/run', { method: 'POST', headers, body })
      expect(r.status, String(type)).toBe(415)
      expect(JSON.parse(r.body).error.code).toBe('UI_UNSUPPORTED_MEDIA_TYPE')
    }
    expect((await ui.api('/api/queue')).body.entries).toEqual([])
  })

  it('a JSON body that is not an object, or lacks a field, is a 400', async () => {
    const notJson = await rawRequest(ui.port, '/api/remove', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{nope' })
    expect(notJson.status).toBe(400)
    expect(JSON.parse(notJson.body).error.code).toBe('UI_BAD_REQUEST')
    const missing = await ui.api('/api/branch', { body: { exp: 'fast' } })
    expect(missing.status).toBe(400)
    expect(missing.body.error.message).toContain("'branch'")
  })
})

describe('trellis ui: nothing outside the assets or the repository is served', () => {
  const image = (rev: string, path: string) => rawRequest(ui.port, `/api/plots/image?${new URLSearchParams({ rev, path, token: ui.token })}`)

  it('static paths that climb out of the assets dir are 404s', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/index.html/../../package.json', '/api/../../../etc/passwd', '//etc/passwd']) {
      const r = await rawRequest(ui.port, path, { headers: auth() })
      expect(r.status, path).toBe(404)
      expect(r.body).not.toContain('"name"')
    }
  })

  it('an image path outside the repository, into .git or absolute is a 404', async () => {
    for (const path of ['../secret.png', `${outside}/secret.png`, '.git/config', 'plots/../../secret.png', '.dvc/tmp/exps/queue/x.png']) {
      for (const rev of ['workspace', 'fast']) {
        const r = await image(rev, path)
        expect(r.status, `${rev} ${path}`).toBe(404)
        expect(JSON.parse(r.body).error.code).toBe('UI_NOT_FOUND')
      }
    }
  })

  it('a file of the repository that no plot names is a 404', async () => {
    for (const path of ['metrics.json', 'train.js', 'dvc.yaml']) expect((await image('workspace', path)).status, path).toBe(404)
  })

  it('a workspace plot image that is a symlink leading out of the repository is a 404', async () => {
    const curve = repo.path('plots/curve.png')
    const kept = readFileSync(curve)
    unlinkSync(curve)
    symlinkSync(join(outside, 'secret.png'), curve)
    try {
      const r = await image('workspace', 'plots/curve.png')
      expect(r.status).toBe(404)
      expect(r.body).not.toContain('not for the page')
    } finally {
      unlinkSync(curve)
      writeFileSync(curve, kept)
    }
    expect((await image('workspace', 'plots/curve.png')).status).toBe(200)
  })

  it('image responses cannot run scripts (sandboxed CSP, nosniff)', async () => {
    const r = await image('fast', 'plots/curve.png')
    expect(r.headers['content-security-policy']).toContain('sandbox')
    expect(r.headers['x-content-type-options']).toBe('nosniff')
  })
})

describe('trellis ui --host 0.0.0.0', () => {
  it('warns, listens on every interface and still requires the token', async () => {
    const open = await startUi(repo, ['--host', '0.0.0.0'])
    try {
      expect(await open.stderrMatching(/WARNING/)).toMatch(/^WARNING: the UI listens on 0\.0\.0\.0: anyone who can reach this machine and has the token/)
      expect(listeningAddress(open.port)).toBe('00000000')
      const denied = await rawRequest(open.port, '/api/project')
      expect(denied.status).toBe(401)
      const allowed = await rawRequest(open.port, '/api/project', { headers: { authorization: `Bearer ${open.token}` } })
      expect(allowed.status).toBe(200)
      const rebound = await rawRequest(open.port, '/api/project', { headers: { authorization: `Bearer ${open.token}`, host: `rebind.example:${open.port}` } })
      expect(rebound.status).toBe(403)
    } finally {
      await open.stop()
    }
  })
})
