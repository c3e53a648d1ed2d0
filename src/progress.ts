/**
 * Progress on stderr, for work that takes a while (hashing, checkout, push/pull/fetch, --run-all):
 * oclif's own `ux.action` spinner with a `done/total` status. It appears only when stderr is a
 * terminal, -q was not given and the work has run for more than a second; stdout is never written.
 */
import { ux } from '@oclif/core'

export interface Progress {
  /** `done` of `total` units (files, objects, stages) finished. */
  update(done: number, total: number): void
  /** The work is over: the spinner (if shown) is cleared. */
  stop(): void
}

/** How long work runs before progress appears; `TRELLIS_PROGRESS_DELAY_MS` overrides it (tests use 0). */
const DELAY_MS = Number(process.env.TRELLIS_PROGRESS_DELAY_MS ?? 1000)
const NONE: Progress = { update() {}, stop() {} }

export function progress(label: string, options: { quiet?: boolean; unit?: string } = {}): Progress {
  if (options.quiet || !process.stderr.isTTY) return NONE
  const started = Date.now()
  let shown = false
  let last = ''
  const unit = options.unit ?? 'files'
  return {
    update(done, total) {
      const status = `${done}/${total} ${unit}`
      if (!shown) {
        if (Date.now() - started < DELAY_MS) return
        ux.action.start(label, status, { stdout: false })
        shown = true
      } else if (status !== last) ux.action.status = status
      last = status
    },
    stop() {
      if (shown) ux.action.stop(last)
      shown = false
    },
  }
}
