/**
 * `trellis remote add|default|modify|list|remove|rename` on `.dvc/config` and
 * `.dvc/config.local`, written as DVC's configobj writes them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => repos.splice(0).forEach((r) => r.remove()))
function repo(): Repo {
  const r = makeRepo()
  repos.push(r)
  return r
}

describe('trellis remote', () => {
  it('add -d writes configobj layout, stores a relative path relative to .dvc/, list masks passwords', async () => {
    const r = repo()
    r.write('.dvc/config', '[core]\n    # keep me?\n    autostage = true # inline\n')
    const add = await r.run(['remote', 'add', '-d', 'Storage', '../store'])
    expect(add.code).toBe(0)
    expect(add.stdout).toBe("Setting 'storage' as a default remote.\n")
    expect((await r.run(['remote', 'add', 's3', 's3://key:secret@bucket/data'])).code).toBe(0)
    expect(r.read('.dvc/config')).toBe(
      `[core]\n    autostage = true\n    remote = storage\n['remote "storage"']\n    url = ../../store\n['remote "s3"']\n    url = s3://key:***@bucket/data\n`.replace('***', 'secret'),
    )
    const list = await r.run(['remote', 'list'])
    expect(list.stdout).toBe('storage\t../../store\ns3\ts3://key:***@bucket/data\n')
    expect(list.stdout).not.toContain('secret')
    expect((await r.run(['remote', 'default'])).stdout).toBe('storage\n')
  })

  it('refuses an existing name without -f, and replaces it with -f', async () => {
    const r = repo()
    await r.run(['remote', 'add', 'a', '/x'])
    const again = await r.run(['remote', 'add', 'a', '/y'])
    expect(again.code).toBe(251)
    expect(again.stderr).toContain("ERROR: config file error: remote 'a' already exists. Use `-f|--force` to overwrite it.")
    expect(r.read('.dvc/config')).toContain('url = /x')
    expect((await r.run(['remote', 'add', '-f', 'a', '/y'])).code).toBe(0)
    expect(r.read('.dvc/config')).toContain('url = /y')
  })

  it('modify quotes values holding # or , and --unset removes them; an unknown remote is an error', async () => {
    const r = repo()
    await r.run(['remote', 'add', 'a', '/x'])
    await r.run(['remote', 'modify', 'a', 'region', 'eu # west'])
    await r.run(['remote', 'modify', 'a', 'profile', 'p1,p2'])
    expect(r.read('.dvc/config')).toBe(`['remote "a"']\n    url = /x\n    region = "eu # west"\n    profile = "p1,p2"\n`)
    await r.run(['remote', 'modify', 'a', 'region', '--unset'])
    expect(r.read('.dvc/config')).not.toContain('region')
    const bad = await r.run(['remote', 'modify', 'nope', 'url', '/z'])
    expect(bad.code).toBe(251)
    expect(bad.stderr).toContain("ERROR: config file error: remote 'nope' doesn't exist.")
    const noValue = await r.run(['remote', 'modify', 'a', 'url'])
    expect(noValue.code).not.toBe(0)
    expect(noValue.stderr).toContain("ERROR: no value given for option 'url'")
  })

  it('--local writes config.local; list --local and list merge the levels', async () => {
    const r = repo()
    await r.run(['remote', 'add', 'shared', '/team'])
    await r.run(['remote', 'add', '--local', '-d', 'mine', '/home/me/store'])
    await r.run(['remote', 'modify', '--local', 'shared', 'user', 'me'])
    expect(r.read('.dvc/config.local')).toBe(`[core]\n    remote = mine\n['remote "mine"']\n    url = /home/me/store\n['remote "shared"']\n    user = me\n`)
    expect((await r.run(['remote', 'list', '--local'])).stdout).toBe('mine\t/home/me/store\nshared\t\n')
    expect((await r.run(['remote', 'list'])).stdout).toBe('shared\t/team\nmine\t/home/me/store\n')
    expect((await r.run(['remote', 'default'])).stdout).toBe('mine\n')
    expect((await r.run(['remote', 'default', '--project'])).code).toBe(1)
  })

  it('default sets, refuses an unknown remote, and --unset clears', async () => {
    const r = repo()
    await r.run(['remote', 'add', 'a', '/x'])
    const unknown = await r.run(['remote', 'default', 'b'])
    expect(unknown.code).toBe(251)
    expect(unknown.stderr).toContain('ERROR: config file error: default remote must be present in remote list.')
    await r.run(['remote', 'default', 'a'])
    expect(r.read('.dvc/config')).toContain('[core]\n    remote = a\n')
    await r.run(['remote', 'default', '--unset'])
    expect(r.read('.dvc/config')).not.toContain('[core]')
    const none = await r.run(['remote', 'default'])
    expect([none.code, none.stdout]).toEqual([1, 'No default remote set\n'])
  })

  it('rename moves the section and the default; remove drops both (also from config.local)', async () => {
    const r = repo()
    await r.run(['remote', 'add', '-d', 'a', '/x'])
    await r.run(['remote', 'add', 'b', '/y'])
    r.write('.dvc/config.local', '[core]\n    remote = a\n')
    const clash = await r.run(['remote', 'rename', 'a', 'b'])
    expect(clash.stderr).toContain("Rename failed. Remote name 'b' already exists.")
    expect((await r.run(['remote', 'rename', 'a', 'c'])).code).toBe(0)
    expect(r.read('.dvc/config')).toBe(`[core]\n    remote = c\n['remote "b"']\n    url = /y\n['remote "c"']\n    url = /x\n`)
    expect(r.read('.dvc/config.local')).toBe('[core]\n    remote = c\n')
    expect((await r.run(['remote', 'remove', 'c'])).code).toBe(0)
    expect(r.read('.dvc/config')).toBe(`['remote "b"']\n    url = /y\n`)
    expect(r.read('.dvc/config.local')).toBe('')
    const gone = await r.run(['remote', 'remove', 'c'])
    expect([gone.code, gone.stderr]).toEqual([251, expect.stringContaining("ERROR: config file error: remote 'c' doesn't exist.")])
  })

  it('a config value with an inline comment is read without it (cache.dir)', async () => {
    const r = repo()
    r.write('.dvc/config', '[cache]\n    dir = ../team-cache # team cache\n[core]\n    remote = "s" # quoted\n[remote "s"]\n    url = /x\n')
    expect((await r.run(['remote', 'default'])).stdout).toBe('s\n')
    expect((await r.run(['remote', 'list'])).stdout).toBe('s\t/x\n')
  })
})
