/** `trellis dag` through the CLI: stages or outputs, a target's ancestors or its whole pipeline, the formats. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const DVC_YAML = `stages:
  prepare:
    cmd: node prepare.js
    deps: [raw.csv]
    outs: [data/train.csv, data/test.csv]
  train:
    cmd: node train.js
    deps: [data/train.csv]
    outs: [model.json]
  evaluate:
    cmd: node evaluate.js
    deps: [model.json, data/test.csv]
    metrics: [metrics.json]
  report:
    cmd: node report.js
    deps: [metrics.json]
    outs: [report.html]
  lint:
    cmd: node lint.js
    outs: [lint.txt]
`

let repo: Repo
beforeAll(() => {
  repo = makeRepo({ 'dvc.yaml': DVC_YAML })
})
afterAll(() => repo?.remove())

async function dag(...args: string[]): Promise<string> {
  const r = await repo.run(['dag', ...args])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.stdout
}

describe('trellis dag', () => {
  it('draws every pipeline as ASCII boxes, one after the other', async () => {
    const out = await dag()
    const names = [...out.matchAll(/\| (\S+) \|/g)].map((m) => m[1])
    expect(names).toEqual(['prepare', 'train', 'evaluate', 'report', 'lint'])
    expect(out).toContain('*')
    expect(out.endsWith('+------+\n| lint |\n+------+\n')).toBe(true)
  })

  it('a target: its ancestors; --full: its whole pipeline', async () => {
    expect(await dag('train', '--mermaid')).toBe('flowchart TD\n\tnode1["prepare"]\n\tnode2["train"]\n\tnode1-->node2\n')
    expect(await dag('train', '--full', '--dot')).toBe(
      'strict digraph  {\n"prepare";\n"train";\n"evaluate";\n"report";\n"prepare" -> "train";\n"train" -> "evaluate";\n"prepare" -> "evaluate";\n"evaluate" -> "report";\n}\n',
    )
    expect(await dag('model.json', '--md')).toBe('```mermaid\nflowchart TD\n\tnode1["prepare"]\n\tnode2["train"]\n\tnode1-->node2\n```\n')
  })

  it('--outs: outputs joined through the stages that read them', async () => {
    expect(await dag('--outs', '--mermaid', 'evaluate')).toBe(
      'flowchart TD\n\tnode1["data/test.csv"]\n\tnode2["data/train.csv"]\n\tnode3["metrics.json"]\n\tnode4["model.json"]\n\tnode1-->node3\n\tnode2-->node4\n\tnode4-->node3\n',
    )
  })

  it('an unknown target is one ERROR', async () => {
    const r = await repo.run(['dag', 'nope'])
    expect(r.code).toBe(1)
    expect(r.stderr.split('\n')[0]).toBe("ERROR: 'nope' is neither a stage nor an output of the pipeline")
  })
})
