import { describe, expect, it } from 'vitest'
import { attributesTransformContent } from './attributes.js'
import { configBool, formatIdentity, identity, parseGitConfig } from './config.js'

describe('parseGitConfig', () => {
  it('reads sections, subsections, quotes, escapes, comments and bare booleans', () => {
    const config = parseGitConfig(
      [
        '[core]',
        '\tfileMode = false ; trailing comment',
        '\tbare',
        '[user]',
        '  name = "Ada  Lovelace" # kept inner spaces',
        '  email = ada@example.com',
        '[remote "Origin"]',
        '  url = https://example.com/a\\',
        'b.git',
        '[Section.Sub]',
        '  key = one \\"two\\" \\t three',
      ].join('\n'),
    )
    expect(config.get('core.filemode')).toBe('false')
    expect(configBool(config, 'core.filemode', true)).toBe(false)
    expect(config.get('core.bare')).toBe(true)
    expect(config.get('user.name')).toBe('Ada  Lovelace')
    expect(config.get('user.email')).toBe('ada@example.com')
    expect(config.get('remote.Origin.url')).toBe('https://example.com/ab.git')
    expect(config.get('section.sub.key')).toBe('one "two" \t three')
  })
})

describe('identity', () => {
  it('prefers GIT_* env, then author.*/committer.*, then user.*, then a default', () => {
    const config = parseGitConfig('[user]\nname = U\nemail = u@x\n[committer]\nname = C\n')
    const now = new Date('2024-01-01T00:00:00Z')
    expect(identity('author', config, {}, now)).toMatchObject({ name: 'U', email: 'u@x' })
    expect(identity('committer', config, {}, now)).toMatchObject({ name: 'C', email: 'u@x' })
    expect(identity('author', config, { GIT_AUTHOR_NAME: 'E' }, now)).toMatchObject({ name: 'E', email: 'u@x' })
    expect(identity('author', new Map(), {}, now)).toMatchObject({ name: 'Trellis', email: 'trellis@localhost' })
    const fixed = identity('author', config, { GIT_AUTHOR_DATE: '@1700000000 -0130' }, now)
    expect(formatIdentity(fixed)).toBe('U <u@x> 1700000000 -0130')
  })
})

describe('attributesTransformContent', () => {
  it('flags attributes that change stored bytes, not the harmless ones', () => {
    expect(attributesTransformContent('*.bin binary\n*.ipynb linguist-generated -diff\n*.txt -text\n')).toBe(false)
    expect(attributesTransformContent('* text=auto\n')).toBe(true)
    expect(attributesTransformContent('*.csv eol=lf\n')).toBe(true)
    expect(attributesTransformContent('*.pt filter=lfs diff=lfs merge=lfs -text\n')).toBe(true)
    expect(attributesTransformContent('# * text\n')).toBe(false)
  })
})
