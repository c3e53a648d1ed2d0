import { describe, expect, it } from 'vitest'
import { ServiceRegistry, dvcExpMessage, parseDvcExpMessage, pickle, type Trellis } from '@trellis/core'
import plugin, { LocalQueue, tempLinkTypes } from './index.js'

describe('plugin', () => {
  it('registers the local queue as the queue service', async () => {
    const trellis = { root: '/', gitRoot: '/', tmpDir: '/.dvc/tmp', services: new ServiceRegistry(), settings: {} } as unknown as Trellis
    await plugin.apply(trellis)
    const queue = await trellis.services.get('queue')
    expect(queue).toBeInstanceOf(LocalQueue)
    expect(queue.name).toBe('local')
  })
})

describe('temp workspace link types', () => {
  it('prefers links when the configuration allows copies, keeps it otherwise', () => {
    expect(tempLinkTypes(['reflink', 'copy'])).toEqual(['reflink', 'hardlink', 'copy'])
    expect(tempLinkTypes(['copy'])).toEqual(['reflink', 'hardlink', 'copy'])
    expect(tempLinkTypes(['symlink', 'copy'])).toEqual(['reflink', 'symlink', 'hardlink', 'copy'])
    expect(tempLinkTypes(['hardlink', 'symlink'])).toEqual(['hardlink', 'symlink'])
    expect(tempLinkTypes(['symlink'])).toEqual(['symlink'])
  })
})

describe("DVC's queue format", () => {
  it('writes and parses the stash message', () => {
    const a = 'a'.repeat(40)
    const b = 'b'.repeat(40)
    expect(dvcExpMessage(a, b)).toBe(`dvc-exp:${a}:${b}:`)
    expect(parseDvcExpMessage(`commit: dvc-exp:${a}:${b}:lr2`)).toEqual({ rev: a, baseline: b, name: 'lr2', branch: undefined })
    expect(parseDvcExpMessage(`commit: dvc-exp:${a}:${b}:`)).toEqual({ rev: a, baseline: b, name: undefined, branch: undefined })
    expect(parseDvcExpMessage(`commit: dvc-exp:${a}:${b}:n:refs/exps/x`)?.branch).toBe('refs/exps/x')
    expect(parseDvcExpMessage('commit: WIP on main')).toBeUndefined()
  })

  it("pickles repro.dat as Python's pickle module reads it (protocol 2)", () => {
    // python3 -c "import pickle; print(pickle.loads(bytes.fromhex(...)))" gives the object back
    const bytes = pickle({ args: { tuple: [] }, kwargs: { targets: ['train'], force: true, run_cache: false, extra: 2, none: null } })
    expect(bytes.toString('latin1')).toBe(
      '\x80\x02}(X\x04\x00\x00\x00args)X\x06\x00\x00\x00kwargs}(X\x07\x00\x00\x00targets](X\x05\x00\x00\x00traineX\x05\x00\x00\x00force\x88X\x09\x00\x00\x00run_cache\x89X\x05\x00\x00\x00extraJ\x02\x00\x00\x00X\x04\x00\x00\x00noneNuu.',
    )
  })
})
