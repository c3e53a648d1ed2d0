/**
 * A DAG drawn as text, the way DVC's `dag` looks: every node a box
 * (`+------+` / `| name |`), layers top to bottom (a node sits one layer below its deepest
 * dependency), edges drawn with `*` from the bottom of a box to the top of the next.
 * Layers are ordered to keep children under their parents (barycentre of the parents).
 */
import type { Graph } from './pipeline-graph.js'

const GAP_X = 4
const GAP_Y = 3

class Canvas {
  private readonly rows: string[][]
  constructor(readonly width: number, readonly height: number) {
    this.rows = Array.from({ length: height }, () => Array<string>(width).fill(' '))
  }

  put(x: number, y: number, c: string): void {
    if (y >= 0 && y < this.height && x >= 0 && x < this.width) this.rows[y][x] = c
  }

  /** `*` along the line, one per step of the longer axis (DVC's AsciiCanvas.line). */
  line(x0: number, y0: number, x1: number, y1: number): void {
    const dx = x1 - x0
    const dy = y1 - y0
    const steps = Math.max(Math.abs(dx), Math.abs(dy))
    for (let i = 0; i <= steps; i++) {
      const t = steps === 0 ? 0 : i / steps
      this.put(Math.round(x0 + dx * t), Math.round(y0 + dy * t), '*')
    }
  }

  box(x: number, y: number, label: string): void {
    const w = label.length + 4
    for (let i = 0; i < w; i++) {
      this.put(x + i, y, i === 0 || i === w - 1 ? '+' : '-')
      this.put(x + i, y + 2, i === 0 || i === w - 1 ? '+' : '-')
    }
    this.put(x, y + 1, '|')
    for (let i = 0; i < w - 2; i++) this.put(x + 1 + i, y + 1, ` ${label} `[i])
    this.put(x + w - 1, y + 1, '|')
  }

  toString(): string {
    return this.rows.map((r) => r.join('').trimEnd()).join('\n')
  }
}

function layers(graph: Graph): string[][] {
  const depth = new Map<string, number>()
  const parents = new Map<string, string[]>(graph.nodes.map((n) => [n, []]))
  for (const [from, to] of graph.edges) parents.get(to)?.push(from)
  const depthOf = (node: string, seen: Set<string>): number => {
    const known = depth.get(node)
    if (known !== undefined) return known
    seen.add(node)
    let d = 0
    for (const p of parents.get(node) ?? []) if (!seen.has(p)) d = Math.max(d, depthOf(p, seen) + 1)
    depth.set(node, d)
    return d
  }
  for (const node of graph.nodes) depthOf(node, new Set())
  const out: string[][] = []
  for (const node of graph.nodes) (out[depth.get(node)!] ??= []).push(node)
  // order each layer by the mean position of its parents in the layer above
  for (let i = 1; i < out.length; i++) {
    const position = new Map<string, number>()
    out.slice(0, i).forEach((layer) => layer.forEach((n, k) => position.set(n, k)))
    const score = (n: string) => {
      const ps = (parents.get(n) ?? []).map((p) => position.get(p) ?? 0)
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0
    }
    out[i] = (out[i] ?? []).map((n, k) => ({ n, k, s: score(n) })).sort((a, b) => a.s - b.s || a.k - b.k).map((e) => e.n)
  }
  return out.filter(Boolean)
}

export function asciiDag(graph: Graph): string {
  if (graph.nodes.length === 0) return ''
  const rows = layers(graph)
  const widthOf = (layer: string[]) => layer.reduce((w, n) => w + n.length + 4, 0) + GAP_X * (layer.length - 1)
  const width = Math.max(...rows.map(widthOf))
  const at = new Map<string, { x: number; y: number; w: number }>()
  rows.forEach((layer, i) => {
    let x = Math.floor((width - widthOf(layer)) / 2)
    for (const node of layer) {
      at.set(node, { x, y: i * (3 + GAP_Y), w: node.length + 4 })
      x += node.length + 4 + GAP_X
    }
  })
  const canvas = new Canvas(width, rows.length * (3 + GAP_Y) - GAP_Y)
  for (const [from, to] of graph.edges) {
    const a = at.get(from)
    const b = at.get(to)
    if (!a || !b) continue
    canvas.line(a.x + Math.floor(a.w / 2), a.y + 3, b.x + Math.floor(b.w / 2), b.y - 1)
  }
  for (const [node, { x, y }] of at) canvas.box(x, y, node)
  return `${canvas.toString()}\n`
}
