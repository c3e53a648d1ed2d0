/**
 * Plot templates as DVC finds and fills them: `.dvc/plots/<name>` or `.dvc/plots/<name>.json`
 * first (custom templates, e.g. written by `plots templates`), then a path relative to the
 * current directory, then a built-in name. A template is a JSON object (a Vega-Lite spec)
 * that must use the `<DVC_METRIC_DATA>` anchor; the other anchors are optional.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { TrellisError } from '../errors.js'
import { BUILTIN_TEMPLATES, DEFAULT_TEMPLATE } from './builtin-templates.js'

export type TemplateSpec = Record<string, unknown>

export const ANCHORS = {
  data: '<DVC_METRIC_DATA>',
  title: '<DVC_METRIC_TITLE>',
  x: '<DVC_METRIC_X>',
  y: '<DVC_METRIC_Y>',
  x_label: '<DVC_METRIC_X_LABEL>',
  y_label: '<DVC_METRIC_Y_LABEL>',
} as const

export interface TemplateContext {
  /** The DVC root. */
  root: string
  /** Where the command runs (relative template paths). */
  cwd: string
}

/** Find and parse a template; memoised per loader. */
export class TemplateLoader {
  private readonly cache = new Map<string, TemplateSpec>()

  constructor(private readonly ctx: TemplateContext) {}

  load(name: string | undefined): TemplateSpec {
    const key = name ?? DEFAULT_TEMPLATE
    let spec = this.cache.get(key)
    if (!spec) {
      spec = findTemplate(key, this.ctx)
      this.cache.set(key, spec)
    }
    return spec
  }
}

function findTemplate(name: string, ctx: TemplateContext): TemplateSpec {
  const dir = join(ctx.root, '.dvc', 'plots')
  const candidates = [join(dir, name), join(dir, `${name}.json`), isAbsolute(name) ? name : resolve(ctx.cwd, name)]
  for (const file of candidates) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    return parseTemplate(text, relative(ctx.cwd, file) || file, name)
  }
  const builtin = BUILTIN_TEMPLATES.get(name)
  if (builtin) return builtin
  throw new TrellisError('PLOT_TEMPLATE_NOT_FOUND', `Template '${name}' not found.`, {
    hint: `Use a built-in template (${[...BUILTIN_TEMPLATES.keys()].join(', ')}) or put '${name}.json' in .dvc/plots/.`,
  })
}

/** A template file's text: a JSON object using the DATA anchor. */
export function parseTemplate(text: string, displayPath: string, name: string): TemplateSpec {
  let spec: unknown
  try {
    spec = JSON.parse(text)
  } catch (error) {
    throw new TrellisError('PLOT_TEMPLATE_INVALID', `template '${displayPath}' is not valid JSON: ${(error as Error).message}`, {
      hint: 'A template is a Vega-Lite spec in JSON, using the anchor "<DVC_METRIC_DATA>".',
    })
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new TrellisError('PLOT_TEMPLATE_INVALID', `template '${displayPath}' is not a JSON object`, {
      hint: 'A template is a Vega-Lite spec in JSON, using the anchor "<DVC_METRIC_DATA>".',
    })
  }
  if (!usesAnchor(spec, ANCHORS.data)) {
    throw new TrellisError('PLOT_TEMPLATE_INVALID', `Template '${name}' is not using '${ANCHORS.data}' anchor`, {
      hint: `Put "${ANCHORS.data}" where the data values go, e.g. "data": {"values": "${ANCHORS.data}"}.`,
    })
  }
  return spec as TemplateSpec
}

function usesAnchor(value: unknown, anchor: string): boolean {
  if (value === anchor) return true
  if (Array.isArray(value)) return value.some((v) => usesAnchor(v, anchor))
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => usesAnchor(v, anchor))
  return false
}

/**
 * Replace the anchors: a string equal to an anchor becomes the value (DATA becomes the
 * datapoints array); an anchor inside a longer string is replaced textually when the value
 * is a string (dvc-render's `dict_replace_value`). Returns a new spec.
 */
export function fillTemplate(spec: unknown, values: Record<string, unknown>): unknown {
  if (typeof spec === 'string') {
    if (Object.hasOwn(values, spec)) return values[spec]
    let text = spec
    for (const [anchor, value] of Object.entries(values)) if (typeof value === 'string' && text.includes(anchor)) text = text.split(anchor).join(value)
    return text
  }
  if (Array.isArray(spec)) return spec.map((item) => fillTemplate(item, values))
  if (spec !== null && typeof spec === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(spec)) out[key] = fillTemplate(value, values)
    return out
  }
  return spec
}

export function templateNames(): string[] {
  return [...BUILTIN_TEMPLATES.keys()]
}

export { DEFAULT_TEMPLATE }
