/**
 * @trellis/plugin-git-refs: experiments as commits under hidden git refs
 * (`refs/exps/...`, DVC's layout). Registers the `gitRepository` service
 * (which also lists, pushes and fetches experiment refs on git remotes, see
 * remote.ts) and taps `onExperimentCommit` for auto-push
 * (`DVC_EXP_AUTO_PUSH` + `DVC_EXP_GIT_REMOTE`, see auto-push.ts).
 * The store's code is imported when the service is first asked for, so
 * loading the plugin costs next to nothing and commands that never touch
 * experiments never load it (nor isomorphic-git, which the store itself
 * loads only to read packed objects).
 *
 * Options (`plugins: [['git-refs', { backend: 'native' }]]`): `backend` is
 * `auto` (default), `fs` or `native`; `transport` is `auto` (default),
 * `native` or `iso`; see {@link GitRefsStoreOptions}.
 */
import type { Trellis, TrellisPlugin } from '@trellis/core/plugin-api'
import { tapAutoPush } from './auto-push.js'
import type { GitRefsStoreOptions } from './store.js'

export const PLUGIN_NAME = 'git-refs'

export const gitRefsPlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis, options?: unknown) {
    const storeOptions = (options && typeof options === 'object' ? options : {}) as GitRefsStoreOptions
    // `gitRepository: {backend: git-refs}` in the config chooses it
    trellis.services.register('gitRepository', 'git-refs', async () => {
      const { GitRefsStore } = await import('./store.js')
      return new GitRefsStore(trellis.gitRoot, storeOptions)
    })
    // `experimentStore: {backend: git-refs}`: which commit is which experiment, in DVC's ref layout
    trellis.services.register('experimentStore', 'git-refs', async () => {
      const { GitExperimentStore } = await import('./experiments.js')
      return new GitExperimentStore(await trellis.services.get('gitRepository'), trellis.core)
    })
    tapAutoPush(trellis, PLUGIN_NAME)
  },
}

export default gitRefsPlugin

export type { GitRefsStore, GitRefsStoreOptions, SnapshotBackend } from './store.js'
export { GitExperimentStore, type RefLayout } from './experiments.js'
export type { Transport } from './remote.js'
export { autoPushSettings, type AutoPushSettings } from './auto-push.js'
