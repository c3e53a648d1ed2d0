/**
 * @trellis/plugin-queue: the experiment queue (`exp run --queue`,
 * `--run-all -j N`, `--temp`). Registers the `queue` service
 * ({@link QueueBackend} from @trellis/core); a distributed backend can
 * replace it by registering its own.
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
 *   success`, the request, who runs it, the result) and its log `<id>.log`.
 *   Entries DVC queued are listed and run too (whole pipeline, default flags).
 * - **One writer.** Every change to records, to `refs/exps/stash` and to
 *   experiment refs made by queued runs happens under the queue lock
 *   (`.dvc/tmp/exps/queue.lock`, a flock released when its holder dies), one at a
 *   time; in a run, only the coordinator writes them. Runs never write the
 *   main repository's index, HEAD, refs or `.dvc/tmp/lock`.
 * - **Runs.** `--run-all -j N` runs N entries at once (p-queue), FIFO, in this
 *   process, each in `.dvc/tmp/exps/<id7>-<6 hex>/`: the entry's tree checked
 *   out with a tiny `.git` borrowing the main objects (no clone), data linked
 *   from the shared cache — reflink, hardlink, then copy when `cache.type`
 *   allows copies (see `tempLinkTypes`) — with hashes seeded in the state db,
 *   and a `.dvc/tmp/lock` of its own. Removed afterwards, whatever happened.
 * - **Failures** keep the entry (state `failed`, error, log); the other
 *   entries go on; the command ends non-zero with a summary. A failed entry
 *   is not retried by the next `--run-all`; remove it, or queue it again.
 *   Successful entries leave DVC's queue; their record (state `success`,
 *   result, log) stays for `trellis queue status/logs` until removed.
 * - **Signals.** Ctrl-C/SIGTERM reach every running stage's process group;
 *   unfinished entries go back to `queued`; temp workspaces are removed.
 *   After `kill -9` the next run finds `running` records of a dead process
 *   (pid + process start time), kills what still runs in their workspaces
 *   (Linux: by /proc cwd), removes them and runs the entries again.
 * - **Dedup.** A stage identical in several entries (same run-cache key:
 *   cmd, deps, params) runs once; the others wait on the stage gate and
 *   restore it from the run-cache.
 *
 * - **Checkpoints.** Each run is core's `runQueueEntry` (`exp run` in the temp
 *   workspace), so checkpoint stages commit their chain there; a `--rev` entry
 *   (record `rev` + `branch`, DVC's `dvc-exp:<rev>:<baseline>:<name>:<branch>`)
 *   resumes that checkpoint, continuing the branch or forking from it.
 *
 * Not supported in queued runs yet: git content filters (LFS) in temp
 * workspaces, running entries on another machine (the record keeps a host
 * for that).
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
export { KeyedMutex } from './gate.js'
export { tempLinkTypes, createTempWorkspace, removeTempWorkspace, tempWorkspaceProvider } from './temp-workspace.js'
export type { QueueRecord, Runner } from './records.js'
