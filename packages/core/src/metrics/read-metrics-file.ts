/**
 * Reading metrics files as DVC 2.x does (§d.1, §d.2).
 *
 * Format by lower-cased extension: `.json` → JSON (Python `json` semantics: `NaN`/`Infinity`
 * literals, duplicate keys last-wins, `1.0` stays a float), `.toml` → TOML, anything else →
 * YAML 1.2. Floats with integral values are carried as `PyFloat` so they print as `2.0`.
 *
 * Before parsing, the file must look like text (DVC's `istextfile` heuristic on the first
 * 512 bytes: no NUL byte and at most 30% bytes outside printable ASCII/`\n\r\t\f\b`) and be
 * valid UTF-8. Kept values (`_extract_metrics`): numbers, booleans (a Python bool is an
 * int), and strings; lists, nulls, dates and maps left empty by that filter are dropped;
 * a document that ends up falsy (`0`, `''`, `{}`) reads as `{}`.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse as parseToml, TomlError } from 'smol-toml'
import { TrellisError, type ErrorCode } from '../errors.js'
import { PyFloat } from '../util/python-json.js'
import { loadYaml } from '../util/yaml.js'
import { isMapping } from './flatten.js'
import { JsonSyntaxError, parsePyJson } from '../params/json.js'

export type DataFormat = 'json' | 'toml' | 'yaml'

/** The parser DVC picks for a path (by lower-cased extension). */
export function dataFormatOf(path: string): DataFormat {
  const ext = extname(path).toLowerCase()
  return ext === '.json' ? 'json' : ext === '.toml' ? 'toml' : 'yaml'
}

/**
 * Read and parse a metrics file; returns the kept metrics (see module doc).
 * Throws `METRICS_INVALID` for a missing/binary/undecodable/unparseable file.
 */
export async function readMetricsFile(absPath: string, displayPath: string): Promise<unknown> {
  let content: Uint8Array
  try {
    content = await readFile(absPath)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : 'cannot be read'
    throw new TrellisError('METRICS_INVALID', `metrics file '${displayPath}' ${reason}`, { cause: error })
  }
  return parseMetricsBuffer(content, displayPath, { absPath })
}

export interface ParseMetricsOptions {
  /** Path named in the binary-file message (DVC prints the absolute path); default displayPath. */
  absPath?: string
  /** Override the extension-based format. */
  format?: DataFormat
}

/** Parse metrics from file content (e.g. a git blob); same checks and filtering as readMetricsFile. */
export function parseMetricsBuffer(content: Uint8Array, displayPath: string, options: ParseMetricsOptions = {}): unknown {
  if (!isTextBlock(content.subarray(0, 512))) {
    throw new TrellisError('METRICS_INVALID', `binary file '${options.absPath ?? displayPath}' cannot be used as metrics.`, {
      hint: 'Metrics must be JSON, YAML or TOML text files; track binary outputs under `outs` or `plots` instead.',
    })
  }
  const text = decodeUtf8(content, displayPath, 'METRICS_INVALID')
  const data = parseDataText(text, displayPath, { format: options.format, code: 'METRICS_INVALID' })
  return extractMetrics(data)
}

/** DVC's `istextblock`: empty is text; NUL → binary; else ≤30% bytes outside printable ASCII + \n\r\t\f\b. */
export function isTextBlock(block: Uint8Array): boolean {
  if (block.length === 0) return true
  let nontext = 0
  for (const byte of block) {
    if (byte === 0) return false
    const text = (byte >= 32 && byte < 127) || byte === 10 || byte === 13 || byte === 9 || byte === 12 || byte === 8
    if (!text) nontext++
  }
  return nontext / block.length <= 0.3
}

function decodeUtf8(content: Uint8Array, displayPath: string, code: ErrorCode): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content)
  } catch (error) {
    throw new TrellisError(code, `unable to read: '${displayPath}', is not valid utf-8`, { cause: error })
  }
}

/** DVC's metrics filter (`_extract_metrics`) followed by `val or {}`. */
export function extractMetrics(data: unknown): unknown {
  const kept = extract(data)
  return isFalsy(kept) ? {} : kept
}

function extract(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint') {
    return value
  }
  if (value instanceof PyFloat) return value
  if (!isMapping(value)) return undefined
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) {
    const kept = extract(child)
    if (kept === undefined || (isMapping(kept) && Object.keys(kept).length === 0)) continue
    out[key] = kept
  }
  return out
}

function isFalsy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0 || value === 0n) return true
  if (value instanceof PyFloat) return value.value === 0
  return isMapping(value) && Object.keys(value).length === 0
}

export interface ParseDataOptions {
  format?: DataFormat
  /** Error code for parse failures (default METRICS_INVALID; params readers pass PARAMS_INVALID). */
  code?: ErrorCode
}

const FORMAT_NAMES: Record<DataFormat, string> = { json: 'JSON', toml: 'TOML', yaml: 'YAML' }

/**
 * Parse a JSON/TOML/YAML document into plain data (PyFloat for integral floats), no filtering.
 * Failure → `unable to read: '<path>', <FMT> file structure is corrupted, line N`.
 */
export function parseDataText(text: string, displayPath: string, options: ParseDataOptions = {}): unknown {
  const format = options.format ?? dataFormatOf(displayPath)
  const code = options.code ?? 'METRICS_INVALID'
  try {
    if (format === 'json') return parsePyJson(text)
    if (format === 'toml') return fromToml(parseToml(text, { integersAsBigInt: true }))
    return loadYaml(text, displayPath).data
  } catch (error) {
    const { line, reason } = describeParseError(error)
    const where = line === undefined ? '' : `, line ${line}`
    throw new TrellisError(code, `unable to read: '${displayPath}', ${FORMAT_NAMES[format]} file structure is corrupted${where}`, {
      hint: `${reason}. Fix the ${FORMAT_NAMES[format]} syntax of ${displayPath}${where}.`,
      cause: error,
    })
  }
}

function describeParseError(error: unknown): { line?: number; reason: string } {
  if (error instanceof JsonSyntaxError) return { line: error.line, reason: error.message.replace(/: line \d+ column \d+ \(char \d+\)$/, '') }
  if (error instanceof TomlError) return { line: error.line, reason: error.message.split('\n')[0] }
  const message = error instanceof Error ? error.message : String(error)
  const match = /line (\d+)/.exec(message)
  // loadYaml's message is "'<file>' is invalid: <reason>, line N"
  const reason = message.replace(/^'.*?' is invalid(?: \(possible merge conflicts\))?: /, '').replace(/, line \d+$/, '')
  return { line: match ? Number(match[1]) : undefined, reason }
}

function fromToml(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
  }
  if (typeof value === 'number') return Number.isInteger(value) ? new PyFloat(value) : value
  if (Array.isArray(value)) return value.map(fromToml)
  if (isMapping(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) setOwn(out, key, fromToml(child))
    return out
  }
  return value
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}
