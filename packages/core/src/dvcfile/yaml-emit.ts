/**
 * A YAML writer that reproduces, byte for byte, what DVC 2.x writes with ruamel.yaml's
 * round-trip dumper (`YAML()` defaults: block style, indent 2, sequences not indented under
 * their key, best width 80, unicode allowed, YAML 1.2 resolver).
 *
 * It is a port of the parts of ruamel's `Emitter` that a plain-data document exercises:
 * block mappings and sequences, empty `{}` / `[]`, plain / single-quoted / double-quoted
 * scalars (with ruamel's folding of long scalars at column 80), and `? ` complex keys for
 * keys of 128+ characters. The state variables (`column`, `whitespace`, `indention`,
 * `indent`, the indent stack) follow the Python code so that edge cases come out the same.
 *
 * Values: `null`/`undefined` → empty value, booleans → `true`/`false`, integers in decimal,
 * floats (`PyFloat` or non-integral numbers) with Python's `repr` as ruamel's SafeRepresenter
 * writes them (`1.0`, `0.001`, `1e-05`, `.inf`, `.nan`), strings plain when the YAML 1.2
 * resolver would read them back as strings and no indicator forbids it, otherwise quoted.
 * Plain objects and `Map`s are mappings (insertion order), arrays are sequences.
 */
import { PyFloat, pyFloatRepr } from '../util/python-json.js'

type Tag = 'str' | 'int' | 'float' | 'bool' | 'null' | 'other'

interface ScalarRepr {
  text: string
  tag: Tag
}

interface Analysis {
  chars: string[]
  empty: boolean
  multiline: boolean
  allowFlowPlain: boolean
  allowBlockPlain: boolean
  allowSingleQuoted: boolean
  allowDoubleQuoted: boolean
}

// ruamel.yaml VersionedResolver, YAML 1.2 implicit resolvers, keyed by first character.
const RESOLVERS: Array<{ tag: Tag | 'merge' | 'timestamp' | 'value' | 'yaml'; first: string; re: RegExp }> = [
  { tag: 'bool', first: 'tTfF', re: /^(?:true|True|TRUE|false|False|FALSE)$/ },
  {
    tag: 'float',
    first: '-+0123456789.',
    re: /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  },
  { tag: 'int', first: '-+0123456789', re: /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/ },
  { tag: 'merge', first: '<', re: /^(?:<<)$/ },
  { tag: 'null', first: '~nN', re: /^(?:~|null|Null|NULL)$/ },
  {
    tag: 'timestamp',
    first: '0123456789',
    re: /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  },
  { tag: 'value', first: '=', re: /^(?:=)$/ },
  { tag: 'yaml', first: '!&*', re: /^(?:!|&|\*)$/ },
]

/** The tag ruamel's YAML 1.2 resolver gives a plain scalar with this text. */
export function resolvePlainTag(text: string): string {
  if (text === '') return 'null'
  const first = text[0]
  for (const resolver of RESOLVERS) {
    if (resolver.first.includes(first) && resolver.re.test(text)) return resolver.tag
  }
  return 'str'
}

/**
 * Python float as ruamel's SafeRepresenter writes it under YAML 1.2: `repr(x).lower()`
 * (`1.0`, `0.001`, `1e-05`, `1e+16`), `.inf`, `-.inf`, `.nan`. (The `1.0e-05` form is
 * only used for YAML 1.1 output.)
 */
export function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan'
  if (x === Infinity) return '.inf'
  if (x === -Infinity) return '-.inf'
  return pyFloatRepr(x).toLowerCase()
}

function represent(value: unknown): ScalarRepr {
  if (value === null || value === undefined) return { text: '', tag: 'null' }
  if (value === true) return { text: 'true', tag: 'bool' }
  if (value === false) return { text: 'false', tag: 'bool' }
  if (value instanceof PyFloat) return { text: yamlFloat(value.value), tag: 'float' }
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return { text: BigInt(value).toString(), tag: 'int' }
    return { text: yamlFloat(value), tag: 'float' }
  }
  if (typeof value === 'bigint') return { text: value.toString(), tag: 'int' }
  if (typeof value === 'string') return { text: value, tag: 'str' }
  if (value instanceof Date) return { text: value.toISOString(), tag: 'str' }
  return { text: String(value), tag: 'str' }
}

