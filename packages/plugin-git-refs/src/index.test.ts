import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ServiceRegistry, createHooks, runtimeApi as core, type Trellis } from '@trellis/core'
import plugin, { gitRefsPlugin } from './index.js'
import { GitRefsRepository } from './git-repository.js'
import { cleanupRepos, git, isolateGitEnv, makeRepo } from './test-support/git-fixture.js'

beforeAll(isolateGitEnv)
afterAll(cleanupRepos)

describe('plugin', () => {
  it('registers the experiment store for the project root', async () => {
    expect(plugin).toBe(gitRefsPlugin)
    expect(plugin.name).toBe('git-refs')
    const root = makeRepo()
    const trellis = { root, gitRoot: root, hooks: createHooks(), services: new ServiceRegistry(), settings: {}, core } as unknown as Trellis
    await plugin.apply(trellis)
    const store = await trellis.services.get('gitRepository')
    expect(store).toBeInstanceOf(GitRefsRepository)
    expect(await store.head()).toBe(git(root, 'rev-parse', 'HEAD'))
  })

  it('fails with NOT_A_GIT_REPO outside a repository', async () => {
    const trellis = { root: '/', gitRoot: '/', hooks: createHooks(), services: new ServiceRegistry(), settings: {}, core } as unknown as Trellis
    await plugin.apply(trellis)
    await expect(trellis.services.get('gitRepository')).rejects.toMatchObject({ code: 'NOT_A_GIT_REPO' })
  })
})
