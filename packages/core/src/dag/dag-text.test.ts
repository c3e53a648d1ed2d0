import { describe, expect, it } from 'vitest'
import { asciiDag } from './ascii-dag.js'
import { dagAscii, dagDot, dagMarkdown, dagMermaid } from './dag-text.js'

const graph = { nodes: ['prepare', 'train', 'evaluate'], edges: [['prepare', 'train'], ['train', 'evaluate'], ['prepare', 'evaluate']] as Array<[string, string]> }

describe('dag formats', () => {
  it('draws boxes in layers joined by stars', () => {
    expect(asciiDag({ nodes: ['prepare', 'train'], edges: [['prepare', 'train']] })).toBe(
      ['+---------+', '| prepare |', '+---------+', '     *', '     *', '     *', ' +-------+', ' | train |', ' +-------+', ''].join('\n'),
    )
  })

  it('draws separate pipelines one after the other', () => {
    expect(dagAscii({ nodes: ['a', 'b'], edges: [] })).toBe('+---+\n| a |\n+---+\n\n+---+\n| b |\n+---+\n')
  })

  it('prints dot and Mermaid as DVC does', () => {
    expect(dagDot(graph)).toBe('strict digraph  {\n"prepare";\n"train";\n"evaluate";\n"prepare" -> "train";\n"train" -> "evaluate";\n"prepare" -> "evaluate";\n}\n')
    expect(dagMermaid(graph)).toBe('flowchart TD\n\tnode1["evaluate"]\n\tnode2["prepare"]\n\tnode3["train"]\n\tnode2-->node1\n\tnode2-->node3\n\tnode3-->node1\n')
    expect(dagMarkdown(graph)).toBe(`\`\`\`mermaid\n${dagMermaid(graph)}\`\`\`\n`)
  })
})
