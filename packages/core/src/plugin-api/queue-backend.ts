/**
 * The queue-backend contract (the `queue` service). Core makes each entry's
 * commit (baseline + tracked changes + `-S` edits, with DVC's `repro.dat`) and
 * hands the backend a self-contained entry: everything a runner needs is in the
 * entry and its commit. The backend stores entries durably, runs them (in this
 * process or elsewhere) and reports each state change through `RunQueueOptions.onEvent`;
 * core turns those into `queueEntryChanged` on the hook bus.
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
  /** While running: who runs it, and where. */
  runner?: { pid: number; host: string; workspace: string; started: string }
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

/** What a backend reports while it runs entries (core fires `queueEntryChanged` for the state changes). */
export type QueueEvent =
  | { type: 'recovered'; entries: QueueEntry[] }
  | { type: 'start'; entry: QueueEntry; workspace: string }
  | { type: 'done'; entry: QueueEntry; result: QueueResult | null; seconds: number }
  | { type: 'failed'; entry: QueueEntry; error: TrellisError; log?: string }
  | { type: 'requeued'; entry: QueueEntry }
  | { type: 'log'; entry: QueueEntry; line: string }
  | { type: 'warning'; message: string }

export interface RunQueueOptions {
  /** Entries run at once (default 1). */
  jobs?: number
  /** Only these entry ids (default: every queued entry). */
  ids?: string[]
  /** Stage output to the terminal rather than to the entry's log (`--temp`). */
  live?: boolean
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

/**
 * The `queue` service. A backend belongs to the project whose registry created it
 * (the factory receives `trellis`: `register('queue', 'local', () => new LocalQueue(trellis))`).
 * It is the only writer of its records and of the experiment refs its runs make
 * (a run commits through `trellis.core.runQueueEntry` with the backend's `serialize`).
 */
export interface QueueBackend {
  readonly name: string
  /** Record an entry whose commit the caller made (state `queued`). */
  enqueue(entry: NewQueueEntry): Promise<QueueEntry>
  /** Record several entries in this order (a sweep), in one go; optional: core calls `enqueue` for each otherwise. */
  enqueueAll?(entries: NewQueueEntry[]): Promise<QueueEntry[]>
  /** Every entry on record, oldest first: queued, running, failed, and recent successes. */
  list(): Promise<QueueEntry[]>
  /** Forget entries by id (a running entry cannot be removed: INVALID_ARGUMENT). */
  remove(ids: string[]): Promise<void>
  /** Run queued entries; never throws for a failed entry (see the result). */
  run(options?: RunQueueOptions): Promise<RunQueueResult>
  /** An entry's log, or null when it has none. */
  log(id: string): Promise<string | null>
}