function isCollection(value: unknown): value is unknown[] | Map<unknown, unknown> | Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  if (Array.isArray(value) || value instanceof Map) return true
  if (value instanceof PyFloat || value instanceof Date) return false
  return true
}

function entriesOf(value: Map<unknown, unknown> | Record<string, unknown>): Array<[unknown, unknown]> {
  if (value instanceof Map) return [...value.entries()]
  return Object.entries(value)
}

const BREAKS = '\n\x85\u2028\u2029'
const WS_OR_BREAK = '\0 \t\r\n\x85\u2028\u2029'

function analyzeScalar(scalar: string): Analysis {
  const chars = Array.from(scalar)
  if (chars.length === 0) {
    return {
      chars,
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
      allowDoubleQuoted: true,
    }
  }
  let blockIndicators = false
  let flowIndicators = false
  let lineBreaks = false
  let specialCharacters = false
  let leadingSpace = false
  let leadingBreak = false
  let trailingSpace = false
  let trailingBreak = false
  let breakSpace = false
  let spaceBreak = false

  if (scalar.startsWith('---') || scalar.startsWith('...')) {
    blockIndicators = true
    flowIndicators = true
  }
  let precededByWhitespace = true
  let followedByWhitespace = chars.length === 1 || WS_OR_BREAK.includes(chars[1])
  let previousSpace = false
  let previousBreak = false

  for (let index = 0; index < chars.length; ) {
    const ch = chars[index]
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true
        blockIndicators = true
      }
      if (ch === '?' || ch === ':') {
        if (chars.length === 1) flowIndicators = true
        if (followedByWhitespace) blockIndicators = true
      }
      if (ch === '-' && followedByWhitespace) {
        flowIndicators = true
        blockIndicators = true
      }
    } else {
      if (',[]{}'.includes(ch)) flowIndicators = true
      if (ch === ':' && followedByWhitespace) {
        flowIndicators = true
        blockIndicators = true
      }
      if (ch === '#' && precededByWhitespace) {
        flowIndicators = true
        blockIndicators = true
      }
    }
    if (BREAKS.includes(ch)) lineBreaks = true
    const code = ch.codePointAt(0)!
    if (!(ch === '\n' || (code >= 0x20 && code <= 0x7e))) {
      const unicodeOk =
        (code === 0x85 || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)) &&
        code !== 0xfeff
      // allow_unicode is on in ruamel's YAML(): printable unicode is not special
      if (!unicodeOk) specialCharacters = true
    }
    if (ch === ' ') {
      if (index === 0) leadingSpace = true
      if (index === chars.length - 1) trailingSpace = true
      if (previousBreak) breakSpace = true
      previousSpace = true
      previousBreak = false
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true
      if (index === chars.length - 1) trailingBreak = true
      if (previousSpace) spaceBreak = true
      previousSpace = false
      previousBreak = true
    } else {
      previousSpace = false
      previousBreak = false
    }
    index += 1
    precededByWhitespace = WS_OR_BREAK.includes(ch)
    followedByWhitespace = index + 1 >= chars.length || WS_OR_BREAK.includes(chars[index + 1])
  }

  let allowFlowPlain = true
  let allowBlockPlain = true
  let allowSingleQuoted = true
  const allowDoubleQuoted = true
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    allowFlowPlain = allowBlockPlain = false
  }
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false
  if (specialCharacters) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false
  else if (spaceBreak) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false
  if (flowIndicators) allowFlowPlain = false
  if (blockIndicators) allowBlockPlain = false
  return {
    chars,
    empty: false,
    multiline: lineBreaks,
    allowFlowPlain,
    allowBlockPlain,
    allowSingleQuoted,
    allowDoubleQuoted,
  }
}

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
}

interface NodeContext {
  root?: boolean
  sequence?: boolean
  mapping?: boolean
  simpleKey?: boolean
}

const MAX_SIMPLE_KEY_LENGTH = 128

class Emitter {
  private out: string[] = []
  private column = 0
  private whitespace = true
  private indention = true
  private indent: number | null = null
  private indents: Array<[number | null, boolean]> = []
  private noNewline = false
  private openEnded = false
  private flowLevel = 0
  private rootContext = false
  private sequenceContext = false
  private mappingContext = false
  private simpleKeyContext = false
  private readonly bestIndent = 2

  constructor(private readonly bestWidth: number) {}

