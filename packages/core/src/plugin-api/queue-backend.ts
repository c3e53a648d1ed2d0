/**
 * The queue-backend contract (the `queue` service). Core makes each entry's
 * commit (baseline + tracked changes + `-S` edits, with DVC's `repro.dat`) and
 * hands the backend a self-contained entry: everything a runner needs is in the
 * entry and its commit. The backend *stores and dispatches* entries: it records
 * them durably, hands each to one runner (`claim`) and records how its run ended
 * (`complete` / `fail` / `release`). *Running* them is core's queue runner
 * (`trellis.core.runQueue`), the same over every backend: a local `--run-all`
 * and a worker on another machine differ only in the backend they claim from.
 */
import type { TrellisError } from '../errors.js'

export type QueueState = 'queued' | 'running' | 'failed' | 'success'

/** The repro flags a queued run keeps (the rest of `exp run`'s options do not apply). */
export interface QueuedReproFlags {
  force?: boolean
  singleItem?: boolean
  pipeline?: boolean
  allPipelines?: boolean
  recursive?: boolean
  downstream?: boolean
  forceDownstream?: boolean
  noRunCache?: boolean
  allowMissing?: boolean
  keepGoing?: boolean
}

/** What `exp run` was asked, kept with the entry. */
export interface QueueRequest {
  /** Targets as typed (relative to `cwd`). */
  targets: string[]
  /** `-S` arguments as typed (already applied to the entry's tree). */
  setParams: string[]
  /** Where `exp run` was run, relative to the git root ('' = the root). */
  cwd: string
  /** `-f`: force every stage and replace an experiment of the same name. */
  force: boolean
  /** Checkpoints: start the experiment over (queued without `--rev`, or `--temp --reset`); set only when the pipeline has checkpoint stages. */
  reset?: boolean
  repro: QueuedReproFlags
}

export interface QueueResult {
  name: string
  ref: string
  commit: string
  /** An identical experiment existed and was reused. */
  reused: boolean
}

export interface QueueEntry {
  /** The entry's commit (DVC: the stash commit); users see its first 7 hex. */
  id: string
  /** `-n` name; undefined for an automatic name (known once it ran). */
  name?: string
  baseline: string
  /** The commit to start from (DVC's `<rev>`): the baseline, or the checkpoint of `--rev`. */
  rev: string
  /** `--rev` that continues an experiment: its ref (DVC's `<branch>`); absent when a new experiment starts. */
  branch?: string
  state: QueueState
  /** When it was queued (ISO 8601). */
  created?: string
  /** When its last run ended (ISO 8601). */
  finished?: string
  /** Unknown for entries another tool (DVC) queued. */
  request?: QueueRequest
  /** Params files (relative to the git root) whose values describe the entry. */
  paramsFiles: string[]
  /** While running: who runs it ({@link QueueRunner}), since when, and where (`workspace`: only where it is local). */
  runner?: { id: string; host: string; pid: number; started: string; workspace?: string }
  /** Runs started so far (an interrupted or recovered run counts). */
  attempts?: number
  /** Failed: why (the log has the details). */
  error?: string
  /** Succeeded: the experiment made (null: the run changed nothing). */
  result?: QueueResult | null
  /** The transient entry of a `--temp` run. */
  temp?: boolean
  /** The sweep the entry belongs to (`exp run` of a sweep; `exp show --sweep`). */
  sweep?: string
}

/** What core hands the backend to record. */
export interface NewQueueEntry {
  id: string
  name?: string
  baseline: string
  rev: string
  branch?: string
  request: QueueRequest
  paramsFiles: string[]
  temp?: boolean
  /** The sweep the entry belongs to; a backend records it and lists it back. */
  sweep?: string
}

// ---- the runner's side (core's queue runner, `trellis.core.runQueue`) ----------

/** What the queue runner reports while it runs entries (core fires `queueEntryChanged` for the state changes). */
export type QueueEvent =
  | { type: 'recovered'; entries: QueueEntry[] }
  | { type: 'start'; entry: QueueEntry; workspace: string }
  | { type: 'done'; entry: QueueEntry; result: QueueResult | null; seconds: number }
  | { type: 'failed'; entry: QueueEntry; error: TrellisError; log?: string }
  | { type: 'requeued'; entry: QueueEntry }
  | { type: 'log'; entry: QueueEntry; line: string }
  | { type: 'warning'; message: string }

/** Options of the queue runner (`trellis.core.runQueue`, `exp run --run-all`, a worker command). */
export interface RunQueueOptions {
  /** Entries run at once (default 1). */
  jobs?: number
  /** Only these entry ids (default: every queued entry). */
  ids?: string[]
  /** Stage output to the terminal rather than to the entry's log (`--temp`). */
  live?: boolean
  /** Keep waiting for new entries, this long per claim (workers); 0 / absent: stop once nothing is left to claim. */
  waitMs?: number
  /** Stop after claiming this many entries. */
  maxJobs?: number
  /** With `waitMs`: stop once nothing ran and nothing could be claimed for this long. */
  idleExitMs?: number
  /** Run one entry, then stop (`maxJobs: 1`). */
  once?: boolean
  /** Every event, state changes included (those also reach the bus as `queueEntryChanged`). */
  onEvent?: (event: QueueEvent) => void
}

