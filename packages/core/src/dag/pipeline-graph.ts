/**
 * The graph `trellis dag` draws, from the pipeline index (pipeline-index.ts): nodes are
 * stages (their addresses), or with `outs` their outputs; an edge goes from a producer to
 * what depends on it. A target (a stage address or an output path) keeps the target and
 * its ancestors, or with `full` every node connected to it, as DVC's `dag` does.
 */
import { TrellisError } from '../errors.js'
import type { PipelineIndex } from '../pipeline/pipeline-index.js'
import { dependencyPaths } from '../pipeline/pipeline-index.js'
import { overlaps } from '../pipeline/path-utils.js'
import type { Stage } from '../pipeline/types.js'

export interface Graph {
  nodes: string[]
  /** [from, to]: `from` is needed by `to`. */
  edges: Array<[string, string]>
}

export interface GraphOptions {
  target?: string
  outs?: boolean
  full?: boolean
}

function stageGraph(index: PipelineIndex): Graph {
  const edges: Array<[string, string]> = []
  for (const stage of index.stages) for (const up of index.dependenciesOf(stage)) edges.push([up.address, stage.address])
  return { nodes: index.stages.map((s) => s.address), edges }
}

function outsGraph(index: PipelineIndex): Graph {
  const nodes: string[] = []
  const edges: Array<[string, string]> = []
  for (const stage of index.stages) for (const out of stage.outs) if (!nodes.includes(out.path)) nodes.push(out.path)
  for (const stage of index.stages) {
    for (const up of index.dependenciesOf(stage)) {
      for (const upOut of up.outs) {
        if (!dependencyPaths(stage).some((dep) => overlaps(dep, upOut.path))) continue
        for (const out of stage.outs) edges.push([upOut.path, out.path])
      }
    }
  }
  return { nodes, edges }
}

function stagesOfTarget(index: PipelineIndex, target: string): Stage[] {
  const normalized = target.replace(/^\.\//, '').replace(/\/$/, '')
  const byAddress = index.stages.filter((s) => s.address === normalized || s.name === normalized || `${s.dvcfile}:${s.name}` === normalized)
  if (byAddress.length > 0) return byAddress
  const producers = index.producersOf(normalized)
  if (producers.length > 0) return producers
  throw new TrellisError('TARGET_NOT_FOUND', `'${target}' is neither a stage nor an output of the pipeline`, { hint: 'Name a stage (`train`, `sub/dvc.yaml:train`) or an output path.' })
}

/** The nodes reachable from `start` following edges backwards (ancestors) or both ways (full). */
function reach(graph: Graph, start: string[], both: boolean): Set<string> {
  const seen = new Set(start)
  const queue = [...start]
  while (queue.length > 0) {
    const node = queue.pop()!
    for (const [from, to] of graph.edges) {
      const next = to === node ? from : both && from === node ? to : undefined
      if (next !== undefined && !seen.has(next)) {
        seen.add(next)
        queue.push(next)
      }
    }
  }
  return seen
}

export function pipelineGraph(index: PipelineIndex, options: GraphOptions = {}): Graph {
  const graph = options.outs ? outsGraph(index) : stageGraph(index)
  if (!options.target) return graph
  const stages = stagesOfTarget(index, options.target)
  const start = options.outs ? stages.flatMap((s) => s.outs.map((o) => o.path)) : stages.map((s) => s.address)
  const keep = reach(graph, start, !!options.full)
  return { nodes: graph.nodes.filter((n) => keep.has(n)), edges: graph.edges.filter(([a, b]) => keep.has(a) && keep.has(b)) }
}

/** The weakly connected parts of a graph, each in node order (DVC prints each pipeline apart). */
export function components(graph: Graph): Graph[] {
  const parts: Graph[] = []
  const done = new Set<string>()
  for (const node of graph.nodes) {
    if (done.has(node)) continue
    const members = reach(graph, [node], true)
    for (const m of members) done.add(m)
    parts.push({ nodes: graph.nodes.filter((n) => members.has(n)), edges: graph.edges.filter(([a]) => members.has(a)) })
  }
  return parts
}
