/**
 * Validation of the RAW YAML documents (before `${}` interpolation) of `dvc.yaml`,
 * `dvc.lock` (2.0 and v1) and `.dvc` files, against the DVC 2.58 schemas
 * (`dvc/schema.py`, `dvc/output.py`, `dvc/dependency/__init__.py`).
 *
 * The validator walks the `yaml` Document nodes, so every problem comes with its key path
 * and line. It mirrors voluptuous' behaviour where it decides which message is shown:
 * `Any(...)` reports the deepest failing alternative (the first one on a tie), a list item
 * that matches no alternative reports the last alternative's error, mappings collect one
 * error per bad key. All problems are reported in ONE `TrellisError`:
 *
 *   'dvc.yaml' validation failed: extra keys not allowed, in stages -> train -> outz, line 7
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml'
import { TrellisError, type ErrorCode } from '../errors.js'
import { PyFloat, pyStr } from '../util/python-json.js'
import type { LoadedYaml } from '../util/yaml.js'

export type PathSegment = string | number

export interface SchemaIssue {
  reason: string
  path: PathSegment[]
  /** Node the problem is about (the key node for "extra keys not allowed"). */
  node?: Node | null
  /** For extra keys: the keys allowed at that place. */
  allowed?: string[]
}

interface Ctx {
  doc: Document
}

type Validator = (node: unknown, path: PathSegment[], ctx: Ctx) => SchemaIssue[]

const OK: SchemaIssue[] = []

function deref(node: unknown, ctx: Ctx): unknown {
  let current = node
  for (let i = 0; i < 100 && isAlias(current); i++) current = current.resolve(ctx.doc)
  return current
}

/** Plain value of a scalar node (PyFloat kept); `undefined` for collections. */
function scalarValue(node: unknown): unknown {
  if (node === null || node === undefined) return null
  if (isScalar(node)) return node.value
  return undefined
}

function isNullNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null)
}

function issue(reason: string, path: PathSegment[], node: unknown): SchemaIssue[] {
  return [{ reason, path, node: (node as Node | null | undefined) ?? null }]
}

function typeCheck(name: string, test: (value: unknown) => boolean): Validator {
  return (raw, path, ctx) => {
    const node = deref(raw, ctx)
    if (isMap(node) || isSeq(node)) return issue(`expected ${name}`, path, node)
    return test(scalarValue(node)) ? OK : issue(`expected ${name}`, path, node)
  }
}

const str = typeCheck('str', (v) => typeof v === 'string')
const bool = typeCheck('bool', (v) => typeof v === 'boolean')
// Python's bool is an int, so voluptuous accepts `true` where `int` is expected.
const int = typeCheck(
  'int',
  (v) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' || typeof v === 'boolean',
)
const anything: Validator = () => OK
const dictType: Validator = (raw, path, ctx) => {
  const node = deref(raw, ctx)
  return isMap(node) ? OK : issue('expected dict', path, node)
}
const listType: Validator = (raw, path, ctx) => {
  const node = deref(raw, ctx)
  return isSeq(node) ? OK : issue('expected list', path, node)
}
const noneValue: Validator = (raw, path, ctx) => {
  const node = deref(raw, ctx)
  return isNullNode(node) ? OK : issue('not a valid value', path, node)
}

function depth(issues: SchemaIssue[]): number {
  return issues.length ? issues[0].path.length : -1
}

/** voluptuous `Any`: first success, else the deepest error (first on a tie). */
function anyOf(...alternatives: Validator[]): Validator {
  return (node, path, ctx) => {
    let best: SchemaIssue[] | null = null
    for (const alternative of alternatives) {
      const issues = alternative(node, path, ctx)
      if (issues.length === 0) return OK
      if (best === null || depth(issues) > depth(best)) best = issues
    }
    return best ?? OK
  }
}

/** voluptuous list schema `[alt1, alt2]`. */
function seqOf(...alternatives: Validator[]): Validator {
  return (raw, path, ctx) => {
    const node = deref(raw, ctx)
    if (!isSeq(node)) return issue('expected a list', path, node)
    const errors: SchemaIssue[] = []
    node.items.forEach((item, index) => {
      const itemPath = [...path, index]
      let last: SchemaIssue[] = OK
      for (const alternative of alternatives) {
        const issues = alternative(item, itemPath, ctx)
        if (issues.length === 0) return
        if (depth(issues) > itemPath.length) {
          errors.push(...issues)
          return
        }
        last = issues
      }
      errors.push(...last)
    })
    return errors
  }
}

interface FieldSpec {
  v: Validator
  required?: boolean
}

type Fields = Record<string, Validator | FieldSpec>

