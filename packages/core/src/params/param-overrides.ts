/**
 * `dvc exp run -S/--set-param` overrides (reference §7):
 *
 * - the syntax is DVC 3's Hydra override grammar (params/override-grammar.ts): `[file:]key=value`,
 *   `+key=value` (add), `++key=value` (set or add), `~key[=value]` (delete), Hydra-typed values
 *   (`2` int, `0.1` float, `1.0` float kept as `1.0`, `true`, `null`, `[a, b]`, `{a: 1}`,
 *   `'01'` string), and DVC 2.x's `a=1,b=2` as two assignments; sweeps are expanded by
 *   experiments/sweep.ts before they get here;
 * - the file is relative to the cwd (default `params.yaml` in the cwd);
 * - the key is a dotted path with list indexes: `a.b`, `a[0].c`, and also `a.0.c`;
 * - `key=` sets only existing keys, `+key` only new ones (under an existing mapping; missing
 *   mappings on the way are created), `~key` deletes existing ones; checked for every file
 *   before any file is written;
 * - the value at the path is replaced, except that a mapping set onto a mapping is merged key
 *   by key (which may add keys — DVC's deep-merge exception);
 * - later duplicates of the same file + key win (Python-dict semantics: first position, last value).
 *
 * Files are edited in place with minimal textual splices (see params/edit-*.ts), so comments,
 * order and formatting of everything else survive; each result is re-read and compared with
 * the expected data before anything is written. Every file is written atomically, only once
 * all of them have been validated and edited in memory.
 *
 * Differences from DVC, on purpose: DVC validated and wrote one file after the other (a
 * missing key in the second file left the first one modified) — here nothing is written; DVC
 * only knew `a[0]` index keys — `a.0` is accepted too; `file:=v` and `:key=v` are errors here.
 */
import { stat, readFile } from 'node:fs/promises'
import { isAbsolute, posix, relative, sep } from 'node:path'
import { DEFAULT_PARAMS_FILE } from '../dvcfile/resolver.js'
import { TrellisError } from '../errors.js'
import { WorkTreeGuard } from '../fs/safe-path.js'
import { paramsFormatOf, parseParamsText, type ParamsFormat } from './params-file.js'
import {
  applyOpToData,
  CannotSplice,
  cloneData,
  getAt,
  isMapping,
  sameValue,
  setOwn,
  type EditOp,
  type PathSegment,
} from './edit-ops.js'
import { reserializeYaml, spliceYaml } from './edit-yaml.js'
import { reserializeJson, spliceJson } from './edit-json.js'
import { reserializeToml, spliceToml } from './edit-toml.js'
import { splicePython } from './edit-python.js'
import { formatOverride, formatOverrideValue, parseOverrideArg, overrideError, type OverrideOp, type ParsedOverride } from './override-grammar.js'
import { writeFileAtomic } from '../util/atomic-write.js'

/** One segment of an override key: `name` (`a`, or `0` in `a.0`) or a bracketed index (`[0]`). */
export interface KeySegment {
  name: string
  /** Written as `[n]`: addresses a list item only. */
  index: boolean
}

export interface Override {
  /** The `-S` argument as given (for one combination of a sweep: this override with its value). */
  arg: string
  /** The params file, a POSIX path relative to the repository root (absolute if given so). */
  file: string
  /** The key as typed (`train.lr`, `layers[0].units`). */
  key: string
  path: KeySegment[]
  /** set (`key=`), add (`+key=`), force (`++key=`: set or add), delete (`~key`). */
  op: OverrideOp
  /** The parsed value (integral floats as PyFloat); for delete, the expected value if `hasValue`. */
  value: unknown
  /** False for a bare `~key`. */
  hasValue: boolean
  /** The value text as typed. */
  rawValue: string
}

const KEY_HINT = 'Write -S [<file>:]<key>=<value>, e.g. -S train.lr=0.01 or -S params.json:layers[0].units=64.'

function invalidArgument(message: string, hint = KEY_HINT): TrellisError {
  return new TrellisError('INVALID_ARGUMENT', message, { hint })
}

