/**
 * YAML 1.2 loading as DVC does it (ruamel "safe"): duplicate keys rejected,
 * `yes`/`no` stay strings, floats keep their float-ness (`1.0` → PyFloat).
 * Errors name the file and the line.
 */
import { isScalar, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml'
import { TrellisError } from '../errors.js'
import { PyFloat } from './python-json.js'

type TagList = Array<{ tag?: string; resolve?: (...args: any[]) => unknown }>

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
  /** The document as plain data (PyFloat for integral floats). */
  data: unknown
  /** 1-based line of a node, when known. */
  lineOf(node: Node | null | undefined): number | undefined
}

export interface ParseYamlOptions {
  /** Python's json module accepts duplicate keys (last wins); YAML does not. */
  uniqueKeys?: boolean
  /** Keep the CST tokens on the nodes (`node.srcToken`), for in-place editing. */
  keepSourceTokens?: boolean
}

/** Parse YAML text; throws `YAML_INVALID` naming `file` and the line on any syntax error. */
export function loadYaml(text: string, file: string, options: ParseYamlOptions = {}): LoadedYaml {
  const lines = new LineCounter()
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    uniqueKeys: options.uniqueKeys ?? true,
    keepSourceTokens: options.keepSourceTokens ?? false,
    lineCounter: lines,
    prettyErrors: false,
    customTags: keepFloats as never,
  })
  const error = doc.errors[0]
  if (error) {
    const line = lines.linePos(error.pos[0]).line
    const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    const conflict = /^(<<<<<<<|=======|>>>>>>>)/m.test(text) ? ' (possible merge conflicts)' : ''
    throw new TrellisError('YAML_INVALID', `'${file}' is invalid${conflict}: ${reason}, line ${line}`, {
      hint: `Fix the YAML syntax in ${file} at line ${line}.`,
    })
  }
  const data = doc.toJS({ maxAliasCount: 1000 })
  return {
    doc,
    lines,
    data: data ?? {},
    lineOf(node) {
      const start = node?.range?.[0]
      return start === undefined ? undefined : lines.linePos(start).line
    },
  }
}

/** Plain data of a YAML text (no positions). */
export function parseYaml(text: string, file: string, options?: ParseYamlOptions): unknown {
  return loadYaml(text, file, options).data
}

export { Scalar }
