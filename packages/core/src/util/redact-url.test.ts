import { describe, expect, it } from 'vitest'
import { redactError, redactText, redactUrl, urlSecrets } from './redact-url.js'

describe('redactUrl / redactText', () => {
  it('masks the password of a URL and nothing else', () => {
    expect(redactUrl('https://bob:s3cr%40t@git.example.com/x.git')).toBe('https://bob:***@git.example.com/x.git')
    expect(redactUrl('https://ghp_token@git.example.com/x.git')).toBe('https://***@git.example.com/x.git')
    expect(redactUrl('https://ghp_token:x-oauth-basic@github.com/x.git')).toBe('https://***:***@github.com/x.git')
    expect(redactUrl('https://ghp_token:@github.com/x.git')).toBe('https://***:***@github.com/x.git')
    expect(redactUrl("git failed for 'http://ghp_token@h/x.git/' and 'https://a:b@h2/y'")).toBe("git failed for 'http://***@h/x.git/' and 'https://a:***@h2/y'")
    expect(redactUrl('https://git.example.com/x.git?u=a@b')).toBe('https://git.example.com/x.git?u=a@b')
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
    expect(urlSecrets('https://ghp_1234567890@host/x.git')).toEqual(['ghp_1234567890'])
    expect(urlSecrets('https://git@host/x.git')).toEqual([]) // too short to scrub from free text
  })

  it('redactError masks the message, the stack and every cause', () => {
    const cause = new Error('fatal: unable to access https://ghp_secrettoken@host/x.git')
    const error = new Error('push to https://ghp_secrettoken@host/x.git failed', { cause })
    const text = redactError(error)
    expect(text).toContain('Caused by: Error: fatal: unable to access https://***@host/x.git')
    expect(text).toMatch(/\n\s+at /)
    expect(text).not.toContain('ghp_secrettoken')
  })
})
