/**
 * The interpolation context of a dvc.yaml (`dvc/parsing/context.py`): a tree of values that
 * remember where they came from, built from `params.yaml` next to dvc.yaml, then the
 * `vars` entries (files, `file:key1,key2` partial loads, inline maps) deep-merged with DVC's
 * errors on redefinition and on mixing whole/partial loads of one file.
 */
import { readFileSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'
import { TrellisError } from '../errors.js'
import { parseParamsText, paramsFormatOf } from '../params/params-file.js'
import { isPlainMap, pyTypeName } from './interpolate.js'

/** Base of the errors the resolver reports as `failed to parse ... : <message>`. */
export class ContextError extends Error {
  /** DVC puts a newline instead of a space after the preamble for these. */
  readonly multiline: boolean = false
  constructor(message: string) {
    super(message)
    this.name = 'ContextError'
  }
}

export class KeyNotInContext extends ContextError {
  constructor(readonly key: string) {
    super(`Could not find '${key}'`)
    this.name = 'KeyNotInContext'
  }
}

export class MergeError extends ContextError {
  override readonly multiline = true
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message)
    this.name = 'MergeError'
  }
}

export class VarsAlreadyLoaded extends ContextError {
  override readonly multiline = true
  constructor(message: string) {
    super(message)
    this.name = 'VarsAlreadyLoaded'
  }
}

export class ReservedKeyError extends ContextError {
  constructor(
    readonly keys: string[],
    readonly path?: string,
  ) {
    super(`attempted to modify reserved key${keys.length > 1 ? 's' : ''} ${humanJoin(keys)}${path ? ` in '${path}'` : ''}`)
    this.name = 'ReservedKeyError'
  }
}

export class ParamsLoadError extends ContextError {
  constructor(message: string) {
    super(message)
    this.name = 'ParamsLoadError'
  }
}

function humanJoin(words: string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

export interface Meta {
  /** File path (repo-relative) or `vars[0]` / `stage.vars[0]` for inline values; null for item/key. */
  source: string | null
  dpaths: string[]
  /** Inline values are local: they are not recorded as tracked vars. */
  local: boolean
}

function metaPath(meta: Meta): string {
  return meta.dpaths.join('.')
}

export type CtxNode = CtxValue | CtxDict | CtxList

export class CtxValue {
  constructor(
    readonly value: unknown,
    readonly meta: Meta,
  ) {}
}

export class CtxList {
  readonly items: CtxNode[]
  constructor(
    values: unknown[],
    readonly meta: Meta,
  ) {
    this.items = values.map((v, i) => toNode(v, { ...meta, dpaths: [...meta.dpaths, String(i)] }))
  }
}

export class CtxDict {
  readonly data = new Map<string, CtxNode>()
  constructor(
    mapping: Record<string, unknown> | undefined,
    readonly meta: Meta,
  ) {
    if (mapping) {
      for (const [key, value] of Object.entries(mapping)) {
        this.data.set(key, toNode(value, { ...meta, dpaths: [...meta.dpaths, key] }))
      }
    }
  }
}

export function toNode(value: unknown, meta: Meta): CtxNode {
  if (value instanceof CtxValue || value instanceof CtxDict || value instanceof CtxList) return value
  if (Array.isArray(value)) return new CtxList(value, meta)
  if (isPlainMap(value)) return new CtxDict(value, meta)
  return new CtxValue(value, meta)
}

/** Plain data of a node. */
export function nodeValue(node: CtxNode): unknown {
  if (node instanceof CtxValue) return node.value
  if (node instanceof CtxList) return node.items.map(nodeValue)
  const out: Record<string, unknown> = {}
  for (const [key, child] of node.data) {
    Object.defineProperty(out, key, { value: nodeValue(child), enumerable: true, writable: true, configurable: true })
  }
  return out
}

function cloneNode(node: CtxNode): CtxNode {
  if (node instanceof CtxValue) return node
  if (node instanceof CtxList) {
    const copy = Object.create(CtxList.prototype) as CtxList
    Object.assign(copy, { meta: node.meta, items: node.items.map(cloneNode) })
    return copy
  }
  const copy = new CtxDict(undefined, node.meta)
  for (const [key, child] of node.data) copy.data.set(key, cloneNode(child))
  return copy
}

function merge(into: CtxDict, update: CtxDict, overwrite: boolean): void {
  for (const [key, value] of update.data) {
    const existing = into.data.get(key)
    if (existing instanceof CtxDict && value instanceof CtxDict) {
      merge(existing, value, overwrite)
      continue
    }
    if (existing !== undefined && !overwrite) {
      throw new MergeError(
        `cannot redefine '${metaPath(value.meta)}' from '${value.meta.source}' as it already exists in '${existing.meta.source}'`,
        key,
      )
    }
    into.data.set(key, value)
  }
}

/**
 * Reads a vars file; `path` is repo-relative (posix), `root` absolute. `isFile` says
 * whether the default params file exists (default: a stat on disk), so a reader can serve
 * files from somewhere else, e.g. a git tree.
 */
export interface VarsFileReader {
  (root: string, path: string): unknown
  isFile?: (root: string, path: string) => boolean
}

const defaultReader: VarsFileReader = (root, path) => {
  const abs = join(root, path)
  let info
  try {
    info = statSync(abs)
  } catch {
    throw new ParamsLoadError(`'${path}' does not exist`)
  }
  if (info.isDirectory()) throw new ParamsLoadError(`'${path}' is a directory`)
  return parseVarsFile(readFileSync(abs), path)
}

/** A vars file's content, parsed by its extension; errors are ParamsLoadErrors. */
export function parseVarsFile(bytes: Uint8Array, path: string): unknown {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ParamsLoadError(`unable to read: '${path}', is not valid utf-8`)
  }
  try {
    return parseParamsText(text, paramsFormatOf(path), path)
  } catch (error) {
    if (error instanceof TrellisError) throw new ParamsLoadError(error.message)
    throw error
  }
}

