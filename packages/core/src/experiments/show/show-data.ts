/**
 * The `exp show` data model (§9.1), what `--json` prints and the table is rendered from:
 *
 *   { workspace: { baseline: { data } },
 *     <baseline sha>: { baseline: { data }, <exp sha>: { data }, … }, … }
 */

export interface ExpFileEntry {
  data?: unknown
  error?: unknown
}

export interface ExpRowData {
  /** Commit time, local naive ISO (`YYYY-MM-DDTHH:MM:SS`); null for the workspace. */
  timestamp?: string | Date | null
  params?: Record<string, ExpFileEntry>
  metrics?: Record<string, ExpFileEntry>
  queued?: boolean
  running?: boolean
  /** Trellis: a queued entry whose run failed (it stays queued, with its log). */
  failed?: boolean
  executor?: string | null
  name?: string | null
  checkpoint_tip?: string | null
  checkpoint_parent?: string | null
}

export interface ExpEntry {
  data?: ExpRowData
  error?: unknown
}

/** `{<baseline rev | 'workspace'>: {baseline: …, <exp sha>: …}}` in display order. */
export type ExpShowData = Record<string, Record<string, ExpEntry>>
