/**
 * YAML 1.2 loading as DVC does it (ruamel "safe"): duplicate keys rejected,
 * `yes`/`no` stay strings, floats keep their float-ness (`1.0` → PyFloat).
 * Errors name the file and the line.
 *
 * The `yaml` package's own duplicate-key check (`uniqueKeys`) compares every key with every
 * other key of its map, and its alias resolution scans the document once per alias: both are
 * quadratic. So the document is parsed without them and converted to plain data by one walk
 * (`toData`) that checks keys with a set, resolves aliases through a map of the anchors seen so
 * far, refuses recursive or unknown aliases and caps what aliases expand to (billion laughs).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml'
import { TrellisError } from '../errors.js'
import { PyFloat } from './python-json.js'

type TagList = Array<{ tag?: string; resolve?: (...args: any[]) => unknown }>

/** Nodes that aliases may add to a document, in total (each alias counts its anchor's whole subtree). */
export const MAX_ALIAS_EXPANSION = 1_000_000

function keepFloats(tags: TagList): TagList {
  return tags.map((tag) => {
    if (tag.tag !== 'tag:yaml.org,2002:float' || !tag.resolve) return tag
    const resolve = tag.resolve
    return {
      ...tag,
      resolve: (...args: unknown[]) => {
        const result = resolve(...args)
        const value = isScalar(result) ? result.value : result
        return typeof value === 'number' && Number.isInteger(value) ? new PyFloat(value) : value
      },
    }
  })
}

export interface LoadedYaml {
  doc: Document.Parsed
  lines: LineCounter
  /** The document as plain data (PyFloat for integral floats); `{}` for an empty document. */
  data: unknown
  /** The document's value as written (`null` for an empty document or a bare `null`). */
  value: unknown
  /** 1-based line of a node, when known. */
  lineOf(node: Node | null | undefined): number | undefined
}

export interface ParseYamlOptions {
  /** Keep the CST tokens on the nodes (`node.srcToken`), for in-place editing. */
  keepSourceTokens?: boolean
}

/** Parse YAML text; throws `YAML_INVALID` naming `file` and the line on any syntax error. */
export function loadYaml(text: string, file: string, options: ParseYamlOptions = {}): LoadedYaml {
  const lines = new LineCounter()
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    uniqueKeys: false,
    keepSourceTokens: options.keepSourceTokens ?? false,
    lineCounter: lines,
    prettyErrors: false,
    customTags: keepFloats as never,
  })
  const lineOf = (node: Node | null | undefined): number | undefined => {
    const start = node?.range?.[0]
    return start === undefined ? undefined : lines.linePos(start).line
  }
  const invalid = (reason: string, line: number | undefined, hint?: string): TrellisError => {
    const at = line === undefined ? '' : `, line ${line}`
    return new TrellisError('YAML_INVALID', `'${file}' is invalid: ${reason}${at}`, {
      hint: hint ?? `Fix the YAML in ${file}${line === undefined ? '' : ` at line ${line}`}.`,
    })
  }
  const error = doc.errors[0]
  if (error) {
    const line = lines.linePos(error.pos[0]).line
    const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    const conflict = /^(<<<<<<<|=======|>>>>>>>)/m.test(text) ? ' (possible merge conflicts)' : ''
    throw new TrellisError('YAML_INVALID', `'${file}' is invalid${conflict}: ${reason}, line ${line}`, {
      hint: `Fix the YAML syntax in ${file} at line ${line}.`,
    })
  }
  const value = toData(doc.contents as Node | null, lineOf, invalid)
  return { doc, lines, data: value ?? {}, value, lineOf }
}

type Invalid = (reason: string, line: number | undefined, hint?: string) => TrellisError

/**
 * Plain data of a parsed document in one pass: maps become objects (keys as `yaml`'s `toJS`
 * spells them), an alias shares its anchor's value. Linear in the size of the document.
 */
function toData(root: Node | null, lineOf: (node: Node) => number | undefined, invalid: Invalid): unknown {
  const anchors = new Map<string, Node>() // anchor name → the last node carrying it so far
  const values = new Map<Node, unknown>() // anchored node → its data, once complete
  const sizes = new Map<Node, number>() // anchored node → nodes in its expansion
  const open = new Set<Node>() // anchored nodes being converted (an alias to one is recursive)
  let expanded = 0

  const convert = (node: Node | null): { value: unknown; size: number } => {
    if (node === null || node === undefined) return { value: null, size: 1 }
    if (isAlias(node)) {
      const target = anchors.get(node.source)
      if (!target) throw invalid(`alias '*${node.source}' has no anchor '&${node.source}' before it`, lineOf(node), 'Define the anchor before using the alias, or quote the value if it is text.')
      if (open.has(target)) throw invalid(`alias '*${node.source}' refers to its own anchor (a recursive structure)`, lineOf(node), 'Aliases must not refer to a node that contains them.')
      const size = sizes.get(target)!
      expanded += size
      if (expanded > MAX_ALIAS_EXPANSION) {
        throw invalid(`aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes (at '*${node.source}')`, lineOf(node), 'Write the values out instead of nesting aliases; this limit protects against "billion laughs" documents.')
      }
      return { value: values.get(target), size }
    }
    const anchor = (node as { anchor?: string }).anchor
    if (anchor) {
      anchors.set(anchor, node)
      open.add(node)
    }
    let result: { value: unknown; size: number }
    if (isMap(node)) {
      const out: Record<string, unknown> = {}
      const seen = new Set<unknown>()
      let size = 1
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null
        if (isScalar(keyNode)) {
          if (seen.has(keyNode.value)) throw invalid('Map keys must be unique', lineOf(keyNode))
          seen.add(keyNode.value)
        }
        const key = convert(keyNode)
        const value = convert(pair.value as Node | null)
        size += key.size + value.size
        const name = stringKey(key.value)
        if (name === '__proto__') Object.defineProperty(out, name, { value: value.value, enumerable: true, writable: true, configurable: true })
        else out[name] = value.value
      }
      result = { value: out, size }
    } else if (isSeq(node)) {
      const out: unknown[] = new Array(node.items.length)
      let size = 1
      for (let i = 0; i < node.items.length; i++) {
        const item = convert(node.items[i] as Node | null)
        out[i] = item.value
        size += item.size
      }
      result = { value: out, size }
    } else {
      const value = (node as Scalar).value
      result = { value: typeof value === 'bigint' ? Number(value) : value, size: 1 }
    }
    if (anchor) {
      open.delete(node)
      values.set(node, result.value)
      sizes.set(node, result.size)
    }
    return result
  }
  return convert(root).value
}

/** A map key as a JS object key, as `yaml`'s `toJS` spells it (null → '', collections as JSON). */
function stringKey(key: unknown): string {
  if (key === null || key === undefined) return ''
  if (typeof key !== 'object' || key instanceof PyFloat) return String(key)
  return JSON.stringify(key)
}

/** Plain data of a YAML text (no positions). */
export function parseYaml(text: string, file: string, options?: ParseYamlOptions): unknown {
  return loadYaml(text, file, options).data
}

export { Scalar }