  dump(value: unknown): string {
    // ruamel's RoundTripRepresenter writes a top-level None as `null`
    this.expectNode(value === null || value === undefined ? nullRoot : value, { root: true })
    this.writeIndent()
    if (this.openEnded) {
      this.writeIndicator('...', true)
      this.writeIndent()
    }
    return this.out.join('')
  }

  private expectNode(value: unknown, ctx: NodeContext): void {
    this.rootContext = ctx.root ?? false
    this.sequenceContext = ctx.sequence ?? false
    this.mappingContext = ctx.mapping ?? false
    this.simpleKeyContext = ctx.simpleKey ?? false
    if (!isCollection(value)) {
      this.expectScalar(value)
    } else if (Array.isArray(value)) {
      if (this.flowLevel || value.length === 0) this.expectEmptyFlow('[', ']')
      else this.expectBlockSequence(value)
    } else {
      const entries = entriesOf(value)
      if (this.flowLevel || entries.length === 0) this.expectEmptyFlow('{', '}')
      else this.expectBlockMapping(entries)
    }
  }

  private increaseIndent(flow: boolean, sequence: boolean, indentless = false): void {
    this.indents.push([this.indent, sequence])
    if (this.indent === null) {
      this.indent = flow ? null : 0
    } else if (!indentless) {
      this.indent += this.bestIndent
    }
  }

  private popIndent(): void {
    this.indent = this.indents.pop()![0]
  }

  private expectScalar(value: unknown): void {
    this.increaseIndent(true, false)
    this.processScalar(value === nullRoot ? { text: 'null', tag: 'null' } : represent(value))
    this.popIndent()
  }

  private expectEmptyFlow(open: string, close: string): void {
    let ind = 0
    const n = this.indents.length
    if (!(n < 2 || !this.indents[n - 1][1])) {
      const base = this.indents[n - 1][0] ?? 0
      ind = base + this.bestIndent - this.column - 1
    }
    this.writeIndicator(' '.repeat(Math.max(0, ind)) + open, true, true)
    this.flowLevel += 1
    this.increaseIndent(true, open === '[')
    this.popIndent()
    this.flowLevel -= 1
    this.writeIndicator(close, false)
    if (this.flowLevel === 0) this.writeLineBreak()
  }

  private expectBlockSequence(items: unknown[]): void {
    const indentless = this.mappingContext ? !this.indention : false
    this.increaseIndent(false, true, indentless)
    for (const item of items) {
      const nonl = this.column === 0 ? this.noNewline : false
      this.writeIndent()
      this.writeIndicator('-', true, false, true)
      if (nonl) this.noNewline = true
      this.expectNode(item, { sequence: true })
    }
    this.popIndent()
    this.noNewline = false
  }

  private expectBlockMapping(entries: Array<[unknown, unknown]>): void {
    this.increaseIndent(false, false)
    for (const [key, value] of entries) {
      this.writeIndent()
      const keyRepr = represent(key)
      if (!isCollection(key) && this.checkSimpleKey(keyRepr)) {
        this.expectNode(key, { mapping: true, simpleKey: true })
        this.writeIndicator(':', false)
        this.expectNode(value, { mapping: true })
      } else {
        this.writeIndicator('?', true, false, true)
        this.expectNode(key, { mapping: true })
        this.writeIndent()
        this.writeIndicator(':', true, false, true)
        this.expectNode(value, { mapping: true })
      }
    }
    this.popIndent()
  }

  private checkSimpleKey(key: ScalarRepr): boolean {
    const analysis = analyzeScalar(key.text)
    return analysis.chars.length < MAX_SIMPLE_KEY_LENGTH && !analysis.multiline
  }

  private chooseStyle(repr: ScalarRepr, analysis: Analysis): '' | "'" | '"' {
    const implicitPlain = resolvePlainTag(repr.text) === repr.tag
    if (implicitPlain) {
      if (
        !(this.simpleKeyContext && (analysis.empty || analysis.multiline)) &&
        ((this.flowLevel && analysis.allowFlowPlain) || (!this.flowLevel && analysis.allowBlockPlain))
      ) {
        return ''
      }
    }
    if (analysis.allowDoubleQuoted && (repr.text.includes("'") || repr.text.includes('\n'))) return '"'
    if (analysis.allowSingleQuoted && !(this.simpleKeyContext && analysis.multiline)) return "'"
    return '"'
  }

