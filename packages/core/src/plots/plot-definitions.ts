/**
 * The plots a revision's pipeline declares, as DVC reads them:
 * - every stage output under `plots:` is a plot whose id is its path, with the properties
 *   written on it (`x`, `y`, `template`, `title`, `x_label`, `y_label`, `header`);
 * - every entry of a dvc.yaml's top-level `plots:` (a list, or DVC 2.x's mapping): an id
 *   that is a file or a directory (relative to that dvc.yaml), or — when `y` is a mapping
 *   `{file: field | [fields]}` — any name, drawing the fields of several files in one chart
 *   (`x` a field, or a mapping `{file: field}`).
 * Later definitions of the same id replace earlier ones. Directories are expanded when the
 * revision's files are read (collect-plots.ts).
 */
import { posix } from 'node:path'
import { repoDirname } from '../dvcfile/paths.js'
import type { DvcYamlFile } from '../dvcfile/load-dvc-yaml.js'
import type { Out, Stage } from '../pipeline/types.js'

export interface PlotProps {
  template?: string
  title?: string
  x_label?: string
  y_label?: string
  header?: boolean
}

export interface PlotSourceSpec {
  /** DVC-root-relative file or directory. */
  path: string
  x?: string
  /** Fields to draw; undefined: the last field of the first row. */
  y?: string[]
}

export interface PlotDefinition {
  id: string
  sources: PlotSourceSpec[]
  props: PlotProps
  /** Named ids draw several files; a file/directory id is a path. */
  named: boolean
  /** The stage output, when the plot is one (its cache entry is found through dvc.lock). */
  out?: { stage: Stage; out: Out }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function fields(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return undefined
}

function propsOf(raw: Record<string, unknown>): PlotProps {
  const props: PlotProps = {}
  for (const key of ['template', 'title', 'x_label', 'y_label'] as const) {
    const value = str(raw[key])
    if (value !== undefined) props[key] = value
  }
  if (typeof raw.header === 'boolean') props.header = raw.header
  return props
}

function join(dir: string, path: string): string {
  const joined = posix.normalize(dir ? posix.join(dir, path) : path).replace(/\/$/, '')
  return joined === '.' ? '' : joined
}

/** The definitions of one revision: stage plot outputs first, then the top-level sections. */
export function plotDefinitions(stages: Stage[], files: DvcYamlFile[]): PlotDefinition[] {
  const byId = new Map<string, PlotDefinition>()
  for (const stage of stages) {
    for (const out of stage.outs) {
      if (!out.plot) continue
      const raw = out.plotProps ?? {}
      byId.set(out.path, {
        id: out.path,
        sources: [{ path: out.path, x: str(raw.x), y: fields(raw.y) }],
        props: propsOf(raw),
        named: false,
        out: { stage, out },
      })
    }
  }
  for (const file of files) for (const def of topLevelDefinitions(file)) byId.set(def.id, def)
  return [...byId.values()]
}

function topLevelEntries(plots: unknown): Array<[string, Record<string, unknown>]> {
  const entries: Array<[string, Record<string, unknown>]> = []
  const add = (id: string, props: unknown) => entries.push([id, props !== null && typeof props === 'object' && !Array.isArray(props) ? (props as Record<string, unknown>) : {}])
  if (Array.isArray(plots)) {
    for (const item of plots) {
      if (typeof item === 'string') add(item, {})
      else if (item && typeof item === 'object') for (const [id, props] of Object.entries(item)) add(id, props)
    }
  } else if (plots && typeof plots === 'object') {
    for (const [id, props] of Object.entries(plots)) add(id, props)
  }
  return entries
}

function topLevelDefinitions(file: DvcYamlFile): PlotDefinition[] {
  const dir = repoDirname(file.path)
  const defs: PlotDefinition[] = []
  for (const [id, raw] of topLevelEntries(file.plots)) {
    const props = propsOf(raw)
    const y = raw.y
    if (y !== null && typeof y === 'object' && !Array.isArray(y)) {
      const xs = raw.x
      const sources: PlotSourceSpec[] = []
      for (const [path, ys] of Object.entries(y)) {
        const x = typeof xs === 'string' ? xs : xs && typeof xs === 'object' ? str((xs as Record<string, unknown>)[path]) : undefined
        sources.push({ path: join(dir, path), x, y: fields(ys) })
      }
      defs.push({ id, sources, props, named: true })
    } else {
      const path = join(dir, id)
      defs.push({ id: path, sources: [{ path, x: str(raw.x), y: fields(y) }], props, named: false })
    }
  }
  return defs
}
