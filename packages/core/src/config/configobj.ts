/**
 * The INI dialect of Python's `configobj` (with `list_values=True`, its
 * default), which DVC reads `.dvc/config` and `.dvc/config.local` with and
 * writes them back with:
 *
 * - `# comments`, also after a value: `dir = ../cache # shared` is `../cache`;
 *   an unquoted value ends at the first `#`;
 * - values may be quoted (`"a # b"`, `'x'`); a comma makes a list
 *   (`reflink, copy` → `['reflink', 'copy']`, `a,` → `['a']`, `,` → `[]`);
 * - section names as `[core]`, `['remote "origin"']`, `["remote 'x'"]` or
 *   `[remote "origin"]`;
 * - DVC lower-cases every key and section name after reading.
 *
 * {@link writeConfigObj} writes as `ConfigObj(dict).write()` does (DVC
 * rebuilds the file from its dict: comments are not kept), quoting values
 * and section names by configobj's rules.
 */
import { TrellisError } from '../errors.js'

export type ConfigValue = string | string[]
/** Section name (e.g. `core`, `remote "origin"`) → key → value, in file order. */
export type ConfigObjSections = Record<string, Record<string, ConfigValue>>

const SECTION_RE = /^(\s*)((?:\[\s*)+)((?:"\s*\S.*?\s*")|(?:'\s*\S.*?\s*')|(?:[^'"\s].*?))((?:\s*\])+)\s*(#.*)?$/
const KEYWORD_RE = /^(\s*)((?:".*?")|(?:'.*?')|(?:[^'"=].*?))\s*=\s*(.*)$/
const VALUE_RE =
  /^(?:(?:((?:(?:(?:".*?")|(?:'.*?')|(?:[^'",#][^,#]*?))\s*,\s*)*)((?:".*?")|(?:'.*?')|(?:[^'",#\s][^,]*?)|(?:(?<!,)))?)|(,))\s*(#.*)?$/
const LIST_ITEM_RE = /\s*((?:".*?")|(?:'.*?')|(?:[^'",#]?.*?))\s*,\s*/g

function unquote(text: string): string {
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[text.length - 1] === text[0]) return text.slice(1, -1)
  return text
}

function invalid(file: string, line: number, raw: string, why: string): TrellisError {
  return new TrellisError('CONFIG_INVALID', `config file error: '${file}' line ${line}: ${why}: ${raw.trim()}`, {
    hint: `Fix line ${line} of ${file}: sections are [name] or ['remote "name"'], values 'key = value' (quote a value holding '#' or ',').`,
    exitCode: 251,
  })
}

/** A value as configobj parses it (the part after `=`). Undefined when it does not parse. */
export function parseConfigValue(text: string): ConfigValue | undefined {
  if (text.startsWith('"""') || text.startsWith("'''")) return undefined
  const m = VALUE_RE.exec(text)
  if (!m) return undefined
  const [, listPart, singleRaw, emptyList] = m
  if (emptyList !== undefined) return []
  // (JavaScript leaves an optional group that matched nothing undefined; Python gives '')
  let single: string | undefined = singleRaw ?? ''
  if (listPart && !single) single = undefined
  else single = unquote((single || '""').trimEnd())
  if (!listPart) return single ?? ''
  const items = [...listPart.matchAll(LIST_ITEM_RE)].map((x) => unquote(x[1]!))
  if (single !== undefined) items.push(single)
  return items
}

/** Parse a config file's text. Keys and section names are lower-cased, as DVC does. */
export function parseConfigObj(text: string, file: string): ConfigObjSections {
  const sections: ConfigObjSections = {}
  let current: Record<string, ConfigValue> | undefined
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)
  lines.forEach((raw, index) => {
    const line = index + 1
    const stripped = raw.trim()
    if (stripped === '' || stripped.startsWith('#')) return
    const section = SECTION_RE.exec(raw)
    if (section) {
      const open = (section[2]!.match(/\[/g) ?? []).length
      const close = (section[4]!.match(/\]/g) ?? []).length
      if (open !== close) throw invalid(file, line, raw, 'the brackets of this section name do not match')
      if (open !== 1) throw invalid(file, line, raw, 'DVC config sections cannot be nested')
      const name = unquote(section[3]!).toLowerCase()
      if (name in sections) throw invalid(file, line, raw, `duplicate section '${name}'`)
      current = sections[name] = {}
      return
    }
    const kv = KEYWORD_RE.exec(raw)
    if (!kv) throw invalid(file, line, raw, 'not a [section] nor a key = value line')
    if (!current) throw invalid(file, line, raw, 'a value outside of any [section]')
    const key = unquote(kv[2]!.trim()).toLowerCase()
    const value = parseConfigValue(kv[3]!)
    if (value === undefined) throw invalid(file, line, raw, 'cannot parse the value (multi-line and unbalanced quotes are not supported)')
    if (key in current) throw invalid(file, line, raw, `duplicate key '${key}'`)
    current[key] = value
  })
  return sections
}

const WSPACE_PLUS = " \r\n\v\t'\""

function quoteScalar(value: string, file: string): string {
  if (value === '') return '""'
  if (value.includes('\n')) {
    throw new TrellisError('INVALID_ARGUMENT', `a value for '${file}' cannot span lines`, { hint: 'Give a one-line value.' })
  }
  const plain = !WSPACE_PLUS.includes(value[0]!) && !WSPACE_PLUS.includes(value[value.length - 1]!) && !value.includes(',') && !value.includes('#')
  if (plain) return value
  if (value.includes("'") && value.includes('"')) {
    throw new TrellisError('INVALID_ARGUMENT', `the value ${JSON.stringify(value)} for '${file}' holds both kinds of quotes, which configobj cannot write on one line`, {
      hint: 'Use only one kind of quote in the value.',
    })
  }
  return value.includes('"') ? `'${value}'` : `"${value}"`
}

/** configobj's `_quote` for a written value (lists as `a, b`; one item `a,`; none `,`). */
export function quoteConfigValue(value: ConfigValue, file = 'config'): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ','
    if (value.length === 1) return `${quoteScalar(value[0]!, file)},`
    return value.map((v) => quoteScalar(v, file)).join(', ')
  }
  return quoteScalar(value, file)
}

/** The file `ConfigObj(sections).write()` produces: `[name]` headers, values indented by four spaces. Empty sections are left out, as DVC's `compact` does. */
export function writeConfigObj(sections: ConfigObjSections, file = 'config'): string {
  const out: string[] = []
  for (const [name, values] of Object.entries(sections)) {
    const entries = Object.entries(values)
    if (entries.length === 0) continue
    out.push(`[${quoteScalar(name, file)}]`)
    for (const [key, value] of entries) out.push(`    ${quoteScalar(key, file)} = ${quoteConfigValue(value, file)}`)
  }
  return out.length ? `${out.join('\n')}\n` : ''
}

/** `remote "name"` → `name` (DVC's `_parse_named`), else undefined. */
export function remoteSectionName(section: string): string | undefined {
  return /^\s*remote\s*"(.*)"\s*$/.exec(section)?.[1]
}