  private processScalar(repr: ScalarRepr): void {
    const analysis = analyzeScalar(repr.text)
    const style = this.chooseStyle(repr, analysis)
    const split = !this.simpleKeyContext
    if (this.sequenceContext && !this.flowLevel) this.writeIndent()
    if (style === '"') this.writeDoubleQuoted(analysis.chars, split)
    else if (style === "'") this.writeSingleQuoted(analysis.chars, split)
    else this.writePlain(analysis.chars, split)
  }

  // --- writers (ports of ruamel.yaml.emitter.Emitter.write_*) ---

  private write(data: string, length = Array.from(data).length): void {
    this.column += length
    this.out.push(data)
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator
    this.whitespace = whitespace
    this.indention = this.indention && indention
    this.openEnded = false
    this.write(data)
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      if (this.noNewline) this.noNewline = false
      else this.writeLineBreak()
    }
    if (this.column < indent) {
      this.whitespace = true
      this.out.push(' '.repeat(indent - this.column))
      this.column = indent
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true
    this.indention = true
    this.column = 0
    this.out.push(data)
  }

  private writeRootPrefix(): void {
    // requested_indent is None for DVC's YAML(): nothing is written before a root scalar
  }

  private writePlain(text: string[], split: boolean): void {
    if (this.rootContext) {
      this.writeRootPrefix()
      this.openEnded = true
    }
    if (text.length === 0) return
    if (!this.whitespace) this.write(' ', 1)
    this.whitespace = false
    this.indention = false
    let spaces = false
    let breaks = false
    let start = 0
    let end = 0
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent()
            this.whitespace = false
            this.indention = false
          } else {
            this.write(text.slice(start, end).join(''), end - start)
          }
          start = end
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak()
          for (const br of text.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br)
          this.writeIndent()
          this.whitespace = false
          this.indention = false
          start = end
        }
      } else if (ch === null || (' ' + BREAKS).includes(ch)) {
        this.write(text.slice(start, end).join(''), end - start)
        start = end
      }
      if (ch !== null) {
        spaces = ch === ' '
        breaks = BREAKS.includes(ch)
      }
      end += 1
    }
  }

  private writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true)
    let spaces = false
    let breaks = false
    let start = 0
    let end = 0
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== text.length) {
            this.writeIndent()
          } else {
            this.write(text.slice(start, end).join(''), end - start)
          }
          start = end
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak()
          for (const br of text.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br)
          this.writeIndent()
          start = end
        }
      } else if (ch === null || (' ' + BREAKS).includes(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start)
          start = end
        }
      }
      if (ch === "'") {
        this.write("''", 2)
        start = end + 1
      }
      if (ch !== null) {
        spaces = ch === ' '
        breaks = BREAKS.includes(ch)
      }
      end += 1
    }
    this.writeIndicator("'", false)
  }

  private writeDoubleQuoted(text: string[], split: boolean): void {
    this.writeIndicator('"', true)
    let start = 0
    let end = 0
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null
      const code = ch === null ? 0 : ch.codePointAt(0)!
      if (
        ch === null ||
        '"\\\x85\u2028\u2029\uFEFF'.includes(ch) ||
        !((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd))
      ) {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start)
          start = end
        }
        if (ch !== null) {
          let data: string
          if (ch in ESCAPE_REPLACEMENTS) data = '\\' + ESCAPE_REPLACEMENTS[ch]
          else if (code <= 0xff) data = '\\x' + code.toString(16).toUpperCase().padStart(2, '0')
          else if (code <= 0xffff) data = '\\u' + code.toString(16).toUpperCase().padStart(4, '0')
          else data = '\\U' + code.toString(16).toUpperCase().padStart(8, '0')
          this.write(data)
          start = end + 1
        }
      }
      if (
        end > 0 &&
        end < text.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.column + (end - start) > this.bestWidth &&
        split
      ) {
        const data = text.slice(start, end).join('') + '\\'
        const len = end - start + 1
        if (start < end) start = end
        this.write(data, len)
        this.writeIndent()
        this.whitespace = false
        this.indention = false
        if (text[start] === ' ') this.write('\\', 1)
      }
      end += 1
    }
    this.writeIndicator('"', false)
  }
}

const nullRoot = Symbol('null-root')

export interface DumpYamlOptions {
  /** ruamel's `best_width` (default 80). */
  width?: number
}

/** Serialise plain data as DVC (ruamel.yaml round-trip dumper) writes it. */
export function dumpYaml(value: unknown, options: DumpYamlOptions = {}): string {
  return new Emitter(options.width ?? 80).dump(value)
}