function field(spec: Validator | FieldSpec): FieldSpec {
  return typeof spec === 'function' ? { v: spec } : spec
}

function required(v: Validator): FieldSpec {
  return { v, required: true }
}

/** A mapping with known keys (extra keys rejected) and/or any str key validated by `extra`. */
function dict(fields: Fields, extra?: Validator): Validator {
  const allowed = Object.keys(fields)
  return (raw, path, ctx) => {
    const node = deref(raw, ctx)
    if (isNullNode(node) || !isMap(node)) return issue('expected a dictionary', path, node)
    const errors: SchemaIssue[] = []
    const seen = new Set<string>()
    for (const pair of node.items) {
      const keyNode = deref(pair.key, ctx)
      const key = scalarValue(keyNode)
      const keyText = typeof key === 'string' ? key : pyStr(key)
      const keyPath = [...path, keyText]
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(fields, key)) {
        seen.add(key)
        errors.push(...field(fields[key]).v(pair.value, keyPath, ctx))
      } else if (typeof key === 'string' && extra) {
        errors.push(...extra(pair.value, keyPath, ctx))
      } else {
        errors.push({ reason: 'extra keys not allowed', path: keyPath, node: keyNode as Node, allowed })
      }
    }
    for (const [key, spec] of Object.entries(fields)) {
      if (field(spec).required && !seen.has(key)) {
        errors.push({ reason: 'required key not provided', path: [...path, key], node })
      }
    }
    return errors
  }
}

/** `{str: value}` */
function mapOf(value: Validator): Validator {
  return dict({}, value)
}

// ---------------------------------------------------------------- dvc.yaml (2.58)

const ANNOTATION_FIELDS: Fields = { desc: str, type: str, labels: seqOf(str), meta: anything }

const OUT_FLAGS: Fields = {
  ...ANNOTATION_FIELDS,
  cache: bool,
  persist: bool,
  checkpoint: bool,
  remote: str,
  push: bool,
}
const OUT_PSTAGE_DETAILED = mapOf(dict(OUT_FLAGS))

const PLOT_PROPS: Fields = {
  template: str,
  x: str,
  y: str,
  x_label: str,
  y_label: str,
  title: str,
  header: bool,
}
const PLOT_PROPS_SCHEMA = dict({ ...OUT_FLAGS, ...PLOT_PROPS })
const PLOT_PSTAGE = mapOf(anyOf(PLOT_PROPS_SCHEMA, seqOf(PLOT_PROPS_SCHEMA)))

const VARS_SCHEMA = seqOf(str, dictType)

export const STAGE_KEYS = [
  'cmd',
  'wdir',
  'deps',
  'params',
  'outs',
  'metrics',
  'plots',
  'frozen',
  'always_changed',
  'desc',
  'meta',
  'vars',
]

const STAGE_DEFINITION = dict({
  cmd: required(anyOf(str, seqOf(str))),
  wdir: str,
  deps: seqOf(str),
  params: seqOf(str, dictType),
  vars: VARS_SCHEMA,
  frozen: bool,
  meta: anything,
  desc: str,
  always_changed: bool,
  outs: seqOf(anyOf(str, OUT_PSTAGE_DETAILED)),
  metrics: seqOf(anyOf(str, OUT_PSTAGE_DETAILED)),
  plots: seqOf(anyOf(str, PLOT_PSTAGE)),
})

const FOREACH_IN = dict({
  foreach: required(anyOf(dictType, listType, str)),
  do: required(STAGE_DEFINITION),
})

/** `either_or(STAGE_DEFINITION, FOREACH_IN, [foreach, do])` */
const STAGE_OR_GROUP: Validator = (raw, path, ctx) => {
  const node = deref(raw, ctx)
  if (isMap(node) && node.items.some((pair) => ['foreach', 'do'].includes(scalarValue(deref(pair.key, ctx)) as string))) {
    return FOREACH_IN(node, path, ctx)
  }
  return STAGE_DEFINITION(node, path, ctx)
}

const PLOT_DEFINITION = dict({
  x: anyOf(str, mapOf(str)),
  y: anyOf(str, seqOf(str), mapOf(anyOf(str, seqOf(str)))),
  x_label: str,
  y_label: str,
  title: str,
  template: str,
})
const SINGLE_PLOT = mapOf(anyOf(PLOT_DEFINITION, noneValue))

const ARTIFACT = dict({ path: required(str), desc: str, type: str, labels: seqOf(str), meta: anything })

export const DVC_YAML_TOP_LEVEL_KEYS = ['stages', 'vars', 'plots', 'params', 'metrics', 'artifacts']

