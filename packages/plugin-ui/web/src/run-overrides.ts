/**
 * The run form's values as `-S` arguments: every field whose text differs from the
 * baseline's value (written in override notation by core's `formatOverrideValue`) becomes
 * `key=<text>` (`file:key=<text>` outside params.yaml), then the free-form lines. Each is
 * parsed by core's override parser, so a malformed value is refused in the page with the
 * CLI's message, and a sweep (`a,b`, `choice(…)`, `range(…)`) is recognised as the CLI does.
 */
import { flatten, formatOverrideValue, hasSweep, isMapping, parseOverrideArg } from './core.js'

export const DEFAULT_PARAMS_FILE = 'params.yaml'

export interface ParamField {
  file: string
  key: string
  initial: string
}

/** One field per flattened key of each params file of the baseline (`/api/project`'s `params`: file → parsed content). */
export function paramFields(params: Record<string, unknown>): ParamField[] {
  const fields: ParamField[] = []
  for (const [file, content] of Object.entries(params)) {
    if (!isMapping(content)) continue
    for (const [key, value] of Object.entries(flatten(content))) fields.push({ file, key, initial: formatOverrideValue(value) })
  }
  return fields
}

export function fieldId(field: Pick<ParamField, 'file' | 'key'>): string {
  return `${field.file}:${field.key}`
}

export interface RunOverrides {
  setParams: string[]
  sweep: boolean
}

/** The `-S` list of the form; throws core's TrellisError for a malformed one. */
export function runOverrides(fields: ParamField[], values: Record<string, string>, extra: string): RunOverrides {
  const setParams: string[] = []
  for (const field of fields) {
    const text = values[fieldId(field)]
    if (text === undefined || text.trim() === field.initial) continue
    setParams.push(`${field.file === DEFAULT_PARAMS_FILE ? '' : `${field.file}:`}${field.key}=${text.trim()}`)
  }
  for (const line of extra.split('\n')) if (line.trim()) setParams.push(line.trim())
  for (const arg of setParams) parseOverrideArg(arg)
  return { setParams, sweep: hasSweep(setParams) }
}
