import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfigObj, parseConfigValue, quoteConfigValue, writeConfigObj } from './configobj.js'
import { loadDvcConfig } from './dvc-config.js'

describe('configobj values (as DVC reads .dvc/config)', () => {
  it.each([
    ['../cache # shared', '../cache'],
    ['../cache#shared', '../cache'],
    ['"a # b"', 'a # b'],
    ["'x, y' # c", 'x, y'],
    ['', ''],
    ['""', ''],
    ['reflink, copy', ['reflink', 'copy']],
    ['reflink,copy # both', ['reflink', 'copy']],
    ['a,', ['a']],
    [',', []],
    ['"a", \'b\', c', ['a', 'b', 'c']],
    ['s3://bucket/path  ', 's3://bucket/path'],
  ])('%j → %j', (text, value) => {
    expect(parseConfigValue(text)).toEqual(value)
  })

  it('quotes on write as configobj does, and reads back what it wrote', () => {
    for (const value of ['plain', 'a # b', ' lead', 'x,y', "it's", 'say "hi"', '', ['a', 'b'], ['one'], []] as const) {
      const text = quoteConfigValue(value as never)
      expect(parseConfigValue(text)).toEqual(value)
    }
    expect(quoteConfigValue('a # b')).toBe('"a # b"')
    expect(quoteConfigValue(['reflink', 'copy'])).toBe('reflink, copy')
    expect(quoteConfigValue(['a'])).toBe('a,')
  })
})

describe('parseConfigObj / writeConfigObj', () => {
  it('reads every section-name form, lower-cases names and keys, and writes DVC layout', () => {
    const text = `# top\n[Core]\n  Remote = Origin # default\n['remote "origin"']\n    url = /data\n[remote "b"]\nurl=/b\n[ remote "c" ]\n url = "/c # not a comment"\n`
    const parsed = parseConfigObj(text, '.dvc/config')
    expect(parsed).toEqual({
      core: { remote: 'Origin' },
      'remote "origin"': { url: '/data' },
      'remote "b"': { url: '/b' },
      'remote "c"': { url: '/c # not a comment' },
    })
    expect(writeConfigObj(parsed)).toBe(
      `[core]\n    remote = Origin\n['remote "origin"']\n    url = /data\n['remote "b"']\n    url = /b\n['remote "c"']\n    url = "/c # not a comment"\n`,
    )
  })

  it('names the file and line of what it cannot parse', () => {
    expect(() => parseConfigObj('[core]\nremote storage\n', '.dvc/config')).toThrow(/'.dvc\/config' line 2/)
    expect(() => parseConfigObj('remote = x\n', '.dvc/config')).toThrow(/line 1: a value outside of any \[section\]/)
    expect(() => parseConfigObj('[core]\na = 1\na = 2\n', '.dvc/config')).toThrow(/duplicate key 'a'/)
    expect(() => parseConfigObj('[core\n', '.dvc/config')).toThrow(/line 1/)
  })
})

describe('loadDvcConfig (regression: issue 10, inline comments and quotes stayed in values)', () => {
  it('strips inline comments and quotes from cache.dir, cache.type and remote urls', async () => {
    const root = mkdtempSync(join(tmpdir(), 'trellis-config-'))
    try {
      mkdirSync(join(root, '.dvc'))
      writeFileSync(join(root, '.dvc', 'config'), `[cache]\n    dir = ../cache # shared\n    type = hardlink, copy\n[core]\n    remote = "storage"\n['remote "storage"']\n    url = '/mnt/store' # team\n`)
      writeFileSync(join(root, '.dvc', 'config.local'), `[remote "storage"]\n    url = /mnt/mine  # mine\n`)
      const config = await loadDvcConfig(root)
      expect(config.cacheDir).toBe(join(root, 'cache'))
      expect(config.cacheTypes).toEqual(['hardlink', 'copy'])
      expect(config.defaultRemote).toBe('storage')
      expect(config.remotes.storage!.url).toBe('/mnt/mine')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
