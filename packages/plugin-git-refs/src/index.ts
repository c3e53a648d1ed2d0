/**
 * @trellis/plugin-git-refs: experiments as commits under hidden git refs
 * (`refs/exps/...`, DVC's layout). Registers the `experimentStore` service.
 * The store's code is imported when the service is first asked for, so
 * loading the plugin costs next to nothing and commands that never touch
 * experiments never load it (nor isomorphic-git, which the store itself
 * loads only to read packed objects).
 *
 * Options (`plugins: [['git-refs', { backend: 'native' }]]`): `backend` is
 * `auto` (default), `fs` or `native`, see {@link GitRefsStoreOptions}.
 */
import type { Trellis, TrellisPlugin } from '@trellis/core'
import type { GitRefsStoreOptions } from './store.js'

export const PLUGIN_NAME = 'git-refs'

export const gitRefsPlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis, options?: unknown) {
    const storeOptions = (options && typeof options === 'object' ? options : {}) as GitRefsStoreOptions
    trellis.services.register('experimentStore', PLUGIN_NAME, async () => {
      const { GitRefsStore } = await import('./store.js')
      return new GitRefsStore(trellis.gitRoot, storeOptions)
    })
  },
}

export default gitRefsPlugin

export type { GitRefsStore, GitRefsStoreOptions, SnapshotBackend } from './store.js'
