import { Args, Flags } from '@oclif/core'
import type { Project, QueueEntry, RunQueueResult, SweepOptions } from '@trellis/core'
import { TrellisCommand } from '../../base-command.js'
import { progress as progressBar } from '../../progress.js'
import { tapQueueProgress } from '../../queue-progress.js'
import { reproFlags, reproOptions } from '../../repro-flags.js'

export default class ExpRun extends TrellisCommand {
  static override summary = 'Run an experiment: reproduce a variation of the pipeline and store it under refs/exps/.'
  static override description = `Baseline is HEAD. -S edits params files (key= existing keys, +key= new ones, ~key deletes;
the edits stay in the workspace); the pipeline is reproduced; the tracked files as they are afterwards (params,
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
  --temp (the queue). --rev and --reset exclude each other.

QUEUE - --queue records the workspace's tracked changes plus the -S edits as a queue entry
(DVC's refs/exps/stash) without changing any file; --run-all runs every queued entry, -j N at
once, each in a temporary workspace under .dvc/tmp/exps/ with the data linked from the cache;
--temp runs one experiment that way at once. Your workspace is left as it is.
See \`trellis queue status\` and \`trellis queue logs <entry>\`.

SWEEPS - a -S with several values sweeps it (DVC 3's Hydra syntax):
  -S 'train.lr=0.01,0.1'   -S 'train.lr=choice(0.01,0.1)'   -S 'train.epochs=range(10,40,10)'
Several sweeping -S give their cartesian product (the first varies slowest).
--sweep random --samples N [--seed S] draws N combinations instead, also from
interval(lo,hi), loguniform(lo,hi) and randint(lo,hi). Every combination is
checked before anything is queued; more than --max-runs (100) is an error.
--dry prints the combinations and runs nothing. With --queue one entry per
combination is queued (-n NAME names them NAME-1..NAME-k); without it they are
queued and run at once in temporary workspaces, -j at a time, and a table of
the swept params and the metrics ends the run (--sort-by orders it).
\`trellis exp show --sweep <id>\` shows one sweep. DVC 2.x's -S a=1,b=2 (every
comma part a key=value) stays two assignments.
- Checkpoints in the queue: --queue without --rev starts the checkpoint
  experiment over (as --reset does, and the last checkpoint is forgotten at
  once). --rev X with --queue/--temp decides when it is queued: your
  workspace (with -S) the same as checkpoint X and X the last checkpoint of
  its experiment -> that experiment is continued; different -> a new
  experiment starts from X. The run restores X's outputs and dvc.lock in the
  temporary workspace first.`
  static override strict = false
  static override args = { targets: Args.string({ description: 'Stages or dvc.yaml files (default: ./dvc.yaml).' }) }
  static override flags = {
    ...reproFlags,
    force: Flags.boolean({ char: 'f', description: 'Reproduce every stage, and replace an existing experiment of the same name.' }),
    'set-param': Flags.string({ char: 'S', multiple: true, description: "Override a param: [+|++|~][file:]key=value (DVC 3's Hydra syntax; +key adds, ++key sets or adds, ~key deletes; a=1,2 or choice()/range() sweeps). Repeatable." }),
    name: Flags.string({ char: 'n', description: 'Name of the experiment (a valid git ref component, no "/").' }),
    reset: Flags.boolean({ description: 'Checkpoints: start over (delete checkpoint outputs, replace the experiment) instead of continuing from the last checkpoint.' }),
    rev: Flags.string({ char: 'r', description: 'Checkpoints: continue from this checkpoint (a sha or experiment name); needs --queue or --temp.' }),
    queue: Flags.boolean({ description: 'Queue the experiment for later (--run-all) instead of running it.', exclusive: ['run-all', 'temp'] }),
    'run-all': Flags.boolean({ description: 'Run every queued experiment, -j at once, in temporary workspaces.', exclusive: ['queue', 'temp'] }),
    temp: Flags.boolean({ description: 'Run in a temporary workspace under .dvc/tmp/exps/, leaving yours untouched.', exclusive: ['queue', 'run-all'] }),
    jobs: Flags.integer({
      char: 'j',
      description: 'With --run-all or a sweep: queued experiments run at once (default 1). Otherwise: independent stages run at once.',
      default: 1,
      min: 1,
    }),
    sweep: Flags.string({ description: 'How a sweep picks its combinations: every one (grid, the default) or --samples drawn at random.', options: ['grid', 'random'] }),
    samples: Flags.integer({ description: 'Random sweep: how many experiments.', min: 1 }),
    seed: Flags.string({ description: 'Random sweep: the seed (the same seed gives the same experiments; default: a new one, printed).' }),
    'max-runs': Flags.integer({ description: 'A sweep of more experiments than this is an error.', default: 100, min: 1 }),
    'sort-by': Flags.string({ description: 'Sweep run: order the summary by this metric or param.', helpValue: '<[file:]key>' }),
    'sort-order': Flags.string({ description: 'Sweep run: order for --sort-by.', options: ['asc', 'desc'], default: 'asc' }),
  }
  static override examples = [
    '<%= config.bin %> exp run -S train.lr=0.1',
    '<%= config.bin %> exp run -n high-lr -S train.lr=0.5 -S prepare.split=0.3',
    '<%= config.bin %> exp run -S params.json:model.layers=[64,32] train',
    '<%= config.bin %> exp run            # a checkpoint stage: continues from the last checkpoint',
    '<%= config.bin %> exp run --reset    # a checkpoint stage: start over',
    '<%= config.bin %> exp run --queue -S train.lr=0.01 && <%= config.bin %> exp run --queue -S train.lr=0.1',
    '<%= config.bin %> exp run --run-all -j 2',
    "<%= config.bin %> exp run -j 2 -S 'train.lr=0.01,0.1' -S 'train.epochs=range(10,40,10)' --sort-by acc --sort-order desc",
    "<%= config.bin %> exp run --queue -n lr --sweep random --samples 20 --seed 1 -S 'train.lr=loguniform(1e-4,1e-1)'",
    "<%= config.bin %> exp run --dry -S 'model=cnn,mlp' -S 'train.lr=range(0.1,0.5,0.1)'",
  ]

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(ExpRun)
    this.setOutput(flags)
    const core = await import('@trellis/core')
    const { mode, reset } = core.expRunMode({
      runAll: flags['run-all'],
      sweep: flags.sweep,
      setParams: flags['set-param'],
      targets: argv as string[],
      name: flags.name,
      rev: flags.rev,
      reset: flags.reset,
      queue: flags.queue,
      temp: flags.temp,
    })
    const project = await this.openProject()
    if (flags.reset) this.info('Any existing checkpoints will be reset and re-run.')
    const lockOptions = {
      onWait: (owner: { pid?: number; cmd?: string } | undefined) =>
        this.warning(`waiting for the project lock held by process ${owner?.pid ?? '?'} (${owner?.cmd ?? 'unknown'})`),
    }
    const options = {
      ...reproOptions(flags),
      targets: argv as string[],
      name: flags.name,
      log: this.info,
      setParams: flags['set-param'],
      reset,
      onWarning: this.warning,
      lockOptions,
    }
    if (mode === 'run-all') return this.runAll(project, flags.jobs)
    if (mode === 'sweep') return this.sweep(project, { ...options, rev: flags.rev }, flags)
    if (mode === 'queue') {
      const { entry, warnings } = await core.queueExperiment(project, { ...options, rev: flags.rev, jobs: 1 })
      warnings.forEach((w) => this.warning(w))
      this.info(`Queued experiment '${entry.id.slice(0, 7)}' for future execution.`)
      return
    }
    if (mode === 'temp') {
      const { run, warnings } = await core.runExperimentInTemp(project, {
        ...options,
        rev: flags.rev,
        jobs: 1,
        onEvent: (event) => {
          if (event.type === 'log') this.info(event.line)
          else if (event.type === 'warning') this.warning(event.message)
        },
      })
      warnings.forEach((w) => this.warning(w))
      const error = core.tempRunError(run)
      if (error) throw error
      const result = run.succeeded[0]?.result
      if (!result) {
        this.info('Nothing changed: no experiment was created (the run matches the baseline).')
        return
      }
      this.info(`\nReproduced experiment(s): ${result.name}${result.reused ? ' (identical to the existing experiment, reused)' : ''}`)
      this.info('Your workspace was not changed.')
      this.info(`\nCompare:          trellis exp show   |   trellis exp diff HEAD ${result.name}`)
      this.info(`Apply it:         trellis exp apply ${result.name}`)
      return
    }
    const bar = progressBar('Hashing', { quiet: this.quiet })
    let result: Awaited<ReturnType<typeof core.runExperiment>>
    try {
      result = await core.runExperiment(project, { ...options, onHashProgress: bar.update })
    } finally {
      bar.stop()
    }
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

