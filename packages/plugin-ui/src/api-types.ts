/**
 * The HTTP API of `trellis ui` (the contract between the server, `src/server/**`,
 * and the page, `web/**`). Every path is under `/api`, every body is JSON, and
 * every request carries the run's token (`Authorization: Bearer <token>`, or
 * `?token=` where a header cannot be set: EventSource, <img>).
 *
 * The data payloads are core's own data models (`exp show --json`, `exp diff
 * --json`, queue entries), so the page shows exactly what the CLI prints. JSON
 * numbers: `exp show`/`exp diff` values that JSON cannot hold (NaN, ±Infinity)
 * come as the strings "NaN", "Infinity", "-Infinity" (see {@link WireNumber});
 * a Python float with an integral value is written `1.0` (a Python-compatible
 * parser keeps it a float; `JSON.parse` reads 1); integers beyond 2^53 with all
 * their digits.
 */
import type { ErrorCode, QueueEntry, QueueState, QueueEntryState } from '@trellis/core/plugin-api'
import type { ExpShowData, ExpDiffResult } from '@trellis/core'

export type { ExpShowData, ExpDiffResult, QueueEntry, QueueState, QueueEntryState }

/** A float JSON cannot carry, as the server sends it. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity'

// ---------------------------------------------------------------- errors

/** Codes of the server's own HTTP rejections (the rest are core's TrellisError codes). */
export type UiErrorCode =
  /** 401: no token or a wrong one. */
  | 'UI_UNAUTHORIZED'
  /** 403: the Host header names neither 127.0.0.1/localhost:PORT nor the bound host (DNS rebinding). */
  | 'UI_FORBIDDEN_HOST'
  /** 403: a request whose Origin is not the server's own (CSRF). */
  | 'UI_FORBIDDEN_ORIGIN'
  /** 415: a POST whose body is not `application/json`. */
  | 'UI_UNSUPPORTED_MEDIA_TYPE'
  /** 404: no such endpoint, file or image. */
  | 'UI_NOT_FOUND'
  /** 400: the body or query is malformed (bad JSON, a missing field). */
  | 'UI_BAD_REQUEST'
  /** 500: a bug (not a TrellisError); the message says what. */
  | 'UI_INTERNAL'

/** Every non-2xx response: `{error: {code, message, hint?}}`. */
export interface ApiError {
  error: {
    code: ErrorCode | UiErrorCode
    message: string
    hint?: string
    /** 409 of `/api/apply`: the workspace paths the apply would overwrite. */
    paths?: string[]
  }
}

// ---------------------------------------------------------------- GET /api/project

export interface ProjectInfo {
  /** The repository (DVC) root, absolute. */
  root: string
  /** HEAD: its sha and its name (branch, tag or short sha); rev is null in a repository without commits. */
  baseline: { rev: string | null; name: string | null }
  /** The baseline's params, per params file (DVC-root-relative path → parsed content), to pre-fill the run form. */
  params: Record<string, Record<string, unknown>>
  /** The params files of the pipeline (DVC-root-relative). */
  paramsFiles: string[]
  /** The metrics files of the pipeline (DVC-root-relative). */
  metricsFiles: string[]
  /** Trellis' version. */
  version: string
  /** Whether the queue service is available (false with `builtins: false` and no queue plugin). */
  queue: boolean
}

// ---------------------------------------------------------------- GET /api/experiments?a=1&A=1&T=1&n=N

export interface ExperimentsQuery {
  /** `-a`: the experiments of every branch tip. */
  a?: '1'
  /** `-T`: of every tagged commit. */
  T?: '1'
  /** `-A`: of every commit. */
  A?: '1'
  /** `-n N`: the last N commits of HEAD (default 1). */
  n?: string
}

/** A queue entry as the page needs it (the badge of its row). */
export interface QueueBadge {
  id: string
  name: string | null
  baseline: string
  state: QueueState
  runner: QueueEntry['runner'] | null
  error: string | null
  /** The experiment it made (success). */
  result: { name: string; ref: string; commit: string } | null
  created: string | null
  finished: string | null
  sweep: string | null
  setParams: string[]
}

export interface ExperimentsResponse {
  /** Exactly `exp show --json` for the same flags (core's `collectExpShow` with the queue rows). */
  experiments: ExpShowData
  /** The queue's entries (every state). */
  queue: QueueBadge[]
}

// ---------------------------------------------------------------- GET /api/diff?a=REV&b=REV

/** Exactly `exp diff --json a b` (`{}` in a repository without commits). `all=1` adds unchanged keys. */
export type DiffResponse = ExpDiffResult | Record<string, never>

// ---------------------------------------------------------------- GET /api/plots?revs=a,b,c

export interface PlotImageRef {
  rev: string
  /** The image's path (DVC-root-relative). */
  path: string
  /** `/api/plots/image?rev=…&path=…` (add the token). */
  url: string
}

export interface PlotsResponse {
  /** The revisions as resolved labels, in the order asked. */
  revisions: string[]
  plots: Array<{
    id: string
    /** The filled Vega-Lite spec, data inlined (absent for image plots). */
    vega?: Record<string, unknown>
    images: PlotImageRef[]
    errors: PlotErrorInfo[]
  }>
  /** Errors of whole revisions. */
  errors: PlotErrorInfo[]
}

