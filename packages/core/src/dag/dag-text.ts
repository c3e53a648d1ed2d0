/**
 * `trellis dag` output formats: Graphviz dot, Mermaid (`flowchart TD`, nodes `nodeN["name"]`
 * numbered in sorted order, then the edges sorted), Mermaid in a Markdown fence, and the
 * default ASCII drawing (ascii-dag.ts).
 */
import { asciiDag } from './ascii-dag.js'
import { components, type Graph } from './pipeline-graph.js'

function quote(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function dagDot(graph: Graph): string {
  const lines = ['strict digraph  {']
  for (const node of graph.nodes) lines.push(`${quote(node)};`)
  for (const [from, to] of graph.edges) lines.push(`${quote(from)} -> ${quote(to)};`)
  lines.push('}')
  return `${lines.join('\n')}\n`
}

export function dagMermaid(graph: Graph): string {
  const sorted = [...graph.nodes].sort()
  const ids = new Map(sorted.map((n, i) => [n, `node${i + 1}`]))
  const lines = ['flowchart TD']
  for (const node of sorted) lines.push(`\t${ids.get(node)}["${node.replace(/"/g, '#quot;')}"]`)
  const edges = graph.edges.map(([a, b]) => `\t${ids.get(a)}-->${ids.get(b)}`).sort()
  lines.push(...[...new Set(edges)])
  return `${lines.join('\n')}\n`
}

export function dagMarkdown(graph: Graph): string {
  return `\`\`\`mermaid\n${dagMermaid(graph)}\`\`\`\n`
}

export function dagAscii(graph: Graph): string {
  return components(graph)
    .map((part) => asciiDag(part))
    .join('\n')
}
