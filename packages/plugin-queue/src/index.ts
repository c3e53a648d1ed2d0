/**
 * @trellis/plugin-queue: the experiment queue's local backend (`exp run
 * --queue`, `--run-all -j N`, `--temp`). Registers the `queue` service
 * ({@link QueueBackend}: store and dispatch entries) as `local`, and the
 * `workspaceProvider` service as `temp`. Running entries is core's queue
 * runner (`trellis.core.runQueue`), the same over every backend. It uses only
 * `trellis.core` at run time (types from `@trellis/core/plugin-api`).
 *
 * Design (the README's "Queue and parallel runs" has the user's view):
 *
 * - **Entries.** Core commits each entry (baseline + tracked changes + `-S`
 *   edits, computed without touching the workspace). This backend records it
 *   where DVC 2.8 keeps its queue — the reflog of `refs/exps/stash`, message
 *   `commit: dvc-exp:<rev>:<baseline>:<name>`, so `dvc exp show` sees the
 *   entries and `dvc exp run --run-all` can run them (the commit carries
 *   DVC's `.dvc/tmp/repro.dat`) — plus a JSON record per entry in
 *   `.dvc/tmp/exps/queue/<id>.json` (state `queued | running | failed |
 *   success`, the request, the runner that claimed it, the result) and its
 *   log `<id>.log` (the claim's `logFile`). Entries DVC queued are listed and
 *   run too (whole pipeline, default flags).
 * - **One writer.** Every change to records, to `refs/exps/stash` and to
 *   experiment refs made by queued runs happens under the queue lock
 *   (`.dvc/tmp/exps/queue.lock`, a flock released when its holder dies), one at a
 *   time: claim, complete, fail, release, and `exclusive` (the runner's ref
 *   writes). Runs never write the main repository's index, HEAD, refs or
 *   `.dvc/tmp/lock`.
 * - **Claims.** FIFO, under the lock, so several runners (two `--run-all`)
 *   share the queue; a `--temp` entry is claimed only by the run that names it.
 * - **Workspaces** (`temp` provider): `.dvc/tmp/exps/<id7>-<6 hex>/`, the
 *   entry's tree checked out with a tiny `.git` borrowing the main objects (no
 *   clone), data linked from the shared cache — reflink, hardlink, then copy
 *   when `cache.type` allows copies (see `tempLinkTypes`) — with hashes seeded
 *   in the state db, and a `.dvc/tmp/lock` of its own. Removed afterwards.
 * - **Failures** keep the entry (state `failed`, error, log). A failed entry
 *   is not claimed again; remove it, or queue it again. Successful entries
 *   leave DVC's queue; their record (state `success`, result, log) stays for
 *   `trellis queue status/logs` until removed.
 * - **Recovery.** After `kill -9`, `recover` (which runners call first) finds
 *   `running` records of a dead process (pid + process start time), kills what
 *   still runs in their workspaces (Linux: by /proc cwd), removes them and
 *   queues the entries again.
 * - **Checkpoints.** A `--rev` entry (record `rev` + `branch`, DVC's
 *   `dvc-exp:<rev>:<baseline>:<name>:<branch>`) resumes that checkpoint,
 *   continuing the branch or forking from it.
 *
 * Not supported in queued runs yet: git content filters (LFS) in temp
 * workspaces; a running entry cannot be removed (the runner is the user's own
 * process: Ctrl-C puts its entries back).
 */
import type { Trellis, TrellisPlugin } from '@trellis/core/plugin-api'

export const PLUGIN_NAME = 'queue'

export const queuePlugin: TrellisPlugin = {
  name: PLUGIN_NAME,
  apply(trellis: Trellis) {
    // `queue: {backend: local}` and `workspaceProvider: {backend: temp}` in the config choose these
    trellis.services.register('queue', 'local', async () => {
      const { LocalQueue } = await import('./local-queue.js')
      return new LocalQueue(trellis)
    })
    trellis.services.register('workspaceProvider', 'temp', async () => {
      const { tempWorkspaceProvider } = await import('./temp-workspace.js')
      return tempWorkspaceProvider(trellis)
    })
  },
}

export default queuePlugin

export { LocalQueue, STASH_REF, listEntries } from './local-queue.js'
export { tempLinkTypes, createTempWorkspace, removeTempWorkspace, tempWorkspaceProvider } from './temp-workspace.js'
export type { QueueRecord, Runner } from './records.js'
