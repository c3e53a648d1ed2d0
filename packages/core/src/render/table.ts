/**
 * Tables as DVC prints them through `tabulate` (`disable_numparse=True`, `missingval="-"`):
 *
 * - `plain`: every column is max(header length + 2, widest cell) wide, cells left-aligned
 *   (or right-aligned on request) and padded, columns joined by two spaces, trailing spaces
 *   stripped from every line, no separator line. An empty table prints nothing.
 * - `github` (`--md`): `| cell |` rows padded to the column width, a separator of dashes
 *   (width + 2) under the header, and an empty line after the table (DVC appends one).
 *   An empty table still prints its header.
 * - `csv` (`--csv`): Python's `csv.writer` defaults — minimal RFC 4180 quoting and CRLF
 *   line endings.
 *
 * The returned string is exactly what goes to stdout, final newline included.
 */

export type TableFormat = 'plain' | 'github' | 'csv'
export type ColumnAlign = 'left' | 'right'
/** A cell; `null`/`undefined` print as the missing value (`-`, empty in CSV). */
export type Cell = string | null | undefined

export interface RenderTableOptions {
  /** Default `plain`. */
  format?: TableFormat
  /** Alignment per column index (default left). Ignored for CSV. */
  align?: readonly (ColumnAlign | undefined)[]
  /** Text for `null`/`undefined` cells (default `-`; CSV default empty). */
  missing?: string
  /** CSV line terminator (default `\r\n`, as Python's csv module writes). */
  lineTerminator?: string
}

const MIN_PADDING = 2

export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: RenderTableOptions = {},
): string {
  const format = options.format ?? 'plain'
  if (format === 'csv') return renderCsv(headers, rows, options)
  if (format === 'plain' && rows.length === 0) return ''

  const missing = options.missing ?? '-'
  const ncols = Math.max(headers.length, ...rows.map((row) => row.length))
  const cells = rows.map((row) => Array.from({ length: ncols }, (_, i) => row[i] ?? missing))
  const heads = Array.from({ length: ncols }, (_, i) => headers[i] ?? '')
  const widths = heads.map((header, i) =>
    Math.max(textWidth(header) + MIN_PADDING, ...cells.map((row) => textWidth(row[i]))),
  )
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i] - textWidth(text)))
    return options.align?.[i] === 'right' ? fill + text : text + fill
  }

  if (format === 'plain') {
    const line = (row: readonly string[]): string => row.map(pad).join('  ').trimEnd()
    return [line(heads), ...cells.map(line)].join('\n') + '\n'
  }
  const line = (row: readonly string[]): string => `| ${row.map(pad).join(' | ')} |`
  const separator = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`
  return [line(heads), separator, ...cells.map(line)].join('\n') + '\n\n'
}

/** Display width of a cell: code points (tabulate without wcwidth). */
export function textWidth(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

function renderCsv(headers: readonly string[], rows: readonly (readonly Cell[])[], options: RenderTableOptions): string {
  const terminator = options.lineTerminator ?? '\r\n'
  const missing = options.missing ?? ''
  const out = [headers, ...rows].map((row) => csvRow(row.map((cell) => cell ?? missing), terminator))
  return out.map((line) => line + terminator).join('')
}

function csvRow(fields: readonly string[], terminator: string): string {
  // Python quotes a lone empty field so the row is not read back as blank
  if (fields.length === 1 && fields[0] === '') return '""'
  return fields.map((field) => csvField(field, terminator)).join(',')
}

function csvField(field: string, terminator: string): string {
  const special = field.includes(',') || field.includes('"') || /[\r\n]/.test(field) || [...terminator].some((c) => field.includes(c))
  return special ? `"${field.replace(/"/g, '""')}"` : field
}
