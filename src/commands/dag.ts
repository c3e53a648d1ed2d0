import { Args, Flags } from '@oclif/core'
import { TrellisCommand } from '../base-command.js'

export default class Dag extends TrellisCommand {
  static override summary = 'Show the pipeline as a graph: ASCII (default), Graphviz dot or Mermaid.'
  static override description = `Nodes are stages (or, with --outs, their outputs); an edge goes from what is produced
to what depends on it. With a target (a stage or an output), the target and the stages it
depends on; --full: the whole pipeline the target belongs to. Separate pipelines are drawn
one after the other.`
  static override args = { target: Args.string({ description: 'A stage or output whose pipeline to show.' }) }
  static override flags = {
    dot: Flags.boolean({ description: 'Print the graph in Graphviz dot.', exclusive: ['mermaid', 'md'] }),
    mermaid: Flags.boolean({ description: 'Print the graph as a Mermaid flowchart.', exclusive: ['md'] }),
    md: Flags.boolean({ description: 'Print the Mermaid flowchart in a Markdown code fence.' }),
    full: Flags.boolean({ description: 'With a target: the whole pipeline it belongs to, not only its ancestors.' }),
    outs: Flags.boolean({ char: 'o', description: 'Show outputs instead of stages.' }),
  }
  static override examples = ['<%= config.bin %> dag', '<%= config.bin %> dag train --outs', '<%= config.bin %> dag --mermaid']

  async run(): Promise<void> {
    const { flags, args } = await this.parse(Dag)
    this.setOutput(flags)
    const project = await this.openProject()
    const { PipelineIndex, pipelineGraph, dagAscii, dagDot, dagMermaid, dagMarkdown } = await import('@trellis/core')
    const index = await PipelineIndex.load(project.root)
    const graph = pipelineGraph(index, { target: args.target, outs: flags.outs, full: flags.full })
    const render = flags.dot ? dagDot : flags.mermaid ? dagMermaid : flags.md ? dagMarkdown : dagAscii
    process.stdout.write(render(graph))
  }
}
