/**
 * What the git-refs plugin uses of the engine at run time: the error family and
 * credential masking, taken from `trellis.core` in `apply()` and handed down to
 * every part that throws or quotes a remote (the plugin imports no value from
 * `@trellis/core`).
 */
import type { TrellisCore } from '@trellis/core/plugin-api'

export type GitCore = Pick<TrellisCore, 'TrellisError' | 'redactText' | 'redactUrl' | 'urlSecrets'>
