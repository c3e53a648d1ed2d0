/**
 * @trellis/plugin-git-refs: experiments as commits under hidden git refs
 * (`refs/exps/...`, DVC's layout). Registers two services:
 *
 * - `gitRepository` (git-repository.ts): the project's git repository, read
 *   and written in process (objects, refs, snapshots, remote transfers);
 * - `experimentStore` (experiment-store.ts): which commit is which experiment,
 *   in DVC's ref layout, on top of that repository.
 *
 * It also taps `onExperimentCommit` for auto-push (`DVC_EXP_AUTO_PUSH` +
 * `DVC_EXP_GIT_REMOTE`, see auto-push.ts). The repository's code is imported
 * when a service is first asked for, so loading the plugin costs next to
 * nothing and commands that never touch experiments never load it (nor
 * isomorphic-git, which it loads only to read packed objects). Every value it
 * needs from the engine comes from `trellis.core` (see core.ts).
 *
 * Options (`plugins: [['git-refs', { backend: 'native' }]]`): `backend` is
 * `auto` (default), `fs` or `native`; `transport` is `auto` (default),
 * `native` or `iso`; see {@link GitRefsRepositoryOptions}.
 */
import type { Trellis, TrellisPlugin } from '@trellis/core/plugin-api'
import { tapAutoPush } from './auto-push.js'
import type { GitRefsRepositoryOptions } from './git-repository.js'

export const PLUGIN_NAME = 'git-refs'

export const gitRefsPlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis, options?: unknown) {
    const storeOptions = (options && typeof options === 'object' ? options : {}) as GitRefsRepositoryOptions
    // `gitRepository: {backend: git-refs}` in the config chooses it
    trellis.services.register('gitRepository', 'git-refs', async () => {
      const { GitRefsRepository } = await import('./git-repository.js')
      return new GitRefsRepository(trellis.gitRoot, trellis.core, storeOptions)
    })
    // `experimentStore: {backend: git-refs}`: which commit is which experiment, in DVC's ref layout
    trellis.services.register('experimentStore', 'git-refs', async () => {
      const { GitExperimentStore } = await import('./experiment-store.js')
      return new GitExperimentStore(await trellis.services.get('gitRepository'), trellis.core)
    })
    tapAutoPush(trellis, PLUGIN_NAME)
  },
}

export default gitRefsPlugin

export type { GitRefsRepository, GitRefsRepositoryOptions, SnapshotBackend } from './git-repository.js'
export { GitExperimentStore, type RefLayout } from './experiment-store.js'
export type { Transport } from './remote.js'
export { autoPushSettings, type AutoPushSettings } from './auto-push.js'