/** The top-level context (`Context` in DVC). */
export class Context {
  root: CtxDict
  /** Loaded files: path → the keys loaded partially, or null when loaded whole. */
  imports = new Map<string, string[] | null>()
  reserved = new Set<string>()
  /** While resolving a stage: source file → dotted key → value. */
  tracked: Map<string, Map<string, unknown>> | null = null

  constructor(
    readonly repoRoot: string,
    data?: Record<string, unknown>,
    meta: Meta = { source: null, dpaths: [], local: true },
    private readonly reader: VarsFileReader = defaultReader,
  ) {
    this.root = new CtxDict(data, meta)
  }

  clone(): Context {
    const copy = new Context(this.repoRoot, undefined, this.root.meta, this.reader)
    copy.root = cloneNode(this.root) as CtxDict
    copy.imports = new Map([...this.imports].map(([k, v]) => [k, v === null ? null : [...v]]))
    copy.reserved = new Set(this.reserved)
    return copy
  }

  /**
   * A copy that shares nested nodes: enough when only top-level keys are set afterwards
   * (foreach `item`/`key`); merging `vars` needs `clone()` (merges mutate nested maps).
   */
  shallowClone(): Context {
    const copy = new Context(this.repoRoot, undefined, this.root.meta, this.reader)
    for (const [key, node] of this.root.data) copy.root.data.set(key, node)
    copy.imports = new Map([...this.imports].map(([k, v]) => [k, v === null ? null : [...v]]))
    copy.reserved = new Set(this.reserved)
    return copy
  }

  has(key: string): boolean {
    return this.root.data.has(key)
  }

  /** `select(key, unwrap=True)`: the plain value at a dotted key; throws KeyNotInContext. */
  select(key: string): unknown {
    const node = this.selectNode(key)
    this.track(node)
    return nodeValue(node)
  }

  selectNode(key: string): CtxNode {
    let node: CtxNode = this.root
    let rest: string | undefined = key
    while (rest !== undefined) {
      const dot = rest.indexOf('.')
      const segment = (dot < 0 ? rest : rest.slice(0, dot)).trim()
      rest = dot < 0 ? undefined : rest.slice(dot + 1)
      let next: CtxNode | undefined
      if (node instanceof CtxDict) {
        next = node.data.get(segment)
      } else if (node instanceof CtxList) {
        if (/^[-+]?\d+(?:_\d+)*$/.test(segment)) {
          let index = Number(segment.replace(/_/g, ''))
          if (index < 0) index += node.items.length
          next = index >= 0 ? node.items[index] : undefined
        }
      }
      if (next === undefined) throw new KeyNotInContext(key)
      node = next
    }
    return node
  }

  private track(node: CtxNode): void {
    if (!this.tracked || node.meta.local || !node.meta.source) return
    let file = this.tracked.get(node.meta.source)
    if (!file) this.tracked.set(node.meta.source, (file = new Map()))
    const add = (n: CtxNode) => {
      if (n instanceof CtxDict) for (const child of n.data.values()) add(child)
      else file!.set(metaPath(n.meta), nodeValue(n))
    }
    add(node)
  }