/** Split a key into segments: `a.b[0].c` → a, b, [0], c. Throws INVALID_ARGUMENT on `a..b`, `a[x]`, `a.`. */
export function parseKeyPath(key: string): KeySegment[] {
  const segments: KeySegment[] = []
  let pos = 0
  const fail = (): never => {
    throw invalidArgument(`Invalid parameter name '${key}'`)
  }
  let expectName = true
  while (pos < key.length) {
    if (key[pos] === '[') {
      const close = key.indexOf(']', pos)
      const digits = close < 0 ? '' : key.slice(pos + 1, close)
      if (!/^\d+$/.test(digits) || segments.length === 0) fail()
      segments.push({ name: String(Number(digits)), index: true })
      pos = close + 1
      expectName = false
      if (pos < key.length && key[pos] !== '[' && key[pos] !== '.') fail()
      continue
    }
    if (key[pos] === '.') {
      if (expectName) fail()
      pos++
      expectName = true
      if (pos === key.length) fail()
      continue
    }
    if (!expectName) fail()
    let end = pos
    while (end < key.length && key[end] !== '.' && key[end] !== '[') end++
    const name = key.slice(pos, end)
    if (name.includes(']')) fail()
    segments.push({ name, index: false })
    pos = end
    expectName = false
  }
  if (segments.length === 0) fail()
  return segments
}

/** The canonical text of a key (`a[0].b`), used to detect duplicates. */
function canonicalKey(path: KeySegment[]): string {
  return path.map((s, i) => (s.index ? `[${s.name}]` : i === 0 ? s.name : `.${s.name}`)).join('')
}

/**
 * Parse `-S` arguments (sweeps are refused here: experiments/sweep.ts expands them first).
 * `cwdRelToRoot` is the cwd relative to the repository root (`''` at the root); files are
 * resolved against it, as DVC opens them relative to the process cwd.
 */
export function parseOverrides(values: string[], cwdRelToRoot: string): Override[] {
  const parsed = values.flatMap((arg) => parseOverrideArg(arg))
  const sweep = parsed.find((o) => o.sweep)
  if (sweep) {
    throw overrideError(sweep.arg, sweep.valueOffset, 'a sweep makes several experiments, which this command cannot run', 'Run sweeps with `trellis exp run -S ...` (queued and run at once) or `trellis exp run --queue -S ...`; --temp and --rev take single values.')
  }
  return overridesFromParsed(
    parsed.map((o) => ({ override: o, value: o.value, hasValue: o.op !== 'delete' || o.rawValue.trim() !== '' })),
    cwdRelToRoot,
  )
}

/** Overrides from parsed ones with concrete values (a sweep's combination). */
export function overridesFromParsed(assignments: Array<{ override: ParsedOverride; value: unknown; hasValue: boolean }>, cwdRelToRoot: string): Override[] {
  const cwd = cwdRelToRoot.split(sep).join('/')
  return assignments.map(({ override: o, value, hasValue }) => {
    const fileArg = o.file ?? DEFAULT_PARAMS_FILE
    const path = parseKeyPath(o.key)
    let file: string
    if (isAbsolute(fileArg)) {
      file = posix.normalize(fileArg.split(sep).join('/'))
    } else {
      file = posix.normalize(posix.join(cwd || '.', fileArg))
      if (file === '..' || file.startsWith('../')) {
        throw new TrellisError('PATH_OUTSIDE_REPO', `Parameters file '${fileArg}' is outside the repository`, {
          hint: 'Name a params file inside the repository.',
        })
      }
    }
    // a sweep's combination records its concrete value; a 2.x `a=1,b=2` keeps the argument as typed
    const arg = o.sweep ? formatOverride(o, value, hasValue) : o.arg
    return { arg, file, key: o.key, path, op: o.op, value, hasValue, rawValue: o.rawValue }
  })
}

// ---------------------------------------------------------------------------------------------
// Planning

