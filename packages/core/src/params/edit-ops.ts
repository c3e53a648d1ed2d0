/**
 * The vocabulary shared by the params-file editors (edit-yaml.ts, edit-json.ts, edit-toml.ts,
 * edit-python.ts): an edit is a list of primitive operations on resolved paths, and every
 * editor applies them as minimal textual splices so that the untouched bytes of the file stay
 * exactly as they were.
 *
 * - `set`: replace the value at `path` (a map key or a list index) by `value`;
 * - `add`: add a new `key: value` to the mapping at `path` (`-S +key=value`, or a mapping
 *   merged onto a mapping, DVC's deep-merge exception to the existing-keys rule);
 * - `delete`: remove the key (or list item) at `path` (`-S ~key`).
 *
 * An editor that meets a construct it cannot splice safely throws `CannotSplice`; the caller
 * then re-serialises the whole file (with a warning) or refuses.
 */
import { PyFloat } from '../util/python-json.js'

/** A resolved path: strings address mapping keys, numbers address list items. */
export type PathSegment = string | number

export type EditOp =
  | { kind: 'set'; path: PathSegment[]; value: unknown }
  | { kind: 'add'; path: PathSegment[]; key: string; value: unknown }
  | { kind: 'delete'; path: PathSegment[] }

export interface EditResult {
  text: string
  /** One-line notes for the user (e.g. "re-formatted because …"). */
  warnings: string[]
}

/** Thrown by a splicing editor when it cannot edit the text in place. */
export class CannotSplice extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'CannotSplice'
  }
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function isNonEmptyCollection(value: unknown): boolean {
  return (Array.isArray(value) && value.length > 0) || (isMapping(value) && Object.keys(value).length > 0)
}

export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

type Kind = 'null' | 'bool' | 'int' | 'float' | 'str' | 'list' | 'map' | 'other'

function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'bigint') return 'int'
  if (value instanceof PyFloat) return 'float'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  if (Array.isArray(value)) return 'list'
  if (isMapping(value)) return 'map'
  return 'other'
}

function numeric(value: unknown): number | bigint {
  return value instanceof PyFloat ? value.value : (value as number | bigint)
}

/**
 * Strict structural equality: unlike Python's `==` (and `pyEquals`), `1`, `1.0` and `true`
 * differ, because writing one in place of the other changes the file. Key order is ignored.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  const ka = kindOf(a)
  if (ka !== kindOf(b)) return false
  switch (ka) {
    case 'null':
      return true
    case 'int':
      return BigInt(numeric(a) as number) === BigInt(numeric(b) as number)
    case 'float': {
      const x = numeric(a) as number
      const y = numeric(b) as number
      return Object.is(x, y) || x === y
    }
    case 'list': {
      const la = a as unknown[]
      const lb = b as unknown[]
      return la.length === lb.length && la.every((v, i) => sameValue(v, lb[i]))
    }
    case 'map': {
      const ma = a as Record<string, unknown>
      const mb = b as Record<string, unknown>
      const keys = Object.keys(ma)
      return (
        keys.length === Object.keys(mb).length &&
        keys.every((k) => Object.prototype.hasOwnProperty.call(mb, k) && sameValue(ma[k], mb[k]))
      )
    }
    default:
      return a === b
  }
}

/** A deep copy of plain params data (PyFloats are immutable and shared). */
export function cloneData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneData) as T
  if (isMapping(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) setOwn(out, k, cloneData(v))
    return out as T
  }
  return value
}

/** The value at a resolved path, or `undefined` with `found: false`. */
export function getAt(data: unknown, path: PathSegment[]): { found: boolean; value?: unknown } {
  let current = data
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false }
      current = current[segment]
    } else {
      if (!isMapping(current) || !Object.prototype.hasOwnProperty.call(current, segment)) return { found: false }
      current = current[segment]
    }
  }
  return { found: true, value: current }
}

/** Apply one op to plain data in place (the model every textual edit is verified against). */
export function applyOpToData(data: unknown, op: EditOp): void {
  if (op.kind === 'add') {
    const target = getAt(data, op.path).value
    if (!isMapping(target)) throw new Error(`internal: add into a non-mapping at ${op.path.join('.')}`)
    setOwn(target, op.key, cloneData(op.value))
    return
  }
  const parent = getAt(data, op.path.slice(0, -1)).value
  const last = op.path[op.path.length - 1]
  if (op.kind === 'delete') {
    if (typeof last === 'number' && Array.isArray(parent)) parent.splice(last, 1)
    else if (typeof last === 'string' && isMapping(parent)) delete parent[last]
    else throw new Error(`internal: cannot delete ${op.path.join('.')}`)
    return
  }
  if (typeof last === 'number' && Array.isArray(parent)) parent[last] = cloneData(op.value)
  else if (typeof last === 'string' && isMapping(parent)) setOwn(parent, last, cloneData(op.value))
  else throw new Error(`internal: cannot set ${op.path.join('.')}`)
}

/** Human form of a resolved path (`train.layers[0].units`). */
export function formatPath(path: PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out ? `.${segment}` : segment
  }
  return out
}

/** Which line ending a text uses (its first line break decides; `\n` by default). */
export function lineEnding(text: string): string {
  const index = text.indexOf('\n')
  return index > 0 && text[index - 1] === '\r' ? '\r\n' : '\n'
}

/** 0-based column of an offset. */
export function columnOf(text: string, offset: number): number {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1
  return offset - lineStart
}

export function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end)
}