const MULTI_STAGE_SCHEMA = dict({
  stages: mapOf(STAGE_OR_GROUP),
  vars: VARS_SCHEMA,
  plots: anyOf(seqOf(str, SINGLE_PLOT), SINGLE_PLOT),
  params: seqOf(str),
  metrics: seqOf(str),
  artifacts: mapOf(ARTIFACT),
})

// ---------------------------------------------------------------- dvc.lock

/** CHECKSUM_SCHEMA: None, '', or a str/int of 3+ characters (coerced to a lower-case str on read). */
const CHECKSUM: Validator = (raw, path, ctx) => {
  const node = deref(raw, ctx)
  if (isMap(node) || isSeq(node)) return issue('expected str', path, node)
  const value = scalarValue(node)
  if (value === null) return OK
  if (typeof value === 'string') {
    return value.length === 0 || value.length >= 3 ? OK : issue('length of value must be at least 3', path, node)
  }
  if ((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint') return OK
  return issue('expected str', path, node)
}

const CHECKSUMS: Fields = { md5: CHECKSUM, etag: CHECKSUM, checksum: CHECKSUM }
const META_FIELDS: Fields = { size: int, nfiles: int, isexec: bool, version_id: str }

const DATA_SCHEMA = dict({
  ...CHECKSUMS,
  hash: str, // DVC 3: `hash: md5` (legacy md5-dos2unix entries have none)
  ...META_FIELDS,
  path: required(str),
  cloud: dictType,
  files: seqOf(dictType),
})

const LOCK_FILE_STAGE_SCHEMA = dict({
  cmd: required(anyOf(str, listType)),
  deps: seqOf(DATA_SCHEMA),
  params: mapOf(mapOf(anything)),
  outs: seqOf(DATA_SCHEMA),
})

const LOCKFILE_V1_SCHEMA = mapOf(LOCK_FILE_STAGE_SCHEMA)

const SCHEMA_VERSION: Validator = (raw, path, ctx) => {
  const node = deref(raw, ctx)
  const value = scalarValue(node)
  if (value === '2.0') return OK
  const shown = value instanceof PyFloat || typeof value !== 'object' ? pyStr(value) : String(value)
  return issue(`invalid schema version ${shown}, expected one of ['2.0'] for dictionary value @ data['schema']`, path, node)
}

const LOCKFILE_V2_SCHEMA = dict({
  schema: required(SCHEMA_VERSION),
  stages: mapOf(LOCK_FILE_STAGE_SCHEMA),
})

// ---------------------------------------------------------------- .dvc files

const OUTPUT_SCHEMA_FIELDS: Fields = {
  ...CHECKSUMS,
  hash: str, // DVC 3 `.dvc` files: `hash: md5`
  path: required(str),
  plot: anyOf(bool, dict(PLOT_PROPS)),
  persist: bool,
  checkpoint: bool,
  size: int,
  nfiles: int,
  isexec: bool,
  cache: bool,
  metric: anyOf(noneValue, bool, dict({ type: str, xpath: str })),
  remote: str,
  push: bool,
  cloud: dictType,
  files: seqOf(dictType),
  version_id: str,
  ...ANNOTATION_FIELDS,
}
const OUTPUT_SCHEMA = dict(OUTPUT_SCHEMA_FIELDS)
const DEPENDENCY_SCHEMA = dict({
  ...OUTPUT_SCHEMA_FIELDS,
  repo: dict({ url: required(str), rev: str, rev_lock: str, config: anything, remote: anything }),
  params: anyOf(dictType, listType, noneValue),
  fs_config: anything,
})

const SINGLE_STAGE_SCHEMA = dict({
  md5: CHECKSUM,
  cmd: anyOf(str, listType, noneValue),
  wdir: anyOf(str, noneValue),
  deps: anyOf(seqOf(DEPENDENCY_SCHEMA), noneValue),
  outs: anyOf(seqOf(OUTPUT_SCHEMA), noneValue),
  locked: bool,
  frozen: bool,
  meta: anything,
  always_changed: bool,
  desc: str,
})

// ---------------------------------------------------------------- reporting

function lineOfPath(loaded: LoadedYaml, issue: SchemaIssue): number | undefined {
  const own = issue.node ? loaded.lineOf(issue.node) : undefined
  if (own !== undefined) return own
  // walk the path as far as it exists in the document (DVC's determine_linecol)
  let node: unknown = loaded.doc.contents
  let line = loaded.lineOf(node as Node)
  for (const segment of issue.path) {
    node = deref(node, { doc: loaded.doc })
    let next: unknown
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const key = scalarValue(deref(p.key, { doc: loaded.doc }))
        return (typeof key === 'string' ? key : pyStr(key)) === segment
      })
      next = pair ? (pair.value ?? pair.key) : undefined
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment]
    }
    if (next === undefined) break
    const nextLine = loaded.lineOf(next as Node)
    if (nextLine !== undefined) line = nextLine
    node = next
  }
  return line
}

