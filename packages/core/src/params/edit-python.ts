/**
 * In-place editing of a Python params file, for exactly the assignments DVC reads from it
 * (see python-params.ts): module-level `NAME = literal`, class attributes (`Train.lr`) and
 * `self.x = literal` in a class `__init__`. The literal after `=` is replaced by the new value's
 * Python notation; the rest of the line (annotations, comments) and the file stay as they were.
 * A path into a list or dict literal (`LAYERS[0]`, `OPTS.lr`) rewrites that whole literal;
 * a tuple stays a tuple and a set a set.
 *
 * Refused (CannotSplice, which the caller turns into INVALID_ARGUMENT): values DVC could not read
 * back from the file — negative numbers (`-1` is an expression in Python's AST), `inf`/`nan`,
 * nested lists/dicts — adding attributes to a class (a mapping merge or `+key`) and deleting
 * a whole assignment (`~NAME`; an item of a list or dict literal can be deleted).
 */
import { PyFloat, pyFloatRepr, pyRepr } from '../util/python-json.js'
import { applyOpToData, CannotSplice, cloneData, formatPath, getAt, isMapping, splice, type EditOp, type PathSegment } from './edit-ops.js'
import { parsePythonParams, pythonParamSpans, type Token } from './python-params.js'

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return pyRepr(value)
  if (typeof value === 'bigint' || value instanceof PyFloat || typeof value === 'number') {
    const x = value instanceof PyFloat ? value.value : value
    if (x < 0 || Object.is(x, -0)) {
      throw new CannotSplice(`DVC cannot read a negative number from a Python file (${String(x)} is an expression there)`)
    }
    if (typeof x === 'number' && !Number.isFinite(x)) throw new CannotSplice(`${String(x)} has no Python literal`)
    if (typeof value === 'bigint') return value.toString()
    if (value instanceof PyFloat || !Number.isInteger(x)) return pyFloatRepr(x as number)
    return BigInt(x).toString()
  }
  throw new CannotSplice(`cannot write a ${typeof value} value`)
}

function element(value: unknown): string {
  if (Array.isArray(value) || isMapping(value)) {
    throw new CannotSplice('DVC reads only flat lists, tuples and dicts from a Python file (no nested containers)')
  }
  return scalar(value)
}

type Shape = 'list' | 'tuple' | 'set'

/** A value as a Python literal; arrays in the original literal's shape. */
export function pythonLiteral(value: unknown, shape: Shape = 'list'): string {
  if (Array.isArray(value)) {
    const items = value.map(element)
    if (shape === 'tuple') return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`
    if (shape === 'set' && items.length > 0) return `{${items.join(', ')}}`
    return `[${items.join(', ')}]`
  }
  if (isMapping(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${element(v)}`)
      .join(', ')}}`
  }
  return scalar(value)
}

function shapeOf(tokens: Token[], old: unknown): Shape {
  if (!Array.isArray(old)) return 'list'
  if (tokens[0].text === '[') return 'list'
  if (tokens[0].text === '{') return 'set'
  return 'tuple'
}

function applyOne(text: string, op: EditOp): string {
  const spans = pythonParamSpans(text)
  const data = parsePythonParams(text)
  let n = op.path.length
  while (n > 0 && !spans.has(JSON.stringify(op.path.slice(0, n)))) n--
  if (n === 0) {
    const what = op.kind === 'add' ? `add '${op.key}' to '${formatPath(op.path)}'` : `${op.kind} '${formatPath(op.path)}'`
    throw new CannotSplice(`cannot ${what}: only literal assignments can be edited`)
  }
  if (op.kind === 'delete' && n === op.path.length) {
    throw new CannotSplice(`cannot delete '${formatPath(op.path)}': Trellis does not remove Python statements (delete the line by hand)`)
  }
  const recordPath: PathSegment[] = op.path.slice(0, n)
  const tokens = spans.get(JSON.stringify(recordPath))!
  const old = getAt(data, recordPath).value
  let value: unknown
  if (op.kind === 'set' && n === op.path.length) {
    value = op.value
  } else {
    const holder: Record<string, unknown> = { v: cloneData(old) }
    applyOpToData(holder, { ...op, path: ['v', ...op.path.slice(n)] })
    value = holder.v
  }
  return splice(text, tokens[0].start, tokens[tokens.length - 1].end, pythonLiteral(value, shapeOf(tokens, old)))
}

export function splicePython(text: string, ops: EditOp[]): string {
  return ops.reduce(applyOne, text)
}