export interface RunQueueResult {
  succeeded: QueueEntry[]
  failed: QueueEntry[]
  /** Entries not run to the end (interrupted, or not started), still queued. */
  left: QueueEntry[]
  /** Set when SIGINT/SIGTERM stopped the run. */
  interrupted?: NodeJS.Signals
}

// ---- the backend's side -----------------------------------------------------------

/** Who claims entries: one runner process (a `--run-all`, a `trellis queue worker`). */
export interface QueueRunner {
  /** Unique per runner process (host, pid and a random part). */
  id: string
  host: string
  pid: number
}

/** An entry claimed by a runner; `entry.state` is 'running'. */
export interface QueueClaim {
  entry: QueueEntry
  /**
   * Where the runner writes the entry's log (stage output + `#` progress lines); the backend
   * makes it available to `log()` / `followLog()` (local: the record's log file; a remote
   * backend: a local file it streams while the job runs, flushed by complete/fail/release).
   */
  logFile: string
  /**
   * Aborted when the backend wants the run stopped (e.g. `queue remove` of a running entry on
   * another machine); the runner then stops this run's commands only and calls `release`
   * (the entry is gone: nothing is recorded).
   */
  signal?: AbortSignal
}

/**
 * The `queue` service. A backend belongs to the project whose registry created it
 * (the factory receives `trellis`: `register('queue', 'local', () => new LocalQueue(trellis))`).
 * It is the only writer of its records; the experiment refs its entries' runs make are
 * written by the runner through `exclusive`.
 */
export interface QueueBackend {
  readonly name: string
  /** Record an entry whose commit the caller made (state `queued`). */
  enqueue(entry: NewQueueEntry): Promise<QueueEntry>
  /** Record several entries in this order (a sweep), in one go; optional: core calls `enqueue` for each otherwise. */
  enqueueAll?(entries: NewQueueEntry[]): Promise<QueueEntry[]>
  /** Every entry on record, oldest first: queued, running, failed, and recent successes. */
  list(): Promise<QueueEntry[]>
  /**
   * Forget entries by id. A running entry: a backend that can stop it on its runner does so
   * (aborting the claim's signal there); one that cannot throws INVALID_ARGUMENT.
   */
  remove(ids: string[]): Promise<void>
  /**
   * Before claiming: put back entries whose runner died (local: dead pids; their temp
   * workspaces are killed and removed). Optional (a backend with its own stalled-job check
   * does it there). Returns the entries queued again.
   */
  recover?(): Promise<QueueEntry[]>
  /**
   * Take the oldest queued entry (of `ids` when given) for `runner`, atomically across
   * processes and machines: two claims never return the same entry. The entry's commit is in
   * the local git repository when this returns (a remote backend fetches it here, and may
   * fetch the cached data its dvc.lock names into the local cache). `waitMs`: wait up to that
   * long for an entry to appear (0 / absent: do not wait); `signal` ends the wait.
   * null: nothing to claim.
   */
  claim(runner: QueueRunner, options?: { ids?: string[]; waitMs?: number; signal?: AbortSignal }): Promise<QueueClaim | null>
  /**
   * The run succeeded (result null: nothing changed). A remote backend publishes the
   * experiment (pushes its ref and cached outputs) before reporting the entry done; a throw
   * here means the run failed (the runner then calls `fail`).
   */
  complete(claim: QueueClaim, result: QueueResult | null): Promise<QueueEntry>
  /**
   * The run failed: the entry becomes 'failed' with the reason (a backend with retries may
   * queue it again instead: the returned entry says which). The log is kept.
   */
  fail(claim: QueueClaim, error: { code: string; message: string }): Promise<QueueEntry>
  /** The run was interrupted (Ctrl-C, SIGTERM, the claim's signal): back to 'queued'. */
  release(claim: QueueClaim): Promise<QueueEntry>
  /**
   * Run `work` as the queue's single writer of experiment refs (local: under the queue lock,
   * across processes). Optional: without it the runner serialises within its process only.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>
  /** An entry's log, or null when it has none. */
  log(id: string): Promise<string | null>
  /**
   * Stream an entry's log from where it is now until the entry is no longer running (or
   * `signal` aborts): `queue logs --follow`. Optional: the CLI falls back to polling `log`.
   */
  followLog?(id: string, onText: (text: string) => void, options?: { signal?: AbortSignal }): Promise<void>
  /**
   * Inconsistencies between where a backend keeps entries (e.g. an entry's commit ref on a git
   * remote without its job, or the reverse), each described in a line: `queue status` reports
   * them. Optional (the local queue has none to report).
   */
  orphans?(): Promise<Array<{ id: string; description: string }>>
}