export interface ParamChange {
  /** The key as typed. */
  key: string
  /** The path resolved against the file (list indexes as numbers). */
  path: PathSegment[]
  /** The value before. */
  old: unknown
  /** The value after all overrides of the file (a merged mapping for a mapping override). */
  new: unknown
  /** `old` and `new` differ (strictly: `1` → `1.0` is a change). */
  changed: boolean
}

export interface FilePlan {
  /** POSIX path relative to the root. */
  file: string
  absPath: string
  format: ParamsFormat
  changes: ParamChange[]
  before: string
  after: string
  /** The text changes (false when every value already had its new value). */
  changed: boolean
  /** File mode to keep when writing. */
  mode: number
  warnings: string[]
}

export interface OverridePlan {
  files: FilePlan[]
  warnings: string[]
}

interface Group {
  file: string
  overrides: Override[]
}

/** Group by file (first-appearance order); a later duplicate key replaces the earlier value in place. */
function groupOverrides(root: string, overrides: Override[]): Group[] {
  const groups = new Map<string, Map<string, Override>>()
  for (const override of overrides) {
    const file = relativeToRoot(root, override.file)
    let byKey = groups.get(file)
    if (!byKey) groups.set(file, (byKey = new Map()))
    byKey.set(canonicalKey(override.path), { ...override, file })
  }
  return [...groups].map(([file, byKey]) => ({ file, overrides: [...byKey.values()] }))
}

function relativeToRoot(root: string, file: string): string {
  if (!isAbsolute(file)) return file
  const rel = relative(root, file).split(sep).join('/')
  if (rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    throw new TrellisError('PATH_OUTSIDE_REPO', `Parameters file '${file}' is outside the repository`, {
      hint: 'Name a params file inside the repository.',
    })
  }
  return rel
}

/** Resolve typed segments against data: lists take numeric segments, mappings take names. */
export function resolveKeyPath(data: unknown, path: KeySegment[]): PathSegment[] | undefined {
  const out: PathSegment[] = []
  let current = data
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment.name)) return undefined
      const index = Number(segment.name)
      if (index >= current.length) return undefined
      out.push(index)
      current = current[index]
    } else if (isMapping(current) && !segment.index) {
      if (!Object.prototype.hasOwnProperty.call(current, segment.name)) return undefined
      out.push(segment.name)
      current = current[segment.name]
    } else {
      return undefined
    }
  }
  return out
}

/** The primitive edits that set `value` at `path` (a mapping onto a mapping merges key by key). */
function opsFor(data: unknown, path: PathSegment[], value: unknown): EditOp[] {
  const old = getAt(data, path).value
  if (isMapping(old) && isMapping(value)) {
    const ops: EditOp[] = []
    for (const [key, v] of Object.entries(value)) {
      if (Object.prototype.hasOwnProperty.call(old, key)) ops.push(...opsFor(data, [...path, key], v))
      else ops.push({ kind: 'add', path, key, value: v })
    }
    return ops
  }
  return sameValue(old, value) ? [] : [{ kind: 'set', path, value }]
}

interface LoadedFile {
  group: Group
  absPath: string
  format: ParamsFormat
  text: string
  bom: string
  data: Record<string, unknown>
  mode: number
  resolved: Array<PathSegment[] | undefined>
}

type ReadFile = Omit<LoadedFile, 'group' | 'resolved'>

/** Params files already read, by path: planning many variants of the same edits (a sweep) reads each file once. */
export type ParamsFileCache = Map<string, Promise<ReadFile>>

async function loadFile(absPath: string, group: Group, cache?: ParamsFileCache): Promise<LoadedFile> {
  let read = cache?.get(group.file)
  if (!read) {
    read = readForEdit(absPath, group.file)
    cache?.set(group.file, read)
  }
  const loaded = await read
  return { ...loaded, group, resolved: group.overrides.map((o) => resolveKeyPath(loaded.data, o.path)) }
}