export interface PlotErrorInfo {
  id?: string
  rev: string
  source?: string
  code: string
  msg: string
}

// ---------------------------------------------------------------- GET /api/checkpoints?exp=REF

export interface CheckpointsResponse {
  /** The experiment's ref (`refs/exps/…`). */
  ref: string
  name: string
  /** Oldest first: each commit of the chain with its metrics (file → the file's data, nested as `exp show --json` gives it; files that fail to parse are left out). */
  checkpoints: Array<{ rev: string; metrics: Record<string, unknown> }>
}

// ---------------------------------------------------------------- queue

export interface QueueResponse {
  entries: QueueBadge[]
}

/** GET /api/queue/:id/log */
export interface QueueLogResponse {
  id: string
  text: string
}

/** POST /api/queue/start */
export interface QueueStartRequest {
  /** Entries run at once (`-j`, default 1). */
  jobs?: number
}
export interface QueueStartResponse {
  /** false: a run of this server is already going (the new entries join it when it picks them up). */
  started: boolean
}

/** POST /api/queue/remove */
export interface QueueRemoveRequest {
  ids: string[]
}
export interface QueueRemoveResponse {
  removed: string[]
}

// ---------------------------------------------------------------- actions

/** POST /api/run */
export interface RunRequest {
  /** `-S` arguments, sweeps included (`train.lr=range(0.1,0.3,0.1)`, `choice(a,b)`). */
  setParams: string[]
  /** `-n` (for a sweep, the prefix of the names). */
  name?: string
  /** true: queue it (then POST /api/queue/start runs the queue); false: run it now, in the background, in the workspace. */
  queue: boolean
  /** The setParams hold a sweep (the grammar is recognised anyway; this only asserts it). */
  sweep?: boolean
}
export interface RunResponse {
  /** Queued: the new entries' ids. */
  queued: string[]
  /** Run in place: the run started in the background; its result comes as events. */
  started: boolean
  /** The sweep id when setParams held a sweep. */
  sweep?: string
}

/** POST /api/apply */
export interface ApplyRequest {
  exp: string
  force?: boolean
}
export interface ApplyResponse {
  /** The experiment applied (name; '' for a queued entry) and its commit. */
  exp: string
  commit: string
  /** Tracked files changed (git-root relative). */
  files: Array<{ path: string; action: 'added' | 'modified' | 'deleted' }>
  /** Cached outputs checked out (DVC-root relative). */
  outputs: string[]
  /** Uncommitted changes `force` overwrote (saved: `trellis exp apply --undo` restores them). */
  overwritten: string[]
}

/** POST /api/branch */
export interface BranchRequest {
  exp: string
  branch: string
}
export interface BranchResponse {
  branch: string
  commit: string
}

/** POST /api/remove */
export interface RemoveRequest {
  exps: string[]
}
export interface RemoveResponse {
  removed: string[]
}

/** POST /api/push */
export interface PushRequest {
  remote: string
  exps: string[]
}
export interface PushResponse {
  /** Experiments whose ref was created or moved on the remote. */
  pushed: string[]
  /** Every experiment selected, with what happened (`created`, `updated`, `forced`, `up-to-date`, `diverged`, …). */
  experiments: Array<{ name: string; status: string; reason?: string }>
  warnings: string[]
}

// ---------------------------------------------------------------- GET /api/events (server-sent events)

/**
 * `GET /api/events?token=T[&logs=ID,ID]`: a `text/event-stream`. Each event's
 * `event:` is the key below and its `data:` the JSON value. `logs` subscribes to
 * the log of queue entries (by id, unique prefix or name): the log so far, then
 * what is appended; an unknown entry is a 404 before the stream opens.
 * Events are not replayed: open the stream (wait for `hello`), then read the
 * table, so that nothing falls between the two.
 */
export interface ServerEvents {
  /** A new or moved experiment ref (a run, a checkpoint, an import from a remote). */
  experiment: ExperimentEvent
  /** An experiment ref was deleted. */
  removed: { ref: string }
  /** A queue entry changed state (`removed` included). */
  queue: QueueEvent
  /** New log text of a subscribed running entry. */
  log: { id: string; text: string }
  /** HEAD moved (a commit, a checkout): the table's baseline changed. */
  baseline: { rev: string | null }
  /** A background run of this server (a queue run, a run in the workspace) started or ended; failures carry the error as the API reports errors. */
  run: RunEvent
  /** Sent once when the stream opens. */
  hello: { version: string }
}

export interface RunEvent {
  /** `queue`: POST /api/queue/start or a sweep run at once; `workspace`: POST /api/run without `queue`. */
  kind: 'queue' | 'workspace'
  state: 'started' | 'finished' | 'failed'
  /** `workspace` finished: the experiment made (null: nothing changed). */
  experiment?: string | null
  error?: ApiError['error']
}

export interface ExperimentEvent {
  ref: string
  commit: string
  baseline: string
  name: string
  /** The commit is a checkpoint of a checkpoint experiment (more may follow). */
  checkpoint: boolean
}

export interface QueueEvent {
  entry: QueueBadge
  state: QueueEntryState
}

export type ServerEventName = keyof ServerEvents