  private async runAll(project: Project, jobs: number): Promise<void> {
    const core = await import('@trellis/core')
    const queued = (await core.listQueue(project)).filter((e) => e.state === 'queued')
    if (queued.length === 0) {
      this.info('No queued experiments to run (trellis queue status lists the queue).')
      return
    }
    this.info(`Running ${queued.length} queued experiment(s), ${jobs} at a time; logs: trellis queue logs <entry>`)
    const bar = progressBar('Running experiments', { quiet: this.quiet, unit: 'experiments' })
    const progress = tapQueueProgress(project, { info: this.info, warning: this.warning }, { bar, total: queued.length })
    let result: RunQueueResult
    try {
      result = await core.runQueue(project, { jobs, onEvent: progress.onEvent })
    } finally {
      bar.stop()
    }
    progress.flush()
    this.queueSummary(result)
    const error = core.queueRunError(result)
    if (error) throw error
  }

  private queueSummary(result: RunQueueResult): void {
    const parts = [`${result.succeeded.length} reproduced`]
    if (result.failed.length) parts.push(`${result.failed.length} failed (kept in the queue)`)
    if (result.left.length) parts.push(`${result.left.length} left in the queue`)
    this.info(`\nQueue run: ${parts.join(', ')}.`)
    const made = result.succeeded.filter((e) => e.result).map((e) => e.result!.name)
    if (made.length) this.info(`Reproduced experiment(s): ${made.join(', ')}\nCompare: trellis exp show   |   apply one: trellis exp apply <name>`)
  }