async function readForEdit(absPath: string, file: string): Promise<ReadFile> {
  let info
  try {
    info = await stat(absPath)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TrellisError('PARAMS_INVALID', `Parameters file '${file}' does not exist`, {
        hint: `Create '${file}', or name an existing file with -S <file>:<key>=<value> (files are relative to the current directory).`,
      })
    }
    throw error
  }
  if (info.isDirectory()) {
    throw new TrellisError('PARAMS_INVALID', `'${file}' is a directory, expected a parameters file`, {
      hint: 'Name a YAML, JSON, TOML or Python params file with -S <file>:<key>=<value>.',
    })
  }
  const format = paramsFormatOf(file)
  let raw: string
  try {
    raw = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(absPath))
  } catch {
    throw new TrellisError('PARAMS_INVALID', `unable to read: '${file}', is not valid utf-8`, {
      hint: `Save '${file}' as UTF-8.`,
    })
  }
  const bom = raw.startsWith('\ufeff') ? '\ufeff' : ''
  const text = raw.slice(bom.length)
  const data = parseParamsText(text, format, file)
  if (!isMapping(data)) {
    throw new TrellisError('PARAMS_INVALID', `Unable to set parameters in '${file}': expected a dictionary`, {
      hint: 'A params file holds a mapping of names to values.',
    })
  }
  return { absPath, format, text, bom, data, mode: info.mode & 0o7777 }
}

function missingMessage(file: string, keys: string[]): string {
  const n = keys.length
  return `${n} parameter${n === 1 ? ' is' : 's are'} missing from '${file}': ${keys.join(', ')}`
}

type Splicer = (text: string, ops: EditOp[], displayPath: string) => string
type Reserializer = (text: string, ops: EditOp[], displayPath: string, expected: Record<string, unknown>) => string

const EDITORS: Record<ParamsFormat, { splice: Splicer; reserialize?: Reserializer }> = {
  yaml: { splice: spliceYaml, reserialize: (text, ops, displayPath) => reserializeYaml(text, ops, displayPath) },
  json: { splice: spliceJson, reserialize: (text, _ops, _displayPath, expected) => reserializeJson(text, expected) },
  toml: { splice: spliceToml, reserialize: (_text, _ops, _displayPath, expected) => reserializeToml(expected) },
  py: { splice: splicePython },
}

function matches(text: string, format: ParamsFormat, file: string, expected: unknown): boolean {
  try {
    return sameValue(parseParamsText(text, format, file), expected)
  } catch {
    return false
  }
}

/**
 * Edit the text of one params file (no I/O): returns the new text and warnings. `ops` come from
 * `opsFor`; `expected` is the data the result must read back as.
 */
function editText(
  text: string,
  format: ParamsFormat,
  file: string,
  ops: EditOp[],
  expected: Record<string, unknown>,
): { after: string; warnings: string[] } {
  if (ops.length === 0) return { after: text, warnings: [] }
  const editor = EDITORS[format]
  let reason: string
  try {
    const after = editor.splice(text, ops, file)
    if (matches(after, format, file, expected)) return { after, warnings: [] }
    reason = 'an in-place edit would have changed other values'
  } catch (error) {
    if (error instanceof TrellisError) throw error
    if (!(error instanceof CannotSplice)) throw error
    reason = error.message
  }
  if (format === 'py') {
    throw new TrellisError('INVALID_ARGUMENT', `-S cannot edit '${file}': ${reason}`, {
      hint: 'Python params files can be edited for module-level constants, class attributes and self.x in __init__ whose old and new values are literals (numbers, strings, booleans, None, flat lists/tuples/dicts); edit the file by hand otherwise.',
    })
  }
  if (editor.reserialize) {
    let after: string | undefined
    try {
      after = editor.reserialize(text, ops, file, expected)
    } catch (error) {
      if (error instanceof TrellisError) throw error
    }
    if (after !== undefined && matches(after, format, file, expected)) {
      return { after, warnings: [`'${file}' was re-formatted to set the parameters (${reason})`] }
    }
  }
  throw new TrellisError('PARAMS_INVALID', `Cannot set parameters in '${file}' without changing other values (${reason})`, {
    hint: `Edit '${file}' by hand.`,
  })
}

