import { describe, expect, it } from 'vitest'
import { redactText, redactUrl, urlSecrets } from './redact-url.js'

describe('redactUrl / redactText', () => {
  it('masks the password of a URL and nothing else', () => {
    expect(redactUrl('https://bob:s3cr%40t@git.example.com/x.git')).toBe('https://bob:***@git.example.com/x.git')
    expect(redactUrl('https://token@git.example.com/x.git')).toBe('https://token@git.example.com/x.git')
    expect(redactUrl('ssh://git@host:22/x.git')).toBe('ssh://git@host:22/x.git')
    expect(redactUrl('origin')).toBe('origin')
    expect(redactUrl('/srv/git/x.git')).toBe('/srv/git/x.git')
  })

  it('scrubs every URL-with-password and the given secrets, encoded or decoded, from a text', () => {
    const url = 'http://bob:p%40ss@127.0.0.1:8080/r.git'
    const text = `fatal: unable to access '${url}/': The requested URL returned error: 401\nremote said p@ss is wrong`
    const out = redactText(text, urlSecrets(url))
    expect(out).toContain("'http://bob:***@127.0.0.1:8080/r.git/'")
    expect(out).not.toMatch(/p%40ss|p@ss/)
    expect(urlSecrets('https://host/x.git')).toEqual([])
  })
})
