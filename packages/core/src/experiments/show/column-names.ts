/**
 * The metric and param columns of `exp show`: collected from the data in first-seen
 * order (file → keys), restricted to stage dependencies (`--param-deps`), and
 * filtered with DVC's `--include-*`/`--exclude-*` fnmatch rules.
 */
import { TrellisError } from '../../errors.js'
import { flatten, isMapping } from '../../metrics/flatten.js'
import type { ExpFileEntry, ExpShowData } from './show-data.js'

/** file → keys (ordered, unique). */
export type Names = Map<string, string[]>

export function collectNames(data: ExpShowData): { metricNames: Names; paramNames: Names } {
  const metricNames: Names = new Map()
  const paramNames: Names = new Map()
  const update = (names: Names, files: Record<string, ExpFileEntry> | undefined): void => {
    for (const [path, file] of Object.entries(files ?? {})) {
      const content = file?.error !== undefined || file?.data === undefined ? {} : file.data
      if (!isMapping(content)) continue
      const keys = names.get(path) ?? []
      names.set(path, keys)
      for (const key of Object.keys(flatten(content))) if (!keys.includes(key)) keys.push(key)
    }
  }
  for (const group of Object.values(data)) {
    for (const entry of Object.values(group)) {
      update(metricNames, entry.data?.metrics)
      update(paramNames, entry.data?.params)
    }
  }
  return { metricNames, paramNames }
}

export function restrictToDeps(names: Names, deps: Record<string, readonly string[]>): Names {
  const out: Names = new Map()
  for (const [path, keys] of names) {
    const wanted = deps[path]
    if (!wanted) continue
    out.set(
      path,
      wanted.length === 0 ? keys : keys.filter((key) => wanted.some((dep) => key === dep || key.startsWith(`${dep}.`))),
    )
  }
  return out
}

/** `_parse_filter_list`: `file:a,b` → `file:a`, `file:b`; `a,b` → `a`, `b`. */
export function parseFilterList(values: readonly string[] | undefined): string[] {
  const out: string[] = []
  for (const value of values ?? []) {
    const { head, tail } = rpartition(value, ':')
    if (head) out.push(...tail.split(',').map((item) => `${head}:${item}`))
    else out.push(...tail.split(','))
  }
  return out
}

/** Python `str.rpartition`, without the separator. */
export function rpartition(text: string, sep: string): { head: string; tail: string } {
  const i = text.lastIndexOf(sep)
  return i < 0 ? { head: '', tail: text } : { head: text.slice(0, i), tail: text.slice(i + sep.length) }
}

export function filterNames(names: Names, label: 'metrics' | 'params', include: string[], exclude: string[]): Names {
  if (include.length > 0 && exclude.length > 0) {
    const both = [...new Set(include)].filter((value) => exclude.includes(value))
    if (both.length > 0) {
      throw new TrellisError(
        'INVALID_ARGUMENT',
        `'${both.join(', ')}' specified in both --include-${label} and --exclude-${label}`,
      )
    }
  }
  let result: Names = names
  if (include.length > 0) result = matchFilters(names, label, include)
  if (exclude.length > 0) {
    const remove = matchFilters(names, label, exclude)
    const out: Names = new Map()
    for (const [path, keys] of result) {
      const gone = remove.get(path) ?? []
      out.set(path, keys.filter((key) => !gone.includes(key)))
    }
    result = out
  }
  return result
}

/** DVC's `_filter_name`: every pattern must match in every file it applies to. */
function matchFilters(names: Names, label: string, filters: string[]): Names {
  const byPath = new Map<string, string[]>()
  for (const filter of filters) {
    const { head, tail } = rpartition(filter, ':')
    byPath.set(head, [...(byPath.get(head) ?? []), tail])
  }
  const out: Names = new Map()
  for (const [path, patterns] of byPath) {
    const paths = path ? [path] : [...names.keys()]
    for (const matchPath of paths) {
      const keys = names.get(matchPath) ?? []
      for (const pattern of patterns) {
        const regex = fnmatchRegex(pattern)
        const matches = keys.filter((key) => regex.test(key))
        if (matches.length === 0) {
          throw new TrellisError('INVALID_ARGUMENT', `'${pattern}' does not match any known ${label}`, {
            hint: `Known ${label}${path ? ` in '${matchPath}'` : ''}: ${[...new Set(path ? keys : [...names.values()].flat())].join(', ') || '(none)'}`,
          })
        }
        const list = out.get(matchPath) ?? []
        out.set(matchPath, list)
        for (const match of matches) if (!list.includes(match)) list.push(match)
      }
    }
  }
  return out
}

/** Python `fnmatch.translate` (POSIX: case-sensitive). */
export function fnmatchRegex(pattern: string): RegExp {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '*') out += '.*'
    else if (ch === '?') out += '.'
    else if (ch === '[') {
      let j = i + 1
      if (pattern[j] === '!') j++
      if (pattern[j] === ']') j++
      while (j < pattern.length && pattern[j] !== ']') j++
      if (j >= pattern.length) out += '\\['
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\')
        if (body.startsWith('!')) body = `^${body.slice(1)}`
        else if (body.startsWith('^')) body = `\\${body}`
        out += `[${body}]`
        i = j
      }
    } else out += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
  }
  return new RegExp(`^(?:${out})$`, 's')
}
