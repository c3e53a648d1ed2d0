import { Args, Flags } from '@oclif/core'
import { relative } from 'node:path'
import { TrellisCommand } from '../../base-command.js'

export default class PlotsTemplates extends TrellisCommand {
  static override summary = 'List the built-in plot templates, print one, or write them out.'
  static override description = `Without -o: the template names, or the JSON of the one named. With -o DIR: writes
<DIR>/<name>.json for the named template or for all of them (e.g. -o .dvc/plots to customise
them: templates there take precedence over the built-ins). An existing file with different
content is kept.`
  static override args = { template: Args.string({ description: 'A built-in template name.' }) }
  static override flags = { out: Flags.string({ char: 'o', description: 'Write the template(s) into this directory.' }) }

  async run(): Promise<void> {
    const { flags, args } = await this.parse(PlotsTemplates)
    this.setOutput(flags)
    const { templateNames, templateText, writeTemplates } = await import('@trellis/core')
    if (!flags.out) {
      process.stdout.write(args.template ? templateText(args.template) : `${templateNames().join('\n')}\n`)
      return
    }
    for (const t of await writeTemplates(flags.out, args.template ? [args.template] : undefined)) {
      const path = relative(process.cwd(), t.path)
      if (t.status === 'kept') this.warning(`'${path}' exists with other content; kept (remove it to recreate it)`)
      else this.info(`${t.status === 'written' ? 'Wrote' : 'Unchanged'} ${path}`)
    }
  }
}
