/**
 * Progress on stderr, for work that takes a while (hashing, checkout, push/pull/fetch, --run-all):
 * oclif's own `ux.action` spinner with a `done/total` status. It appears only when stderr is a
 * terminal, -q was not given and the work has run for more than a second; stdout is never written
 * (lines the command prints meanwhile are held by oclif for the next frame, then written unchanged).
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
  // A burst of work runs from its first update (or from here) until `done` reaches `total`;
  // the spinner shows once a burst has lasted DELAY_MS and ends with it (repro hashes
  // between stage runs: nothing may stay on screen while a stage's command writes).
  let started: number | undefined = Date.now()
  let shown = false
  let last = ''
  const unit = options.unit ?? 'files'
  const stop = (): void => {
    if (shown) ux.action.stop(last)
    shown = false
    started = undefined
  }
  return {
    update(done, total) {
      started ??= Date.now()
      last = `${done}/${total} ${unit}`
      if (shown) ux.action.status = last
      else if (done < total && Date.now() - started >= DELAY_MS) {
        ux.action.start(label, last, { stdout: false })
        shown = true
      }
      if (done >= total) stop()
    },
    stop,
  }
}