function formatIssue(loaded: LoadedYaml, issue: SchemaIssue): string {
  if (issue.path.length === 0) return issue.reason
  const line = lineOfPath(loaded, issue)
  return `${issue.reason}, in ${issue.path.join(' -> ')}${line === undefined ? '' : `, line ${line}`}`
}

function hintFor(issue: SchemaIssue, what: string): string {
  const where = issue.path.length ? ` at ${issue.path.join(' -> ')}` : ''
  if (issue.reason === 'extra keys not allowed') {
    const allowed = issue.allowed?.length ? `Allowed keys here: ${issue.allowed.join(', ')}.` : 'No keys are allowed here.'
    return `Remove or rename '${issue.path[issue.path.length - 1]}'. ${allowed}`
  }
  if (issue.reason === 'required key not provided') {
    const parent = issue.path.slice(0, -1)
    return `Add the '${issue.path[issue.path.length - 1]}' key${parent.length ? ` in ${parent.join(' -> ')}` : ''}.`
  }
  if (issue.reason === 'expected bool') {
    return `Use true or false${where}. Boolean fields are checked before \${} interpolation, so they cannot be templated.`
  }
  if (issue.reason === 'expected str') return `Use a string${where} (quote it if YAML reads it as a number, boolean or null).`
  if (issue.reason.startsWith('expected')) return `Fix the value${where}: ${issue.reason}.`
  return `Check ${what} against the DVC 2.x file format.`
}

function fail(code: ErrorCode, loaded: LoadedYaml, file: string, issues: SchemaIssue[], what: string): never {
  const parts = issues.map((i) => formatIssue(loaded, i))
  const detail =
    issues.length === 1 ? parts[0] : `${issues.length} errors: ${parts.join('; ')}`
  const message =
    issues.length === 1 && issues[0].path.length === 0
      ? `'${file}' validation failed: ${detail}.`
      : `'${file}' validation failed: ${detail}`
  throw new TrellisError(code, message, { hint: hintFor(issues[0], what) })
}

function run(validator: Validator, loaded: LoadedYaml): SchemaIssue[] {
  const ctx: Ctx = { doc: loaded.doc }
  const root = loaded.doc.contents
  // An empty document is `{}`.
  if (root === null || (isScalar(root) && root.value === null)) return OK
  return validator(root, [], ctx)
}

/** Validate a loaded `dvc.yaml` (raw, before interpolation). Throws SCHEMA_INVALID. */
export function validateDvcYaml(loaded: LoadedYaml, file: string): void {
  const issues = run(MULTI_STAGE_SCHEMA, loaded)
  if (issues.length) fail('SCHEMA_INVALID', loaded, file, issues, 'dvc.yaml')
}

/** Validate a loaded `dvc.lock`; returns its version (1 = legacy, stages at top level). Throws LOCKFILE_INVALID. */
export function validateLockfile(loaded: LoadedYaml, file: string): 1 | 2 {
  const data = loaded.data
  // LOCKFILE_VERSION.from_dict: empty/non-map → v2; `schema` present → v2 rules; absent → v1
  let version: 1 | 2 = 2
  if (data && typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length > 0) {
    const schema = (data as Record<string, unknown>).schema
    version = schema === undefined || schema === null || schema === '' || schema === false || schema === 0 ? 1 : 2
    if (schema === '1.0') version = 1
  }
  const issues = run(version === 1 ? LOCKFILE_V1_SCHEMA : LOCKFILE_V2_SCHEMA, loaded)
  if (issues.length) {
    if (issues[0].reason.startsWith('invalid schema version')) {
      const shown = issues[0].reason
      throw new TrellisError('LOCKFILE_INVALID', `'${file}' validation failed: ${shown}`, {
        hint: `Trellis reads DVC 2.x lock files (schema '2.0'); '${file}' was probably written by a newer DVC. Delete it to regenerate it, or use DVC 2.x.`,
      })
    }
    fail('LOCKFILE_INVALID', loaded, file, issues, 'dvc.lock')
  }
  return version
}

/** Validate a loaded single-stage `.dvc` file. Throws SCHEMA_INVALID. */
export function validateDotDvc(loaded: LoadedYaml, file: string): void {
  const issues = run(SINGLE_STAGE_SCHEMA, loaded)
  if (issues.length) fail('SCHEMA_INVALID', loaded, file, issues, 'the .dvc file')
}

/** Lower-level access for tests and tools: the issues without throwing. */
export function checkDvcYaml(loaded: LoadedYaml): SchemaIssue[] {
  return run(MULTI_STAGE_SCHEMA, loaded)
}
