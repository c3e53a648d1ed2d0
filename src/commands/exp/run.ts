import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'
import { reproFlags, reproOptions } from '../../repro-flags.js'

export default class ExpRun extends TrellisCommand {
  static override summary = 'Run an experiment: reproduce a variation of the pipeline and store it under refs/exps/.'
  static override description = `Baseline is HEAD. -S edits params files (existing keys only; the edits stay in the
workspace); the pipeline is reproduced; the tracked files as they are afterwards (params,
dvc.lock, uncached metrics, your edits) are committed with the baseline as parent under
refs/exps/<baseline>/<name>. HEAD, the index and your branches are never touched and the
results stay in the workspace. Nothing changed -> no experiment.

Names: -n NAME (checked before anything runs), else exp-<5 hex> derived from the results;
the same results reuse the existing experiment. -f forces every stage and replaces an
existing experiment of the same name.
Stages see DVC_ROOT, DVC_EXP_BASELINE_REV and DVC_EXP_NAME (empty for automatic names).

CHECKPOINTS - a stage with an output marked \`checkpoint: true\` in dvc.yaml:
- Its checkpoint outputs are not deleted before it runs, may be missing on
  the first run, and make it run every time. \`trellis repro\` refuses it.
- It runs with DVC_CHECKPOINT=1 and DVC_ROOT. To take a checkpoint, the
  program writes its outputs, creates .dvc/tmp/DVC_CHECKPOINT and waits
  until the file is gone: makeCheckpoint() from
  @trellis/plugin-checkpoints/make-checkpoint, make_checkpoint() from
  trellis_checkpoint.py, or DVC's dvc.api.make_checkpoint(). Within 100 ms
  Trellis hashes and caches the outputs, writes the stage's dvc.lock entry,
  commits a checkpoint (parent: the previous one) on the experiment's ref,
  fires onCheckpoint and onExperimentCommit, then removes the file.
- Normal exit: a final commit is added only if something changed after the
  last checkpoint. A failing command or Ctrl-C keeps every checkpoint made
  and leaves the workspace as it is. An error while taking a checkpoint
  stops the program and fails the run.
- The next exp run on the same HEAD continues from the last checkpoint: its
  outputs and dvc.lock are restored first. If your code or params (incl.
  -S) differ from it, a new experiment starts from it (-n names it);
  otherwise the same experiment goes on (-n is ignored). A checkpoint that
  is not the last of its experiment, unchanged, is an error ("Nothing to
  do"). Stages see DVCLIVE_RESUME=1 when a run continues a checkpoint.
- HEAD moved since: a new experiment (checkpoint outputs are kept as they
  are in the workspace; --reset deletes them).
- --reset starts over: checkpoint outputs are deleted, the last checkpoint
  is forgotten, an experiment with the same name is replaced.
- --rev <checkpoint> continues from any checkpoint; it needs --queue or
  --temp (the queue). --rev and --reset exclude each other.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Stages or dvc.yaml files (default: ./dvc.yaml).' }) }
  static override flags = {
    ...reproFlags,
    force: Flags.boolean({ char: 'f', description: 'Reproduce every stage, and replace an existing experiment of the same name.' }),
    'set-param': Flags.string({ char: 'S', multiple: true, description: 'Override a param: [file:]key=value (value parsed as YAML). Repeatable.' }),
    name: Flags.string({ char: 'n', description: 'Name of the experiment (a valid git ref component, no "/").' }),
    reset: Flags.boolean({ description: 'Checkpoints: start over (delete checkpoint outputs, replace the experiment) instead of continuing from the last checkpoint.' }),
    rev: Flags.string({ char: 'r', description: 'Checkpoints: continue from this checkpoint (a sha or experiment name); needs --queue or --temp.' }),
  }
  static override examples = [
    '<%= config.bin %> exp run -S train.lr=0.1',
    '<%= config.bin %> exp run -n high-lr -S train.lr=0.5 -S prepare.split=0.3',
    '<%= config.bin %> exp run -S params.json:model.layers=[64,32] train',
    '<%= config.bin %> exp run            # a checkpoint stage: continues from the last checkpoint',
    '<%= config.bin %> exp run --reset    # a checkpoint stage: start over',
  ]

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(ExpRun)
    this.setOutput(flags)
    const { runExperiment, checkResumeFlags } = await import('@trellis/core')
    checkResumeFlags({ rev: flags.rev, reset: flags.reset })
    const project = await this.openProject()
    if (flags.reset) this.info('Any existing checkpoints will be reset and re-run.')
    const result = await runExperiment(project, {
      ...reproOptions(flags),
      targets: argv as string[],
      name: flags.name,
      log: this.info,
      setParams: flags['set-param'],
      reset: flags.reset,
      onWarning: this.warning,
      lockOptions: {
        onWait: (owner) => this.warning(`waiting for the project lock held by process ${owner?.pid ?? '?'} (${owner?.cmd ?? 'unknown'})`),
      },
    })
    const exp = result.experiment
    if (!exp && result.resume) {
      this.info(`Nothing changed since checkpoint ${result.resume.from.slice(0, 7)}: no new commit.`)
      return
    }
    if (!exp) {
      this.info('Nothing changed: no experiment was created (the workspace matches the baseline).')
      return
    }
    this.info(`\nReproduced experiment(s): ${exp.name}${exp.reused ? ' (identical to the existing experiment, reused)' : ''}`)
    if (exp.checkpoints) this.info(`Checkpoints: ${exp.checkpoints} new in this run, last ${exp.commit.slice(0, 7)}.`)
    this.info('Experiment results have been applied to your workspace.')
    this.info(`\nCompare:          trellis exp show   |   trellis exp diff HEAD ${exp.name}`)
    this.info(`Apply it later:   trellis exp apply ${exp.name}`)
    this.info(`Make a branch:    trellis exp branch ${exp.name} <branch>`)
  }
}
