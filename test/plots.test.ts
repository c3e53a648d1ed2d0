/**
 * `trellis plots show|diff|templates|modify` through the CLI on the example ML pipeline
 * (test/support/plots-project.ts) with two experiments run by the CLI: the --json document
 * per plot id, revisions read from git (a cached plot from the DVC cache), images, targets,
 * custom templates, bad input, checkpoints, and an out directory that is never partial.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeRepo, type Repo } from './support/repo.js'
import { makePlotsProject, PLOT_IDS } from './support/plots-project.js'

type Entry = { type: string; revisions: string[]; content?: { data: { values: Array<Record<string, unknown>> } } & Record<string, unknown>; url?: string }
type PlotsJson = { data: Record<string, Entry[]>; errors?: Array<{ name?: string; rev: string; source?: string; type: string; msg: string }> }

let repo: Repo
const extra: Repo[] = []
beforeAll(async () => {
  repo = await makePlotsProject()
})
afterAll(() => {
  repo?.remove()
  extra.splice(0).forEach((r) => r.remove())
})

async function plotsJson(r: Repo, args: string[]): Promise<PlotsJson> {
  const result = await r.run(['plots', ...args, '--json'])
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as PlotsJson
}

describe('plots diff --json on the example pipeline', () => {
  it('has every plot id, each with both experiments, datapoints carrying rev and filename', async () => {
    const doc = await plotsJson(repo, ['diff', 'fast', 'slow'])
    expect(Object.keys(doc.data)).toEqual(PLOT_IDS)
    expect(doc.errors).toBeUndefined()
    for (const id of PLOT_IDS.filter((i) => i !== 'plots/importance.png')) {
      const [entry] = doc.data[id]
      expect(entry.type).toBe('vega')
      expect(entry.revisions).toEqual(['fast', 'slow'])
      const values = entry.content!.data.values
      expect(values.length).toBeGreaterThan(0)
      for (const rev of ['fast', 'slow']) expect(values.some((v) => String(v.rev).startsWith(rev))).toBe(true)
      for (const v of values) expect(typeof v.filename).toBe('string')
    }
  })

  it('fills the templates: step when no x, the y field, confusion facets, multi-file ROC', async () => {
    const doc = await plotsJson(repo, ['diff', 'fast', 'slow'])
    const loss = doc.data['plots/loss.csv'][0].content!
    expect(loss.title).toBe('Training loss')
    const lossLayer = (loss.layer as Array<{ encoding: { x: { field: string }; y: { field: string } } }>)[0]
    expect(lossLayer.encoding.x.field).toBe('step')
    expect(lossLayer.encoding.y.field).toBe('loss')
    const fastLoss = loss.data.values.filter((v) => v.rev === 'fast')
    expect(fastLoss.map((v) => v.step)).toEqual([...Array(30).keys()])
    expect(fastLoss[0]).toMatchObject({ epoch: '0', filename: 'plots/loss.csv', field: 'loss' })

    const confusion = doc.data['eval/confusion.csv'][0].content!
    expect(confusion.facet).toEqual({ field: 'rev', type: 'nominal' })
    expect(JSON.stringify(confusion)).not.toContain('<DVC_METRIC')

    const roc = doc.data.ROC[0].content!
    const files = new Set(roc.data.values.map((v) => v.filename))
    expect(files).toEqual(new Set(['eval/roc_train.json', 'eval/roc_test.json']))
    expect(new Set(roc.data.values.map((v) => v.rev))).toEqual(new Set(['fast::eval/roc_train.json', 'fast::eval/roc_test.json', 'slow::eval/roc_train.json', 'slow::eval/roc_test.json']))

    // eval/prc.json is a cached output: absent from the experiments' trees, read from the DVC cache
    expect(repo.git('ls-tree', '-r', '--name-only', 'refs/exps/' + repo.git('for-each-ref', '--format=%(refname:lstrip=2)', 'refs/exps').split('\n')[0])).not.toContain('eval/prc.json')
    expect(doc.data['eval/prc.json'][0].content!.data.values.filter((v) => v.rev === 'slow')).toHaveLength(21)
  })

  it('writes one image per revision and points --json at it', async () => {
    const doc = await plotsJson(repo, ['diff', 'fast', 'slow', '-o', 'out'])
    const images = doc.data['plots/importance.png']
    expect(images.map((e) => [e.type, e.revisions])).toEqual([
      ['image', ['fast']],
      ['image', ['slow']],
    ])
    for (const image of images) expect(readFileSync(image.url!).subarray(1, 4).toString()).toBe('PNG')
    expect(readdirSync(repo.path('out/static')).sort()).toEqual(['fast_plots_importance.png', 'slow_plots_importance.png'])
  })

  it('compares the workspace with HEAD by default, and selects targets', async () => {
    const both = await plotsJson(repo, ['diff', '--targets', 'eval/prc.json'])
    expect(Object.keys(both.data)).toEqual(['eval/prc.json'])
    expect(both.data['eval/prc.json'][0].revisions).toEqual(['HEAD', 'workspace'])
    const show = await plotsJson(repo, ['show', 'ROC', 'eval/scores'])
    expect(Object.keys(show.data)).toEqual(['ROC', 'eval/scores/test.json', 'eval/scores/train.json'])
    expect(show.data.ROC[0].revisions).toEqual(['workspace'])
    // from a subdirectory: paths are relative to it, named ids as they are
    const sub = await repo.run(['plots', 'show', 'ROC', 'prc.json', '--json', '-o', '../dvc_plots'], { cwd: 'eval' })
    expect(sub.code).toBe(0)
    expect(Object.keys((JSON.parse(sub.stdout) as PlotsJson).data)).toEqual(['ROC', 'eval/prc.json'])
  })

  it('writes a self-contained page (vega inlined, no network) and prints its URL', async () => {
    const r = await repo.run(['plots', 'diff', 'fast', 'slow', 'main'])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(`file://${repo.path('dvc_plots/index.html')}`)
    const html = repo.read('dvc_plots/index.html')
    expect(html).toContain('vegaEmbed')
    expect(html).not.toMatch(/<script[^>]+src=|https?:\/\/(cdn|unpkg|jsdelivr)/)
    for (const id of PLOT_IDS) expect(html).toContain(`data-plot-id="${id}"`)
  })

  it('--show-vega prints the one target\'s spec', async () => {
    const r = await repo.run(['plots', 'diff', 'fast', 'slow', '--targets', 'eval/features.json', '--show-vega'])
    expect(r.code).toBe(0)
    const spec = JSON.parse(r.stdout)
    expect(spec.encoding.y).toMatchObject({ field: 'feature', sort: '-x' })
    expect(spec.data.values).toHaveLength(10)
  })

  it('--open prints the path when no browser can be started', async () => {
    const r = await repo.run(['plots', 'show', '--open', '-o', 'opened'], { env: { BROWSER: '/nonexistent/browser' } })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`No browser found; open file://${repo.path('opened/index.html')}`)
  })
})

describe('plots templates', () => {
  it('lists the built-ins, prints one, writes them out, and uses a custom one from .dvc/plots', async () => {
    const list = await repo.run(['plots', 'templates'])
    expect(list.stdout.trim().split('\n')).toEqual(['simple', 'linear', 'confusion', 'confusion_normalized', 'scatter', 'scatter_jitter', 'smooth', 'bar_horizontal_sorted', 'bar_horizontal'])
    const one = JSON.parse((await repo.run(['plots', 'templates', 'simple'])).stdout)
    expect(one.data.values).toBe('<DVC_METRIC_DATA>')

    const r = makeRepo({ 'data.csv': 'a,b\n1,2\n3,4\n' })
    extra.push(r)
    expect((await r.run(['plots', 'templates', '-o', '.dvc/plots'])).code).toBe(0)
    expect(readdirSync(r.path('.dvc/plots')).length).toBe(9)
    r.write('.dvc/plots/mine.json', JSON.stringify({ data: { values: '<DVC_METRIC_DATA>' }, mark: 'bar', encoding: { x: { field: '<DVC_METRIC_X>' }, y: { field: '<DVC_METRIC_Y>' } }, title: 'mine: <DVC_METRIC_TITLE>' }))
    const doc = await plotsJson(r, ['show', 'data.csv', '-t', 'mine', '-x', 'a', '--title', 'T'])
    expect(doc.data['data.csv'][0].content).toMatchObject({ mark: 'bar', title: 'mine: T', encoding: { x: { field: 'a' }, y: { field: 'b' } } })
  })
})

describe('plots modify', () => {
  it('edits the output entry in place, byte for byte elsewhere, and unsets', async () => {
    const text = [
      '# pipeline',
      'stages:',
      '  train:   # trains',
      '    cmd: node t.js',
      '    plots:',
      '      - loss.csv',
      "      - 'acc.csv':",
      '          cache: false   # keep',
      '          y: acc',
      '    outs: [model]',
      '',
    ].join('\n')
    const r = makeRepo({ 'dvc.yaml': text })
    extra.push(r)
    let res = await r.run(['plots', 'modify', 'loss.csv', '-x', 'step', '--title', 'Loss: train'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(r.read('dvc.yaml')).toBe(text.replace('      - loss.csv\n', "      - loss.csv:\n          x: step\n          title: 'Loss: train'\n"))
    res = await r.run(['plots', 'modify', 'acc.csv', '-t', 'simple', '--unset', 'y'])
    expect(res.code).toBe(0)
    expect(r.read('dvc.yaml')).toContain("      - acc.csv:\n          cache: false\n          template: simple\n    outs: [model]\n")
    expect(r.read('dvc.yaml').startsWith('# pipeline\nstages:\n  train:   # trains\n')).toBe(true)
    res = await r.run(['plots', 'modify', 'loss.csv', '--unset', 'x', 'title'])
    expect(r.read('dvc.yaml')).toContain('      - loss.csv\n      - acc.csv:')

    const bad = await r.run(['plots', 'modify', 'nope.csv', '-x', 'a'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^ERROR: Unable to find plot 'nope.csv'/)
  })
})

describe('bad input', () => {
  it('an unknown template given with -t is one ERROR and writes nothing', async () => {
    const r = await repo.run(['plots', 'show', '-t', 'nope', '-o', 'never'])
    expect(r.code).toBe(1)
    expect(r.stderr.split('\n')[0]).toBe("ERROR: Template 'nope' not found.")
    expect(existsSync(repo.path('never'))).toBe(false)
  })

  it('an unknown revision is one ERROR', async () => {
    const r = await repo.run(['plots', 'diff', 'fast', 'no-such-rev'])
    expect(r.code).toBe(1)
    expect(r.stderr.split('\n')[0]).toBe("ERROR: 'no-such-rev' is not an experiment name, ref or git revision")
  })

  it('bad data, a missing field, an unknown template in dvc.yaml: per-plot errors beside the plots that render', async () => {
    const r = makeRepo({
      'dvc.yaml': [
        'plots:',
        '  - good.csv',
        '  - broken.json',
        '  - fields.csv:',
        '      y: nope',
        '  - tmpl.csv:',
        '      template: no_such_template',
        '  - missing.csv',
        '',
      ].join('\n'),
      'good.csv': 'x,y\n1,2\n2,3\n',
      'broken.json': '{"a": [1, 2',
      'fields.csv': 'a,b\n1,2\n',
      'tmpl.csv': 'a,b\n1,2\n',
    })
    extra.push(r)
    const res = await r.run(['plots', 'show', '--json'])
    expect(res.code).toBe(0)
    const doc = JSON.parse(res.stdout) as PlotsJson
    expect(doc.data['good.csv'][0].type).toBe('vega')
    const byName = Object.fromEntries(doc.errors!.map((e) => [e.name, e]))
    expect(byName['broken.json']).toMatchObject({ rev: 'workspace', source: 'broken.json', type: 'PLOT_DATA_INVALID' })
    expect(byName['broken.json'].msg).toMatch(/^unable to read: 'broken.json', JSON file structure is corrupted, line 1/)
    expect(byName['fields.csv'].msg).toBe("Could not find provided field ('nope') in data fields ('a, b') of 'fields.csv' (workspace).")
    expect(byName['tmpl.csv']).toMatchObject({ type: 'PLOT_TEMPLATE_NOT_FOUND', msg: "Template 'no_such_template' not found." })
    expect(byName['missing.csv']).toMatchObject({ type: 'PLOT_NOT_FOUND', msg: "'missing.csv' does not exist in workspace" })

    const text = await r.run(['plots', 'show'])
    expect(text.code).toBe(0)
    expect(text.stderr).toContain("WARNING: plot 'fields.csv' (workspace): Could not find provided field ('nope')")
  })

  it('nothing rendered: one ERROR, exit 1, and the previous page left as it was', async () => {
    const r = makeRepo({ 'dvc.yaml': 'plots:\n  - data.txt\n', 'data.txt': 'x' })
    extra.push(r)
    r.write('dvc_plots/index.html', 'previous')
    const res = await r.run(['plots', 'show'])
    expect(res.code).toBe(1)
    expect(res.stderr.split('\n')[0]).toBe("ERROR: plot 'data.txt': 'data.txt' - file type error. Only JSON, YAML, CSV and TSV formats are supported.")
    expect(r.read('dvc_plots/index.html')).toBe('previous')
    expect(readdirSync(r.dir).filter((f) => f.includes('dvc_plots'))).toEqual(['dvc_plots'])
  })

  it('an HTML template without {plot_divs} is an ERROR', async () => {
    repo.write('bad.html', '<html></html>')
    const res = await repo.run(['plots', 'show', '--html-template', 'bad.html', '-o', 'never2'])
    expect(res.code).toBe(1)
    expect(res.stderr.split('\n')[0]).toBe("ERROR: HTML template 'bad.html' has no '{plot_divs}' placeholder")
    expect(existsSync(repo.path('never2'))).toBe(false)
    repo.write('good.html', '<html><body><h1>Mine</h1>{plot_divs}</body></html>')
    expect((await repo.run(['plots', 'show', '--html-template', 'good.html', '-o', 'custom'])).code).toBe(0)
    expect(repo.read('custom/index.html')).toMatch(/^<html><body><h1>Mine<\/h1><div class="plots">/)
  })
})

describe('plots diff --checkpoints', () => {
  it('plots a metric over the checkpoints of a checkpoint experiment, step = checkpoint index', async () => {
    const signal = `import { existsSync, writeFileSync } from 'node:fs'
for (let i = 1; i <= 4; i++) {
  writeFileSync('model.txt', String(i))
  writeFileSync('metrics.json', JSON.stringify({ loss: 1 / i, nested: { acc: i / 4 } }))
  const flag = process.env.DVC_ROOT + '/.dvc/tmp/DVC_CHECKPOINT'
  writeFileSync(flag, '')
  while (existsSync(flag)) await new Promise((r) => setTimeout(r, 10))
}
`
    const r = makeRepo({
      'train.mjs': signal,
      'dvc.yaml': 'stages:\n  train:\n    cmd: node train.mjs\n    outs:\n      - model.txt:\n          checkpoint: true\n    metrics:\n      - metrics.json:\n          cache: false\n',
      'metrics.json': '{"loss": 2, "nested": {"acc": 0}}',
    })
    extra.push(r)
    const run = await r.run(['exp', 'run', '-n', 'long'])
    expect(run.code).toBe(0)
    const doc = await plotsJson(r, ['diff', 'main', 'long', '--checkpoints'])
    const [entry] = doc.data['checkpoints:metrics.json']
    expect(entry.revisions).toEqual(['main', 'long'])
    const long = entry.content!.data.values.filter((v) => String(v.rev).startsWith('long') && v.field === 'loss')
    expect(long.map((v) => [v.step, v.loss])).toEqual([
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
      [3, 0.25],
    ])
    expect(entry.content!.data.values.filter((v) => String(v.rev).startsWith('main'))).toHaveLength(2)
  })
})
