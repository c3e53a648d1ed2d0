/**
 * `makeCheckpoint()` for Node programs run as checkpoint stages: DVC's signal
 * protocol (`dvc.api.make_checkpoint`), so the same program works under Trellis and
 * under DVC 2.x.
 *
 * - Outside a checkpoint run (`DVC_CHECKPOINT` unset) it returns at once: the program
 *   runs the same with `node train.js`, `trellis repro`-less, or under plain DVC repro.
 * - Otherwise it creates `<DVC_ROOT>/.dvc/tmp/DVC_CHECKPOINT` (the root is found by
 *   walking up to a `.dvc` directory when DVC_ROOT is unset), fsyncs it, and waits
 *   until Trellis (or DVC) has recorded the checkpoint and removed the file.
 *
 * Write your outputs *before* calling it: the checkpoint records them as they are when
 * the file appears. This module imports nothing but `node:` built-ins, so it can be
 * imported on its own (`@trellis/plugin-checkpoints/make-checkpoint`) or copied.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

export const SIGNAL_FILE = 'DVC_CHECKPOINT'

export interface MakeCheckpointOptions {
  /** How often to look whether the signal file is gone (default 10 ms; DVC's helper uses 100 ms). */
  pollMs?: number
  /** Environment to read (default `process.env`). */
  env?: Record<string, string | undefined>
  /** Where to start looking for the project root when DVC_ROOT is unset (default `process.cwd()`). */
  cwd?: string
}

/** The signal file of this run, or undefined when the program does not run as a checkpoint stage. */
export function checkpointSignalPath(options: Pick<MakeCheckpointOptions, 'env' | 'cwd'> = {}): string | undefined {
  const env = options.env ?? process.env
  if (env.DVC_CHECKPOINT === undefined) return undefined
  const root = env.DVC_ROOT || findRoot(options.cwd ?? process.cwd())
  return join(root, '.dvc', 'tmp', SIGNAL_FILE)
}

/** Ask for a checkpoint and wait until it is recorded. A no-op outside a checkpoint run. */
export async function makeCheckpoint(options: MakeCheckpointOptions = {}): Promise<void> {
  const file = checkpointSignalPath(options)
  if (!file) return
  signal(file)
  const pollMs = options.pollMs ?? 10
  while (existsSync(file)) await new Promise((done) => setTimeout(done, pollMs))
}

/** The same, blocking the thread while it waits (for synchronous training loops). */
export function makeCheckpointSync(options: MakeCheckpointOptions = {}): void {
  const file = checkpointSignalPath(options)
  if (!file) return
  signal(file)
  const pollMs = options.pollMs ?? 10
  const cell = new Int32Array(new SharedArrayBuffer(4))
  while (existsSync(file)) Atomics.wait(cell, 0, 0, pollMs)
}

function signal(file: string): void {
  mkdirSync(dirname(file), { recursive: true })
  const fd = openSync(file, 'w')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function findRoot(start: string): string {
  let dir = resolve(start)
  for (;;) {
    if (existsSync(join(dir, '.dvc'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new Error(`makeCheckpoint: DVC_CHECKPOINT is set, DVC_ROOT is not, and there is no .dvc directory above ${start}`)
    dir = up
  }
}
