/**
 * Flattening of parsed metrics/params documents as DVC does it (`flatten_dict` with the dot
 * reducer): nested maps become dotted keys, lists (and every other value) are kept as
 * values, empty nested maps disappear. A document that is not a map (a bare number or
 * string) flattens to the single key `''`.
 */
import { pyRepr } from '../util/python-json.js'

/** A parsed map (JSON object / YAML mapping / TOML table), as opposed to lists and scalars. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** `{a: {b: 1, c: [1, 2]}, d: {}}` → `{'a.b': 1, 'a.c': [1, 2]}`. Later duplicates win. */
export function flatten(map: Record<string, unknown>, separator = '.'): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const walk = (node: Record<string, unknown>, prefix: string | undefined): void => {
    for (const [key, value] of Object.entries(node)) {
      const flatKey = prefix === undefined ? key : `${prefix}${separator}${key}`
      if (isMapping(value)) walk(value, flatKey)
      else out[flatKey] = value
    }
  }
  walk(map, undefined)
  return out
}

/** Flatten a whole file's content: a map is flattened, anything else becomes `{'': value}`. */
export function flattenDocument(data: unknown): Record<string, unknown> {
  return isMapping(data) ? flatten(data) : { '': data }
}

/**
 * DVC's `format_dict`, applied before `metrics diff`/`params diff` and the `metrics show`
 * table: every list inside a map becomes its Python repr string (`['bar', 'baz']`).
 */
export function listsToRepr<T>(data: T): T {
  if (!isMapping(data)) return data
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(data)) {
    out[key] = isMapping(value) ? listsToRepr(value) : Array.isArray(value) ? pyRepr(value) : value
  }
  return out as T
}
