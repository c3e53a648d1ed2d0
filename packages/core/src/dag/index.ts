/** `trellis dag`: the pipeline graph as ASCII, dot or Mermaid. */
export { pipelineGraph, components, type Graph, type GraphOptions } from './pipeline-graph.js'
export { dagAscii, dagDot, dagMermaid, dagMarkdown } from './dag-text.js'
export { asciiDag } from './ascii-dag.js'