/**
 * Edit one params file's text in memory (e.g. a file read from a git revision): validates that
 * every key exists and returns the new text. Throws PARAMS_INVALID on missing keys.
 */
export function editParamsText(text: string, file: string, overrides: Override[]): { after: string; changes: ParamChange[]; warnings: string[] } {
  const format = paramsFormatOf(file)
  const bom = text.startsWith('\ufeff') ? '\ufeff' : ''
  const body = text.slice(bom.length)
  const data = parseParamsText(body, format, file)
  if (!isMapping(data)) {
    throw new TrellisError('PARAMS_INVALID', `Unable to set parameters in '${file}': expected a dictionary`, {
      hint: 'A params file holds a mapping of names to values.',
    })
  }
  const group = groupOverrides('/', overrides.map((o) => ({ ...o, file })))[0]
  const loaded: LoadedFile = {
    group,
    absPath: file,
    format,
    text: body,
    bom,
    data,
    mode: 0o644,
    resolved: group.overrides.map((o) => resolveKeyPath(data, o.path)),
  }
  checkKeys([loaded])
  const plan = planFile(loaded)
  return { after: plan.after, changes: plan.changes, warnings: plan.warnings }
}

function missingError(missing: Array<[string, string[]]>): TrellisError {
  return new TrellisError('PARAMS_INVALID', missing.map(([file, keys]) => missingMessage(file, keys)).join('; '), {
    hint: '-S key=value sets only parameters that exist; add a new one with -S +key=value (or ++key=value: set or add).',
  })
}

/** `key=` and `~key` need the key, `+key` needs it absent; every file is checked before any error. */
function checkKeys(loaded: LoadedFile[]): void {
  const missing: Array<[string, string[]]> = []
  for (const file of loaded) {
    const keys = file.group.overrides.filter((o, i) => file.resolved[i] === undefined && (o.op === 'set' || o.op === 'delete')).map((o) => o.key)
    if (keys.length) missing.push([file.group.file, keys])
  }
  if (missing.length) throw missingError(missing)
  for (const file of loaded) {
    file.group.overrides.forEach((o, i) => {
      if (o.op === 'add' && file.resolved[i] !== undefined) {
        throw new TrellisError('PARAMS_INVALID', `Could not add '+${o.key}': '${o.key}' already exists in '${file.group.file}'`, {
          hint: `Set it with -S ${o.key}=<value>, or use -S ++${o.key}=<value> (set or add).`,
        })
      }
    })
  }
}

/** Where `+key` / `++key` adds a missing key: the deepest existing mapping on its path, and the value nested below it. */
function addOpFor(data: unknown, override: Override, file: string): EditOp {
  const segments = override.path
  let n = segments.length - 1
  while (n > 0 && resolveKeyPath(data, segments.slice(0, n)) === undefined) n--
  const parentPath = n === 0 ? [] : resolveKeyPath(data, segments.slice(0, n))!
  const parent = getAt(data, parentPath).value
  if (!isMapping(parent) || segments.slice(n).some((s) => s.index)) {
    const where = n === 0 ? 'the top level' : `'${canonicalKey(segments.slice(0, n))}'`
    throw new TrellisError('PARAMS_INVALID', `Could not add '${override.key}' to '${file}': ${where} is not a mapping`, {
      hint: 'New keys can be added to mappings only (list items are set by index with -S key[i]=value).',
    })
  }
  let value = override.value
  for (let i = segments.length - 1; i > n; i--) {
    const wrapper: Record<string, unknown> = {}
    setOwn(wrapper, segments[i].name, value)
    value = wrapper
  }
  return { kind: 'add', path: parentPath, key: segments[n].name, value }
}

