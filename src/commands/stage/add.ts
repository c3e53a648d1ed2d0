import { Flags } from '@oclif/core'
import { TrellisCommand } from '../../base-command.js'

const many = (char: string | undefined, description: string) =>
  Flags.string({ ...(char ? { char: char as 'd' } : {}), multiple: true, multipleNonGreedy: true, description, helpValue: '<path>' })

export default class StageAdd extends TrellisCommand {
  static override summary = 'Add a stage to the dvc.yaml of the current directory.'
  static override description = `Writes the stage as DVC does (keys desc, cmd, wdir, deps, params, outs, metrics, plots, always_changed; deps and outputs sorted) and keeps the rest of dvc.yaml as it is, comments included. The pipeline is checked as repro checks it (name clash, duplicate or overlapping outputs, cycles) before anything is written. Put the command after the flags; use -- before a command that has options of its own.`
  static override strict = false
  static override flags = {
    name: Flags.string({ char: 'n', required: true, description: 'Name of the stage.' }),
    deps: many('d', 'A dependency (repeatable).'),
    params: Flags.string({ char: 'p', multiple: true, multipleNonGreedy: true, description: 'Params: key1,key2 or file.yaml:key1,key2 (repeatable).', helpValue: '[<file>:]<keys>' }),
    outs: many('o', 'An output, cached (repeatable).'),
    'outs-no-cache': many('O', 'An output not put into the cache (repeatable).'),
    'outs-persist': many(undefined, 'An output kept between runs (repeatable).'),
    'outs-persist-no-cache': many(undefined, 'An output kept between runs, not cached (repeatable).'),
    metrics: many('m', 'A metrics file, cached (repeatable).'),
    'metrics-no-cache': many('M', 'A metrics file, not cached (repeatable).'),
    plots: many(undefined, 'A plots file, cached (repeatable).'),
    'plots-no-cache': many(undefined, 'A plots file, not cached (repeatable).'),
    wdir: Flags.string({ char: 'w', description: 'Directory to run the command in.', helpValue: '<path>' }),
    'always-changed': Flags.boolean({ description: 'Always consider the stage changed.' }),
    desc: Flags.string({ description: 'A description of the stage.', helpValue: '<text>' }),
    force: Flags.boolean({ char: 'f', description: 'Overwrite a stage of the same name.' }),
    run: Flags.boolean({ description: 'Run the stage once it is added (and record it in dvc.lock).' }),
  }
  static override examples = [
    '<%= config.bin %> stage add -n train -d train.py -d data.csv -p train.lr -o model.pkl -M metrics.json python train.py',
    '<%= config.bin %> stage add -n prep -o out -- python prep.py --fast',
  ]

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(StageAdd)
    this.setOutput(flags)
    const project = await this.openProject()
    const { addStage, reproduceLocked } = await import('@trellis/core')
    const words = argv as string[]
    const result = await addStage(project, {
      name: flags.name,
      cmd: parseCmd(words),
      deps: flags.deps,
      params: flags.params,
      outs: flags.outs,
      outsNoCache: flags['outs-no-cache'],
      outsPersist: flags['outs-persist'],
      outsPersistNoCache: flags['outs-persist-no-cache'],
      metrics: flags.metrics,
      metricsNoCache: flags['metrics-no-cache'],
      plots: flags.plots,
      plotsNoCache: flags['plots-no-cache'],
      wdir: flags.wdir,
      alwaysChanged: flags['always-changed'],
      desc: flags.desc,
      force: flags.force,
      cwd: process.cwd(),
    })
    this.info(`Added stage '${flags.name}' in '${result.dvcfile}'`)
    if (flags.run) await reproduceLocked(project, { targets: [result.address], singleItem: true, force: true, log: this.info })
    this.info(`\nTo track the changes with git, run:\n\n\tgit add ${flags.run ? `${result.dvcfile} ${result.dvcfile.replace(/yaml$/, 'lock')}` : result.dvcfile}`)
  }
}

/** DVC's `parse_cmd`: one word as is; several words joined, a word with a space (and no `"`) double-quoted. */
function parseCmd(words: string[]): string {
  if (words.length < 2) return words.join(' ')
  return words.map((w) => (!w ? '""' : w.includes(' ') && !w.includes('"') ? `"${w}"` : w)).join(' ')
}
