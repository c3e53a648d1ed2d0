import { Args, Flags } from '@oclif/core'
import { relative, sep } from 'node:path'
import { TrellisCommand } from '../../base-command.js'
import { progress } from '../../progress.js'

export default class ExpApply extends TrellisCommand {
  static override summary = "Bring an experiment's changes (tracked files and cached outputs) into the workspace."
  static override description = `The experiment must belong to the current HEAD (by name, full ref or sha; a name used by
several baselines means the one of HEAD). Only the files the experiment changed relative to HEAD
are written, then its cached outputs are checked out from the cache; other uncommitted edits and
untracked files stay. HEAD, the index and branches are not touched.

If a path it would overwrite holds uncommitted work (an edit that differs from the experiment's
version, an untracked file in the way, an output not in the cache), nothing is changed and the
paths are listed; --force overwrites them after saving them. Every apply can be undone with
--undo, which restores the workspace exactly as it was before the last apply.`
  static override args = { experiment: Args.string({ description: 'Experiment name, full ref (refs/exps/...) or commit sha; or a queued entry (name or id prefix).' }) }
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Overwrite conflicting uncommitted changes (they are saved; --undo restores them).' }),
    undo: Flags.boolean({ description: 'Restore the workspace as it was before the last `exp apply`.' }),
  }
  static override examples = ['<%= config.bin %> exp apply exp-1a2b3', '<%= config.bin %> exp apply --force exp-1a2b3', '<%= config.bin %> exp apply --undo']

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExpApply)
    this.setOutput(flags)
    const { TrellisError, applyExperiment, optionalQueuedExperiments, undoApply } = await import('@trellis/core')
    if (flags.undo && args.experiment) throw new TrellisError('INVALID_ARGUMENT', '--undo takes no experiment', { hint: 'Run `trellis exp apply --undo` alone.' })
    if (!flags.undo && !args.experiment) {
      throw new TrellisError('INVALID_ARGUMENT', 'which experiment? Give its name, ref or sha', { hint: 'List them with `trellis exp list`.' })
    }
    const project = await this.openProject()
    const lock = { onWait: (owner?: { pid: number; cmd: string }) => this.warning(`waiting for the project lock held by process ${owner?.pid ?? '?'} (${owner?.cmd ?? 'unknown'})`) }
    if (flags.undo) {
      const result = await undoApply(project, { force: flags.force, lock })
      const what = result.name ? `experiment '${result.name}'` : result.applied.slice(0, 7)
      if (result.recoveredOnly) this.info(`An interrupted apply of ${what} was rolled back: the workspace is as it was before it.`)
      else this.info(`Undid the apply of ${what}: ${plural(result.files.length, 'file')} and ${plural(result.outputs.length, 'output')} restored.`)
      return
    }
    const rev = args.experiment!
    const bar = progress('Checkout', { quiet: this.quiet })
    let result: Awaited<ReturnType<typeof applyExperiment>>
    try {
      result = await applyExperiment(project, rev, { force: flags.force, lock, queued: await optionalQueuedExperiments(project), onCheckoutProgress: bar.update })
    } finally {
      bar.stop()
    }
    if (result.recovered) {
      this.warning(`an interrupted ${result.recovered.operation === 'apply' ? 'apply' : 'undo'} of '${result.recovered.name ?? result.recovered.applied.slice(0, 7)}' was rolled back first`)
    }
    this.info(`Changes for experiment '${rev}' have been applied to your current workspace.`)
    for (const file of result.files) this.info(`\t${`${file.action}:`.padEnd(12)}${file.path}`)
    // Outputs are relative to the DVC root, files to the git root: show both from the git root.
    const dvcRoot = relative(project.gitRoot, project.root).split(sep).join('/')
    for (const output of result.outputs) this.info(`\t${'output:'.padEnd(12)}${dvcRoot ? `${dvcRoot}/` : ''}${output}`)
    if (result.files.length === 0 && result.outputs.length === 0) this.info('\t(the workspace already had them)')
    for (const path of result.skipped) this.warning(`submodule '${path}' differs in the experiment; it was left as it is`)
    if (result.overwritten.length > 0) this.info(`Overwrote uncommitted changes to ${result.overwritten.join(', ')} (saved).`)
    this.info('To undo: trellis exp apply --undo')
    if (result.queued) this.info(`A queued experiment (not run yet): its params are in your workspace; run it with \`trellis exp run\`.`)
    else this.info(`To make it a branch: trellis exp branch ${result.name} <branch>`)
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
