/**
 * Every stage of the repository and the DAG between them, checked as DVC checks
 * it: duplicate outputs, overlapping outputs, a stage file inside an output,
 * an output that is also a dependency of its own stage, and cycles.
 */
import { loadDvcFile, type DvcYamlFile } from '../dvcfile/load-dvc-yaml.js'
import { loadDotDvc } from '../dvcfile/load-dot-dvc.js'
import { collectDvcFiles } from '../dvcfile/collect-dvcfiles.js'
import { TrellisError } from '../errors.js'
import { isWithin, overlaps } from './path-utils.js'
import type { Out, Stage } from './types.js'

export class PipelineIndex {
  /** Upstream edges: stage → the stages producing something it depends on. */
  private readonly upstream = new Map<Stage, Stage[]>()
  private readonly downstream = new Map<Stage, Stage[]>()
  private readonly outOwners: Array<{ out: Out; stage: Stage }> = []
  /** Files named by top-level `metrics:` lists of the dvc.yaml files (repo-relative). */
  readonly topLevelMetrics: string[]
  /** Files named by top-level `params:` lists of the dvc.yaml files (repo-relative). */
  readonly topLevelParams: string[]

  private constructor(
    readonly root: string,
    readonly stages: Stage[],
    /** The parsed dvc.yaml files (top-level sections, tracked vars). */
    readonly files: DvcYamlFile[] = [],
  ) {
    this.topLevelMetrics = [...new Set(files.flatMap((f) => f.metrics))]
    this.topLevelParams = [...new Set(files.flatMap((f) => f.params))]
    for (const stage of stages) for (const out of stage.outs) this.outOwners.push({ out, stage })
    this.checkOutputs()
    for (const stage of stages) {
      this.upstream.set(stage, [])
      this.downstream.set(stage, [])
    }
    for (const stage of stages) {
      for (const path of dependencyPaths(stage)) {
        for (const producer of this.producersOf(path)) {
          if (producer === stage) {
            throw new TrellisError('CYCLE', `'${path}' is specified as an output and as a dependency of stage '${stage.address}' in '${stage.dvcfile}'${at(stage)}`, {
              hint: 'A stage cannot depend on its own output; remove it from deps or outs (use `persist: true` on the out to keep it between runs).',
            })
          }
          const ups = this.upstream.get(stage)!
          if (!ups.includes(producer)) {
            ups.push(producer)
            this.downstream.get(producer)!.push(stage)
          }
        }
      }
    }
    this.checkCycles()
  }

  /**
   * Every stage of the repository. `overrides` (repo-relative dvc.yaml path → text) are read
   * instead of the files on disk, new ones included: the pipeline as it would be after an edit
   * (`stage add` validates before it writes).
   */
  static async load(root: string, overrides?: ReadonlyMap<string, string>): Promise<PipelineIndex> {
    const found = await collectDvcFiles(root)
    const paths = [...found, ...[...(overrides?.keys() ?? [])].filter((p) => !found.includes(p))]
    const dotDvc = paths.filter((p) => p.endsWith('.dvc'))
    const load = (p: string) => (overrides?.has(p) ? loadDvcFile(root, p, { readText: async () => overrides.get(p) }) : loadDvcFile(root, p))
    const [yamls, singles] = await Promise.all([
      Promise.all(paths.filter((p) => !p.endsWith('.dvc')).map(load)),
      Promise.all(dotDvc.map((p) => loadDotDvc(root, p))),
    ])
    return new PipelineIndex(root, [...yamls.flatMap((f) => f.stages), ...singles], yamls)
  }

  /** Stages producing `path`: an output equal to it, containing it, or inside it. */
  producersOf(path: string): Stage[] {
    const found: Stage[] = []
    for (const { out, stage } of this.outOwners) if (overlaps(path, out.path) && !found.includes(stage)) found.push(stage)
    return found
  }

  dependenciesOf(stage: Stage): readonly Stage[] {
    return this.upstream.get(stage) ?? []
  }

  dependentsOf(stage: Stage): readonly Stage[] {
    return this.downstream.get(stage) ?? []
  }

  private checkOutputs(): void {
    const byPath = new Map<string, Stage[]>()
    for (const { out, stage } of this.outOwners) {
      const list = byPath.get(out.path) ?? []
      if (!list.includes(stage)) list.push(stage)
      byPath.set(out.path, list)
    }
    for (const [path, owners] of byPath) {
      if (owners.length > 1) {
        const names = owners.map((s) => s.address)
        throw new TrellisError('DUPLICATE_OUTPUT', `output '${path}' is specified in more than one stage: ${names.join(', ')} (${owners.map((s) => s.dvcfile + at(s)).join('; ')})`, {
          hint: 'Each output may be produced by one stage only; remove it from all but one.',
        })
      }
    }
    const sorted = [...this.outOwners].sort((a, b) => (a.out.path < b.out.path ? -1 : 1))
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length && isWithin(sorted[j].out.path, sorted[i].out.path); j++) {
        const [parent, child] = [sorted[i], sorted[j]]
        if (parent.out.path === child.out.path) continue
        throw new TrellisError('OVERLAPPING_OUTPUT', `the output paths '${parent.out.path}' ('${parent.stage.address}' in ${parent.stage.dvcfile}${at(parent.stage)}) and '${child.out.path}' ('${child.stage.address}') overlap and are thus in the same tracked directory`, {
          hint: 'To keep reproducibility, outputs should be in separate tracked directories or tracked individually.',
        })
      }
    }
    for (const stage of this.stages) {
      for (const { out, stage: owner } of this.outOwners) {
        if (owner !== stage && isWithin(stage.dvcfile, out.path)) {
          throw new TrellisError('PIPELINE_INVALID', `stage '${stage.address}' is within an output '${out.path}' of another stage ('${owner.address}')`, {
            hint: `Move ${stage.dvcfile} out of ${out.path}.`,
          })
        }
      }
    }
  }

  private checkCycles(): void {
    const state = new Map<Stage, 1 | 2>()
    const stack: Stage[] = []
    const visit = (stage: Stage): void => {
      state.set(stage, 1)
      stack.push(stage)
      for (const up of this.dependenciesOf(stage)) {
        const s = state.get(up)
        if (s === 1) {
          const cycle = stack.slice(stack.indexOf(up)).map((x) => x.address).sort()
          throw new TrellisError('CYCLE', `Same item(s) are defined as both a dependency and an output in stages: ${cycle.join(', ')}.`, {
            hint: 'The pipeline has a cycle; break it by removing one of those dependencies.',
          })
        }
        if (s === undefined) visit(up)
      }
      stack.pop()
      state.set(stage, 2)
    }
    for (const stage of this.stages) if (!state.has(stage)) visit(stage)
  }
}

function at(stage: Stage): string {
  return stage.line ? `:${stage.line}` : ''
}

/** Every path a stage reads: its deps and its params files. */
export function dependencyPaths(stage: Stage): string[] {
  const paths = stage.deps.map((d) => d.path)
  for (const p of stage.params) if (!paths.includes(p.file)) paths.push(p.file)
  return paths
}
