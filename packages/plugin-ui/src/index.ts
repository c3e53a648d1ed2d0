/**
 * @trellis/plugin-ui: `trellis ui`, a local web dashboard for experiments.
 *
 * The plugin (built in, like the queue) taps the hook bus so that a run made
 * by the UI's own process reaches the page as events (`events/hook-events.ts`);
 * runs started from a terminal are seen by watching the refs
 * (`server/ref-watcher.ts`). The server (`@trellis/plugin-ui/server`, loaded
 * only by `trellis ui`) serves the page from `dist/web/` and the JSON API of
 * `api-types.ts`, calling the same core functions as the CLI's commands.
 */
import type { Trellis, TrellisPlugin } from '@trellis/core/plugin-api'
import { tapHookEvents } from './events/hook-events.js'

export const PLUGIN_NAME = 'ui'

export const uiPlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis) {
    tapHookEvents(trellis.hooks, PLUGIN_NAME)
  },
}

export default uiPlugin

export { uiEventBus, tapHookEvents, queueBadge, UiEventBus } from './events/hook-events.js'
export type * from './api-types.js'
