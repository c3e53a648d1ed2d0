/**
 * `--json` output as DVC writes it: Python `json.dumps` with keys in insertion order (no
 * sorting), `ensure_ascii`, float repr (`2.0`, `1e-05`, `NaN`, `Infinity`), separators
 * `", "`/`": "` — or `indent=2` (DVC indents only when stdout is a terminal). Exceptions
 * are encoded like DVC's `encode_exception`: `{"type": <class name>, "msg": <message>}`.
 */
import { PyFloat, pyJsonDumps } from '../util/python-json.js'

export interface RenderJsonOptions {
  /** Pretty-print with this indent (Python `indent=`); compact when omitted. */
  indent?: number
}

/** The JSON text followed by a newline, as printed to stdout. */
export function renderJson(value: unknown, options: RenderJsonOptions = {}): string {
  return dumpsJson(value, options) + '\n'
}

/** Python `json.dumps(value)` (insertion-ordered keys, errors encoded). */
export function dumpsJson(value: unknown, options: RenderJsonOptions = {}): string {
  return dump(value, options.indent, 0)
}

/** DVC's `encode_exception`. */
export function encodeError(error: unknown): unknown {
  if (error instanceof Error) return { type: error.name, msg: error.message }
  return error
}

function dump(value: unknown, indent: number | undefined, level: number): string {
  if (value instanceof Error) return dump(encodeError(value), indent, level)
  if (value instanceof Date) return pyJsonDumps(value.toISOString())
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return wrap('[', ']', value.map((item) => dump(item ?? null, indent, level + 1)), indent, level)
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    if (entries.length === 0) return '{}'
    const items = entries.map(([k, v]) => `${pyJsonDumps(k)}: ${dump(v, indent, level + 1)}`)
    return wrap('{', '}', items, indent, level)
  }
  if (value === undefined) return 'null'
  if (value !== null && typeof value === 'object' && !(value instanceof PyFloat)) return pyJsonDumps(String(value))
  return pyJsonDumps(value)
}

function wrap(open: string, close: string, items: string[], indent: number | undefined, level: number): string {
  if (indent === undefined) return `${open}${items.join(', ')}${close}`
  const inner = ' '.repeat(indent * (level + 1))
  const outer = ' '.repeat(indent * level)
  return `${open}\n${items.map((item) => inner + item).join(',\n')}\n${outer}${close}`
}