function planFile(loaded: LoadedFile): FilePlan {
  const { group, format, text, bom, data } = loaded
  const expected = cloneData(data)
  const ops: EditOp[] = []
  const changes: ParamChange[] = []
  group.overrides.forEach((override, i) => {
    // resolve again against the data as edited so far (an earlier override may have replaced a parent)
    const path = resolveKeyPath(expected, override.path)
    const replaced = () =>
      invalidArgument(`Parameter '${override.key}' of '${group.file}' was replaced by another -S override`, 'Set either a key or its parent in one run, not both.')
    let fileOps: EditOp[]
    let at: PathSegment[]
    if (override.op === 'add' || (override.op === 'force' && loaded.resolved[i] === undefined)) {
      if (path) throw replaced()
      const op = addOpFor(expected, override, group.file) as Extract<EditOp, { kind: 'add' }>
      fileOps = [op]
      at = [...op.path, ...override.path.slice(op.path.length).map((s) => s.name)]
    } else {
      if (!path || !sameValue(path, loaded.resolved[i])) throw replaced()
      at = path
      if (override.op === 'delete') {
        const current = getAt(expected, path).value
        if (override.hasValue && !sameValue(current, override.value)) {
          throw new TrellisError('PARAMS_INVALID', `Could not delete '${override.key}' from '${group.file}': its value is ${formatOverrideValue(current)}, not ${formatOverrideValue(override.value)}`, {
            hint: `Delete it whatever its value with -S ~${override.key}.`,
          })
        }
        fileOps = [{ kind: 'delete', path }]
      } else {
        fileOps = opsFor(expected, path, override.value)
      }
    }
    const old = getAt(data, at)
    for (const op of fileOps) applyOpToData(expected, op)
    ops.push(...fileOps)
    changes.push({ key: override.key, path: at, old: old.value, new: undefined, changed: false })
  })
  for (const change of changes) {
    const before = getAt(data, change.path)
    const now = getAt(expected, change.path)
    change.new = now.value
    change.changed = before.found !== now.found || !sameValue(before.value, now.value)
  }
  const { after, warnings } = editText(text, format, group.file, ops, expected)
  return {
    file: group.file,
    absPath: loaded.absPath,
    format,
    changes,
    before: bom + text,
    after: bom + after,
    changed: after !== text,
    mode: loaded.mode,
    warnings,
  }
}

/**
 * Compute what `applyOverrides` would do without writing: for each file the changed keys and
 * the new text. Throws (before anything could be written) on a missing file, a missing key
 * (`2 parameters are missing from 'params.yaml': a.b, c`, all files reported) or a value the
 * file's format cannot hold.
 */
export async function planOverrides(root: string, overrides: Override[], cache?: ParamsFileCache): Promise<OverridePlan> {
  const groups = groupOverrides(root, overrides)
  // Where each file is written, checked before any is read: a symlinked params file is edited
  // at its target when that is inside the work tree, and refused otherwise.
  const guard = new WorkTreeGuard(root)
  const targets = groups.map((group) => guard.check(group.file, { final: 'follow', source: '-S' }))
  guard.assertSafe()
  const loaded: LoadedFile[] = []
  for (const [i, group] of groups.entries()) loaded.push(await loadFile(targets[i]!, group, cache))
  checkKeys(loaded)
  const files = loaded.map(planFile)
  return { files, warnings: files.flatMap((f) => f.warnings) }
}

export interface ApplyOverridesResult {
  /** Every file named by the overrides (POSIX, relative to the root), in first-mention order. */
  files: string[]
  /** The files whose text changed and were written. */
  written: string[]
  changes: Array<ParamChange & { file: string }>
  warnings: string[]
}

/**
 * Apply `-S` overrides to the workspace: validate every file, edit all of them in memory, then
 * write each changed file atomically (keeping its mode).
 */
export async function applyOverrides(root: string, overrides: Override[]): Promise<ApplyOverridesResult> {
  const plan = await planOverrides(root, overrides)
  const written: string[] = []
  for (const file of plan.files) {
    if (!file.changed) continue
    await writeFileAtomic(file.absPath, file.after, file.mode)
    written.push(file.file)
  }
  return {
    files: plan.files.map((f) => f.file),
    written,
    changes: plan.files.flatMap((f) => f.changes.map((c) => ({ ...c, file: f.file }))),
    warnings: plan.warnings,
  }
}
