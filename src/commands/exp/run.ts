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
Stages see DVC_ROOT, DVC_EXP_BASELINE_REV and DVC_EXP_NAME (empty for automatic names).`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Stages or dvc.yaml files (default: ./dvc.yaml).' }) }
  static override flags = {
    ...reproFlags,
    force: Flags.boolean({ char: 'f', description: 'Reproduce every stage, and replace an existing experiment of the same name.' }),
    'set-param': Flags.string({ char: 'S', multiple: true, description: 'Override a param: [file:]key=value (value parsed as YAML). Repeatable.' }),
    name: Flags.string({ char: 'n', description: 'Name of the experiment (a valid git ref component, no "/").' }),
  }
  static override examples = [
    '<%= config.bin %> exp run -S train.lr=0.1',
    '<%= config.bin %> exp run -n high-lr -S train.lr=0.5 -S prepare.split=0.3',
    '<%= config.bin %> exp run -S params.json:model.layers=[64,32] train',
  ]

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(ExpRun)
    this.setOutput(flags)
    const project = await this.openProject()
    const { runExperiment } = await import('@trellis/core')
    const result = await runExperiment(project, {
      ...reproOptions(flags),
      targets: argv as string[],
      name: flags.name,
      log: this.info,
      setParams: flags['set-param'],
      onWarning: this.warning,
      lockOptions: {
        onWait: (owner) => this.warning(`waiting for the project lock held by process ${owner?.pid ?? '?'} (${owner?.cmd ?? 'unknown'})`),
      },
    })
    const exp = result.experiment
    if (!exp) {
      this.info('Nothing changed: no experiment was created (the workspace matches the baseline).')
      return
    }
    this.info(`\nReproduced experiment(s): ${exp.name}${exp.reused ? ' (identical to the existing experiment, reused)' : ''}`)
    this.info('Experiment results have been applied to your workspace.')
    this.info(`\nCompare:          trellis exp show   |   trellis exp diff HEAD ${exp.name}`)
    this.info(`Apply it later:   trellis exp apply ${exp.name}`)
    this.info(`Make a branch:    trellis exp branch ${exp.name} <branch>`)
  }
}
