/**
 * Plot files as DVC reads them (`dvc/repo/plots/__init__.py`):
 * - images (`.png .jpg .jpeg .gif .svg`) are kept as bytes;
 * - JSON/YAML: a list of records, or a mapping walked through nested mappings, where every
 *   list whose items are all mappings with the same keys is a table; several tables are
 *   merged by index (`{"train": [{loss}], "val": [{acc}]}` gives rows `{loss, acc}`);
 * - CSV/TSV: a header row names the fields (or `"0"`, `"1"`, … with `header: false`), every
 *   value stays a string, as Python's `csv.DictReader` gives them; Vega-Lite reads numbers
 *   from numeric strings.
 * Anything else is an error naming the file.
 */
import { posix } from 'node:path'
import { TrellisError } from '../errors.js'
import { parseDataText } from '../metrics/read-metrics-file.js'
import { PyFloat } from '../util/python-json.js'

export type Row = Record<string, unknown>

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.gif', '.svg']
const DATA_EXTENSIONS = ['.json', '.yaml', '.yml', '.csv', '.tsv']

export function isImage(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(posix.extname(path).toLowerCase())
}

export function isPlotFile(path: string): boolean {
  return isImage(path) || DATA_EXTENSIONS.includes(posix.extname(path).toLowerCase())
}

/** Rows of a data file; throws PLOT_DATA_INVALID naming the file. */
export function parsePlotData(bytes: Uint8Array, path: string, options: { header?: boolean } = {}): Row[] {
  const ext = posix.extname(path).toLowerCase()
  const text = new TextDecoder().decode(bytes)
  if (ext === '.csv' || ext === '.tsv') return parseDelimited(text, ext === '.csv' ? ',' : '\t', options.header !== false, path)
  if (ext === '.json' || ext === '.yaml' || ext === '.yml') {
    let data: unknown
    if (ext === '.json') {
      try {
        data = JSON.parse(text) // the fast path; Python-only JSON (NaN) goes through the full parser
      } catch {
        data = parseWithHint(text, path)
      }
    } else {
      data = parseWithHint(text, path)
    }
    const rows = findRows(plain(data))
    if (!rows) {
      throw new TrellisError('PLOT_DATA_INVALID', `'${path}' holds no table of records`, {
        hint: 'A plot file is a list of records (`[{"x": 1, "y": 2}, …]`), or a mapping holding such a list.',
      })
    }
    return rows
  }
  throw new TrellisError('PLOT_DATA_INVALID', `'${path}' - file type error. Only JSON, YAML, CSV and TSV formats are supported.`, {
    hint: 'Plot data files end in .json, .yaml, .yml, .csv or .tsv; images in .png, .jpg, .jpeg, .gif or .svg.',
  })
}

function parseWithHint(text: string, path: string): unknown {
  try {
    return parseDataText(text, path)
  } catch (error) {
    if (error instanceof TrellisError) throw new TrellisError('PLOT_DATA_INVALID', error.message, { hint: error.hint, cause: error })
    throw error
  }
}

/** PyFloat → number, recursively (Vega wants plain numbers). */
function plain(value: unknown): unknown {
  if (value instanceof PyFloat) return value.value
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object') {
    const out: Row = {}
    for (const [k, v] of Object.entries(value)) out[k] = plain(v)
    return out
  }
  return value
}

function isRecord(value: unknown): value is Row {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isTable(value: unknown): value is Row[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isRecord)) return false
  const keys = Object.keys(value[0]).join('\0')
  return value.every((row) => Object.keys(row).join('\0') === keys)
}

function findRows(data: unknown): Row[] | undefined {
  if (Array.isArray(data)) return data.every(isRecord) ? (data as Row[]) : undefined
  if (!isRecord(data)) return undefined
  const tables: Row[][] = []
  const walk = (node: Row): void => {
    for (const value of Object.values(node)) {
      if (isTable(value)) tables.push(value)
      else if (isRecord(value)) walk(value)
    }
  }
  walk(data)
  if (tables.length === 0) return undefined
  if (tables.length === 1) return tables[0]
  const length = Math.max(...tables.map((t) => t.length))
  const rows: Row[] = []
  for (let i = 0; i < length; i++) {
    const row: Row = {}
    for (const table of tables) if (table[i]) Object.assign(row, table[i])
    rows.push(row)
  }
  return rows
}

/** RFC 4180-style fields: quotes, doubled quotes, delimiters and newlines inside quotes. */
function parseDelimited(text: string, delimiter: string, header: boolean, path: string): Row[] {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  let i = 0
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  while (i < body.length) {
    const c = body[i]
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else field += c
      i++
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === delimiter) {
      record.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++
      record.push(field)
      if (!(record.length === 1 && record[0] === '')) records.push(record)
      record = []
      field = ''
    } else field += c
    i++
  }
  if (field !== '' || record.length > 0) {
    record.push(field)
    records.push(record)
  }
  if (quoted) throw new TrellisError('PLOT_DATA_INVALID', `'${path}' has an unterminated quoted field`, { hint: 'Close the quote, or double quotes inside a quoted field ("").' })
  if (records.length === 0) return []
  const names = header ? records[0] : records[0].map((_, index) => String(index))
  const rows: Row[] = []
  for (const values of header ? records.slice(1) : records) {
    const row: Row = {}
    names.forEach((name, index) => (row[name] = values[index] ?? null))
    rows.push(row)
  }
  return rows
}