  /** Set a top-level value (foreach `item`/`key`), optionally reserving the key. */
  set(key: string, value: unknown, reserve = false): void {
    this.root.data.set(key, toNode(value, { source: null, dpaths: [key], local: true }))
    if (reserve) this.reserved.add(key)
  }

  mergeUpdate(other: CtxDict, overwrite = false): void {
    const clashes = [...this.reserved].filter((key) => other.data.has(key))
    if (clashes.length) throw new ReservedKeyError(clashes)
    merge(this.root, other, overwrite)
  }

  /** `Context.load_from`: a file (or some of its top-level keys) as a context tree. */
  loadFrom(path: string, selectKeys: string[] | null): CtxDict {
    let data = this.reader(this.repoRoot, path)
    if (!isPlainMap(data)) {
      throw new ParamsLoadError(`expected a dictionary, got '${pyTypeName(data)}' in file '${path}'`)
    }
    if (selectKeys && selectKeys.length) {
      const selected: Record<string, unknown> = {}
      for (const key of selectKeys) {
        if (!Object.prototype.hasOwnProperty.call(data, key)) throw new ParamsLoadError(`could not find '${key}' in '${path}'`)
        selected[key] = data[key]
      }
      data = selected
    }
    return new CtxDict(data as Record<string, unknown>, { source: path, dpaths: [], local: false })
  }

  private checkLoaded(path: string, item: string, keys: string[] | null): void {
    const imported = this.imports.get(path)
    const hasKeys = keys !== null && keys.length > 0
    if (!hasKeys && Array.isArray(imported)) {
      throw new VarsAlreadyLoaded(`cannot load '${item}' as it's partially loaded already`)
    } else if (hasKeys && imported === null) {
      throw new VarsAlreadyLoaded(`cannot partially load '${item}' as it's already loaded.`)
    } else if (Array.isArray(imported) && keys && keys.some((k) => imported.includes(k))) {
      throw new VarsAlreadyLoaded(`cannot load '${item}' as it's partially loaded already`)
    }
  }

  /** `merge_from`: a `vars` string entry (`path` or `path:k1,k2`) relative to `wdir` (repo-relative). */
  mergeFrom(item: string, wdir: string): void {
    const colon = item.indexOf(':')
    const file = colon < 0 ? item : item.slice(0, colon)
    const keysText = colon < 0 ? '' : item.slice(colon + 1)
    const path = posix.normalize(posix.join(wdir || '.', file))
    const selectKeys = keysText ? keysText.split(',').filter(Boolean) : null
    const partial = selectKeys !== null && selectKeys.length > 0
    if (this.imports.has(path)) {
      if (!partial && this.imports.get(path) === null) return // the same file wholly, again: allowed
      this.checkLoaded(path, item, selectKeys)
    }
    const ctx = this.loadFrom(path, partial ? selectKeys : null)
    try {
      this.mergeUpdate(ctx)
    } catch (error) {
      if (error instanceof ReservedKeyError) throw new ReservedKeyError(error.keys, item)
      throw error
    }
    const loaded = partial ? [...selectKeys] : null
    if (!this.imports.has(path)) this.imports.set(path, loaded)
    else if (loaded) this.imports.get(path)!.push(...loaded)
  }

  /**
   * `load_from_vars`: the default params file (if it exists, whole), then each `vars` entry.
   * `wdir` is repo-relative ('' = root); inline maps get the source `vars[i]` / `<stage>.vars[i]`.
   */
  loadFromVars(vars: unknown[], wdir: string, stageName?: string, defaultFile?: string): void {
    if (defaultFile) {
      const path = posix.normalize(posix.join(wdir || '.', defaultFile))
      let exists = false
      if (this.reader.isFile) exists = this.reader.isFile(this.repoRoot, path)
      else {
        try {
          exists = statSync(join(this.repoRoot, path)).isFile()
        } catch {
          exists = false
        }
      }
      if (exists) this.mergeFrom(defaultFile, wdir)
    }
    vars.forEach((item, index) => {
      if (typeof item === 'string') {
        this.mergeFrom(item, wdir)
      } else {
        const source = `${stageName ? `${stageName}.` : ''}vars[${index}]`
        this.mergeUpdate(new CtxDict(item as Record<string, unknown>, { source, dpaths: [], local: true }))
      }
    })
  }
}
