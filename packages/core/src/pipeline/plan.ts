/**
 * Which stages a repro visits, in which order (reference §c.3): upstream first
 * by DFS post-order, or the target and its dependents with `--downstream`;
 * edges out of frozen stages cut unless `--single-item`.
 */
import type { PipelineIndex } from './pipeline-index.js'
import type { Stage } from './types.js'

export interface PlanOptions {
  singleItem?: boolean
  downstream?: boolean
  /** Replace the targets by the final stages of their pipelines. */
  pipeline?: boolean
  /** Every pipeline of the repository. */
  allPipelines?: boolean
}

export function planStages(index: PipelineIndex, targets: Stage[], options: PlanOptions = {}): Stage[] {
  let roots = targets
  if (options.allPipelines) roots = finalStages(index, index.stages)
  else if (options.pipeline) roots = finalStages(index, componentOf(index, targets))
  if (options.singleItem) return [...roots]

  const up = (s: Stage) => (s.frozen ? [] : index.dependenciesOf(s))
  const order: Stage[] = []
  const seen = new Set<Stage>()
  const push = (s: Stage) => {
    if (!seen.has(s)) {
      seen.add(s)
      order.push(s)
    }
  }
  for (const root of roots) {
    if (options.downstream) {
      const visited = new Set<Stage>()
      const post: Stage[] = []
      const visit = (s: Stage) => {
        visited.add(s)
        for (const d of index.dependentsOf(s)) if (!visited.has(d)) visit(d)
        post.push(s)
      }
      visit(root)
      post.reverse().forEach(push)
    } else {
      const visited = new Set<Stage>()
      const visit = (s: Stage) => {
        visited.add(s)
        for (const d of up(s)) if (!visited.has(d)) visit(d)
        push(s)
      }
      visit(root)
    }
  }
  return order
}

function componentOf(index: PipelineIndex, targets: Stage[]): Stage[] {
  const seen = new Set<Stage>()
  const stack = [...targets]
  while (stack.length) {
    const s = stack.pop()!
    if (seen.has(s)) continue
    seen.add(s)
    stack.push(...index.dependenciesOf(s), ...index.dependentsOf(s))
  }
  return index.stages.filter((s) => seen.has(s))
}

function finalStages(index: PipelineIndex, stages: Stage[]): Stage[] {
  return stages.filter((s) => index.dependentsOf(s).length === 0)
}
