/** The flags `repro` and `exp run` share, and their mapping to engine options. */
import { Flags } from '@oclif/core'
import type { ReproOptions } from '@trellis/core'

export const reproFlags = {
  force: Flags.boolean({ char: 'f', description: 'Reproduce even if nothing changed (also skips the run-cache).' }),
  'single-item': Flags.boolean({ char: 's', description: 'Only the targets, not their upstream stages.' }),
  pipeline: Flags.boolean({ char: 'p', description: 'Reproduce the whole pipeline(s) the targets belong to.' }),
  'all-pipelines': Flags.boolean({ char: 'P', description: 'Reproduce every pipeline of the repository.' }),
  recursive: Flags.boolean({ char: 'R', description: 'Targets may be directories: every stage under them.' }),
  downstream: Flags.boolean({ description: 'Reproduce the targets and the stages that depend on them.' }),
  'force-downstream': Flags.boolean({ description: 'Once a stage runs, run every later stage too.' }),
  dry: Flags.boolean({ description: 'Only print what would run.' }),
  'no-commit': Flags.boolean({ description: 'Do not put outputs into the cache (the lock is still written).' }),
  'no-run-cache': Flags.boolean({ description: 'Do not restore stages from the run-cache.' }),
  'allow-missing': Flags.boolean({ description: 'Ignore deleted deps and outs missing from the cache.' }),
  'keep-going': Flags.boolean({ description: 'After a failure, still run the stages that do not depend on it.' }),
  jobs: Flags.integer({ char: 'j', description: 'Run up to N independent stages at once.', default: 1, min: 1 }),
}

export function reproOptions(flags: Record<string, unknown>): ReproOptions {
  return {
    force: !!flags.force,
    singleItem: !!flags['single-item'],
    pipeline: !!flags.pipeline,
    allPipelines: !!flags['all-pipelines'],
    recursive: !!flags.recursive,
    downstream: !!flags.downstream,
    forceDownstream: !!flags['force-downstream'],
    dry: !!flags.dry,
    noCommit: !!flags['no-commit'],
    noRunCache: !!flags['no-run-cache'],
    allowMissing: !!flags['allow-missing'],
    keepGoing: !!flags['keep-going'],
    jobs: (flags.jobs as number | undefined) ?? 1,
  }
}