  /** A sweep: plan (and check) every combination, then print it (--dry), queue it (--queue) or queue and run it now. */
  private async sweep(project: Project, options: SweepOptions, flags: SweepFlags): Promise<void> {
    const core = await import('@trellis/core')
    const plan = await core.planSweep(project, {
      ...options,
      mode: flags.sweep as 'grid' | 'random' | undefined,
      samples: flags.samples,
      seed: flags.seed,
      maxRuns: flags['max-runs'],
    })
    const count = plan.combinations.length
    if (plan.seed !== undefined) this.info(`Random sweep of ${count} experiment(s), seed ${plan.seed} (--seed ${plan.seed} draws the same ones).`)
    if (flags.dry) {
      if (!this.quiet) process.stdout.write(core.renderSweepPlan(plan))
      this.info(`\n${count} experiment(s); nothing was queued or run (--dry).`)
      return
    }
    const queued = (entries: QueueEntry[]) => {
      entries.forEach((entry, i) => {
        this.info(`Queueing with overrides '${plan.combinations[i].setParams.join(' ')}'.`)
        this.info(`Queued experiment '${entry.name ?? entry.id.slice(0, 7)}' for future execution.`)
      })
    }
    if (flags.queue) {
      const { entries, warnings } = await core.queueSweep(project, plan, { ...options, jobs: 1 })
      warnings.forEach((w) => this.warning(w))
      queued(entries)
      this.info(`\nSweep ${plan.id}: ${count} experiment(s) queued. Run them: trellis exp run --run-all -j N; then: trellis exp show --sweep ${plan.id}`)
      return
    }
    const bar = progressBar('Running experiments', { quiet: this.quiet, unit: 'experiments' })
    const progress = tapQueueProgress(project, { info: this.info, warning: this.warning }, { bar, total: count })
    const { run } = await core.runSweep(project, plan, {
      ...options,
      jobs: flags.jobs,
      onQueued: (entries, warnings) => {
        warnings.forEach((w) => this.warning(w))
        queued(entries)
        this.info(`Running sweep ${plan.id}: ${count} experiment(s), ${flags.jobs} at a time, in temporary workspaces; logs: trellis queue logs <entry>`)
      },
      onEvent: progress.onEvent,
    }).finally(() => bar.stop())
    progress.flush()
    this.queueSummary(run)
    if (!this.quiet) {
      process.stdout.write(`\nSweep ${plan.id}:\n`)
      const sortOrder = flags['sort-order'] as 'asc' | 'desc'
      process.stdout.write(await core.renderSweepSummary(project, plan.id, { keys: plan.keys, sortBy: flags['sort-by'], sortOrder, onWarning: this.warning }))
      process.stdout.write(`\nAgain later: trellis exp show --sweep ${plan.id}${flags['sort-by'] ? ` --sort-by ${flags['sort-by']} --sort-order ${flags['sort-order']}` : ''}\n`)
    }
    const error = core.queueRunError(run)
    if (error) throw error
  }
}

interface SweepFlags {
  sweep?: string
  samples?: number
  seed?: string
  'max-runs': number
  'sort-by'?: string
  'sort-order': string
  dry: boolean
  queue: boolean
  jobs: number
}
