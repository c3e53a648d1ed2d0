/**
 * The experiments table of the page, computed by core's `expShowTable` (what `exp show`
 * prints), so columns, filters (`--include-*`/`--exclude-*`, `--only-changed`), sorting
 * (`--sort-by`/`--sort-order`, per baseline, checkpoints by their tip, missing values last)
 * and the formatting of every value are exactly the CLI's.
 *
 * `expShowTable` returns text rows; to know which experiment each row is, every revision is
 * first renamed to a unique 7-character alias (`r` + 6 base-36 digits), consistently in the
 * group keys and in `checkpoint_tip`/`checkpoint_parent`, and the table is asked for shas
 * (`sha: true`): the Experiment cell then reads `<tree glyph> <alias> [(<parent>)]`, from
 * which the row's revision is recovered. The cell is then written back with the real short
 * sha and name, as `exp show` writes it. The values reach it flattened and formatted ahead
 * (preformat.ts), which gives the same cells in a fraction of the time.
 */
import { preformatted } from './preformat.js'
import { expShowTable, TREE_GLYPHS, type ExpEntry, type ExperimentType, type ExpShowData, type ExpShowOptions, type ExpRowData } from './core.js'

export type ColumnKind = 'builtin' | 'metric' | 'param'

export interface TableRow {
  /** Unique key: `<baseline key>/<rev>` (`rev` = `baseline` for the baseline row). */
  id: string
  /** The group key: `workspace` or the baseline's sha. */
  baseline: string
  /** The row's key in its group (`baseline`, an experiment commit, a queued entry id). */
  rev: string
  /** The revision to give the API: `workspace`, the baseline's sha, the commit or the entry id. */
  sha: string
  name: string | null
  typ: ExperimentType
  glyph: string
  /** `1a2b3c4 [exp-name]`, `main`, `workspace` (with `--sha`: shas only). */
  label: string
  /** Short sha of the parent checkpoint when it lives under another chain. */
  parent: string
  /** Formatted cells, one per header after `Experiment`. */
  cells: string[]
  state: 'queued' | 'running' | 'failed' | null
  /** For a commit of a checkpoint experiment: the tip of its chain. */
  checkpointTip: string | null
  data: ExpRowData
  /** The revision failed to load (its cells show `!`). */
  error: boolean
}

export interface TableModel {
  /** Header titles after `Experiment` (Created, State, Executor, metrics, params). */
  headers: string[]
  kinds: ColumnKind[]
  rows: TableRow[]
}

export interface ViewOptions
  extends Pick<ExpShowOptions, 'includeMetrics' | 'excludeMetrics' | 'includeParams' | 'excludeParams' | 'onlyChanged' | 'sortBy' | 'sortOrder' | 'noTimestamp' | 'sha'> {}

const BUILTIN = new Set(['Created', 'State', 'Executor'])
const ALIAS = /(r[0-9a-z]{6})(?: \((.+)\))?$/

interface Origin {
  baseline: string
  rev: string
}

/** A copy of `data` with every revision renamed to an alias, and the way back. */
function aliased(data: ExpShowData, sortBy: string | undefined): { data: ExpShowData; origin: Map<string, Origin> } {
  let counter = 0
  const next = (): string => `r${(counter++).toString(36).padStart(6, '0')}`
  const origin = new Map<string, Origin>()
  const out: ExpShowData = {}
  for (const [baseline, group] of Object.entries(data)) {
    const groupAlias = next()
    origin.set(groupAlias, { baseline, rev: 'baseline' })
    const names = new Map<string, string>([[baseline, groupAlias]])
    for (const rev of Object.keys(group)) {
      if (rev === 'baseline') continue
      const alias = next()
      names.set(rev, alias)
      origin.set(alias, { baseline, rev })
    }
    const rename = (rev: string | null | undefined): string | null | undefined => (rev ? (names.get(rev) ?? rev) : rev)
    const copy: Record<string, ExpEntry> = {}
    for (const [rev, original] of Object.entries(group)) {
      const entry = preformatted(original, sortBy)
      const d = entry.data
      const renamed: ExpEntry =
        d && (d.checkpoint_tip || d.checkpoint_parent)
          ? { ...entry, data: { ...d, checkpoint_tip: rename(d.checkpoint_tip), checkpoint_parent: rename(d.checkpoint_parent) } }
          : entry
      copy[rev === 'baseline' ? rev : names.get(rev)!] = renamed
    }
    out[groupAlias] = copy
  }
  return { data: out, origin }
}

/** The table for these view options; throws core's TrellisError for a bad filter or sort column. */
export function buildTable(data: ExpShowData, view: ViewOptions, now = new Date()): TableModel {
  const { data: renamed, origin } = aliased(data, view.sortBy)
  const table = expShowTable(renamed, { ...view, sha: true, format: 'table', now })
  const headers = table.headers.slice(1)
  const kinds: ColumnKind[] = headers.map((h, i) => (BUILTIN.has(h) ? 'builtin' : table.align[i + 1] === 'right' ? 'metric' : 'param'))
  const rows: TableRow[] = table.rows.map((cells, i) => {
    const match = ALIAS.exec(cells[0])
    if (!match) throw new Error(`unexpected Experiment cell ${JSON.stringify(cells[0])}`)
    const { baseline, rev } = origin.get(match[1])!
    const parentAlias = match[2]
    const parentOrigin = parentAlias ? origin.get(parentAlias) : undefined
    const parent = parentOrigin ? shortRev(parentOrigin.rev === 'baseline' ? parentOrigin.baseline : parentOrigin.rev) : (parentAlias ?? '')
    const entry = data[baseline][rev]
    const d = entry.data ?? {}
    const typ = table.types[i]
    const sha = rev === 'baseline' ? baseline : rev
    const name = d.name ?? null
    return {
      id: `${baseline}/${rev}`,
      baseline,
      rev,
      sha,
      name,
      typ,
      glyph: TREE_GLYPHS[typ],
      label: rowLabel(typ, sha, view.sha ? null : name),
      parent,
      cells: cells.slice(1),
      state: d.running ? 'running' : d.failed ? 'failed' : d.queued ? 'queued' : null,
      checkpointTip: d.checkpoint_tip ?? null,
      data: d,
      error: entry.error !== undefined,
    }
  })
  return { headers, kinds, rows }
}

/** `exp show`'s Experiment text (without the tree glyph and parent). */
function rowLabel(typ: ExperimentType, sha: string, name: string | null): string {
  const rev = shortRev(sha)
  if (typ === 'baseline') return name || rev
  return name ? `${rev} [${name}]` : rev
}

export function shortRev(rev: string): string {
  return /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev
}

/** The rows left visible once the collapsed checkpoint chains are folded into their tips. */
export function visibleRows(rows: TableRow[], expanded: ReadonlySet<string>): TableRow[] {
  return rows.filter((row) => !row.checkpointTip || row.checkpointTip === row.rev || expanded.has(row.checkpointTip))
}

/** How many older checkpoints each tip hides. */
export function checkpointCounts(rows: TableRow[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const row of rows) {
    if (row.checkpointTip && row.checkpointTip !== row.rev) counts.set(row.checkpointTip, (counts.get(row.checkpointTip) ?? 0) + 1)
  }
  return counts
}
