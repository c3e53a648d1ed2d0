/**
 * `plots modify <target>`: set or unset the plot properties of a stage's `plots:` output in
 * its dvc.yaml, in place. The entry is located with the `yaml` Document API (node ranges)
 * and only its own text is replaced, so every other byte of the file — comments, order,
 * quoting, blank lines — stays as it was. A bare entry (`- loss.csv`) becomes a mapping
 * (`- loss.csv:` + the properties, indented under it); an entry left without properties
 * becomes bare again. The result is parsed back and checked before the file is replaced
 * (atomically).
 */
import { readFile } from 'node:fs/promises'
import { join, posix, relative, sep } from 'node:path'
import { isMap, isScalar, isSeq, type Node } from 'yaml'
import { TrellisError } from '../errors.js'
import { loadRevPipeline } from '../experiments/read/rev-pipeline.js'
import { WorkspaceSource } from '../experiments/read/rev-source.js'
import { columnOf, lineEnding, sameValue, splice } from '../params/edit-ops.js'
import { yamlString } from '../params/edit-yaml.js'
import type { Project } from '../project.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { loadYaml } from '../util/yaml.js'

export const PLOT_PROPERTIES = ['template', 'x', 'y', 'title', 'x_label', 'y_label', 'header'] as const
export type PlotProperty = (typeof PLOT_PROPERTIES)[number]

export interface ModifyPlotOptions {
  /** The output path, relative to the current directory. */
  target: string
  set: Partial<Record<PlotProperty, string | boolean>>
  unset?: string[]
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? yamlString(value) : String(value)
}

export async function modifyPlot(project: Project, options: ModifyPlotOptions): Promise<{ dvcfile: string; stage: string }> {
  for (const key of options.unset ?? []) {
    if (!(PLOT_PROPERTIES as readonly string[]).includes(key)) {
      throw new TrellisError('INVALID_ARGUMENT', `cannot unset '${key}': not a plot property`, { hint: `Plot properties: ${PLOT_PROPERTIES.join(', ')}.` })
    }
  }
  const target = relative(project.root, posix.resolve(project.cwd.split(sep).join('/'), options.target)).split(sep).join('/')
  const pipeline = await loadRevPipeline(new WorkspaceSource(project.root), { root: project.root })
  const found = pipeline.stages.flatMap((stage) => stage.outs.filter((o) => o.plot && o.path === target).map((out) => ({ stage, out })))
  if (found.length === 0) {
    const failed = pipeline.errors[0]
    throw new TrellisError('PLOT_NOT_FOUND', `Unable to find plot '${options.target}' among the stage outputs of the pipeline${failed ? ` ('${failed.path}' did not load: ${failed.error.msg})` : ''}`, {
      hint: 'Name a path listed under a stage\'s `plots:` in dvc.yaml (top-level `plots:` entries are edited by hand).',
    })
  }
  const { stage, out } = found[0]
  if (stage.kind !== 'pipeline' || stage.name.includes('@')) {
    throw new TrellisError('INVALID_ARGUMENT', `plot '${options.target}' belongs to '${stage.address}', which is generated (foreach) or not in a dvc.yaml`, { hint: 'Edit the foreach template in dvc.yaml by hand.' })
  }
  const file = stage.dvcfile
  const text = await readFile(join(project.root, file), 'utf8')
  const { doc } = loadYaml(text, file)
  const list = doc.getIn(['stages', stage.name, 'plots'], true) as Node | undefined
  if (!isSeq(list)) throw new TrellisError('PIPELINE_INVALID', `'${file}': stage '${stage.name}' has no plots list`)
  let item: Node | undefined
  let current: Record<string, unknown> = {}
  for (const node of list.items as Node[]) {
    if (isScalar(node) && node.value === out.pathAsWritten) item = node
    else if (isMap(node) && node.items.length === 1 && isScalar(node.items[0].key) && node.items[0].key.value === out.pathAsWritten) {
      item = node
      const value = node.items[0].value
      current = isMap(value) ? ((value.toJS(doc) as Record<string, unknown>) ?? {}) : {}
    }
    if (item) break
  }
  if (!item?.range) throw new TrellisError('PIPELINE_INVALID', `'${file}': cannot find '${out.pathAsWritten}' under stage '${stage.name}' plots`)

  const next: Record<string, unknown> = { ...current }
  for (const [key, value] of Object.entries(options.set)) if (value !== undefined) next[key] = value
  for (const key of options.unset ?? []) delete next[key]

  const nl = lineEnding(text)
  const indent = ' '.repeat(columnOf(text, item.range[0]) + 2)
  const keys = Object.keys(next)
  const replacement = keys.length === 0 ? yamlString(out.pathAsWritten) : [`${yamlString(out.pathAsWritten)}:`, ...keys.map((k) => `${indent}${k}: ${scalarText(next[k])}`)].join(nl)
  let end = item.range[1]
  while (end > item.range[0] && /\s/.test(text[end - 1])) end--
  const edited = splice(text, item.range[0], end, replacement)

  const check = loadYaml(edited, file).doc.getIn(['stages', stage.name, 'plots']) as unknown
  const entries = (check as { toJSON(): unknown[] }).toJSON()
  const entry = entries.find((e) => e === out.pathAsWritten || (e !== null && typeof e === 'object' && Object.hasOwn(e, out.pathAsWritten)))
  const got = entry === out.pathAsWritten ? {} : ((entry as Record<string, unknown>)[out.pathAsWritten] ?? {})
  if (!sameValue(got, next)) throw new TrellisError('PIPELINE_INVALID', `could not edit '${file}' in place around '${out.pathAsWritten}'`, { hint: 'Edit the plot properties by hand.' })
  await writeFileAtomic(join(project.root, file), edited)
  return { dvcfile: file, stage: stage.name }
}
