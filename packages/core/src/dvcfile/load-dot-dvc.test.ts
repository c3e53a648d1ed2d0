import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadYaml } from '../util/yaml.js'
import { loadDotDvc, parseDotDvc, readDotDvcFile, updateDotDvcHashes } from './load-dot-dvc.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'trellis-dotdvc-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true })
  await writeFile(join(root, path), text)
}

// the shape of example-get-started's data/data.xml.dvc (a frozen import)
const IMPORT = `md5: 1a2b3c4d5e6f70819202122232425262
frozen: true
deps:
- path: get-started/data.xml
  repo:
    url: https://github.com/iterative/dataset-registry
    rev_lock: f31f5c4cdae787b4bdeb97a717687d44667d9e62
outs:
- md5: 22A1A2931C8370D3AEEDD7183606FD7F
  size: 14445097
  path: data.xml
`

describe('loadDotDvc', () => {
  it('loads a dvc add data source: name = path, outs with recorded hashes and flags', async () => {
    await write('data/raw.dvc', 'outs:\n- md5: 4c18c474509251c27acbe2ae64d64a81.dir\n  size: 6\n  nfiles: 2\n  path: raw\n  desc: the raw data\n  cache: false\n')
    const stage = await loadDotDvc(root, 'data/raw.dvc')
    expect(stage).toMatchObject({
      kind: 'single',
      name: 'data/raw.dvc',
      dvcfile: 'data/raw.dvc',
      address: 'data/raw.dvc',
      wdir: 'data',
      deps: [],
      params: [],
      frozen: false,
      alwaysChanged: false,
    })
    expect(stage.cmd).toBeUndefined()
    expect(stage.md5).toBeUndefined()
    expect(stage.outs).toEqual([
      {
        pathAsWritten: 'raw',
        path: 'data/raw',
        cache: false,
        persist: false,
        checkpoint: false,
        metric: false,
        plot: false,
        desc: 'the raw data',
        hash: { md5: '4c18c474509251c27acbe2ae64d64a81.dir', size: 6, nfiles: 2 },
      },
    ])
  })

  it('loads a frozen import: stage md5 kept, repo dep kept as written, md5 lower-cased', async () => {
    await write('data/data.xml.dvc', IMPORT)
    const stage = await loadDotDvc(root, 'data/data.xml.dvc')
    expect(stage.md5).toBe('1a2b3c4d5e6f70819202122232425262')
    expect(stage.frozen).toBe(true)
    expect(stage.deps).toEqual([
      {
        pathAsWritten: 'get-started/data.xml',
        path: 'get-started/data.xml',
        repo: { url: 'https://github.com/iterative/dataset-registry', rev_lock: 'f31f5c4cdae787b4bdeb97a717687d44667d9e62' },
      },
    ])
    expect(stage.outs[0].path).toBe('data/data.xml')
    expect(stage.outs[0].hash).toEqual({ md5: '22a1a2931c8370d3aeedd7183606fd7f', size: 14445097 })
  })

  it('loads legacy single-stage pipelines (cmd, wdir, metric flag, locked)', () => {
    const { stage } = parseDotDvc(
      'cmd: python eval.py\nwdir: ..\nlocked: true\ndeps:\n- path: model.pkl\n  md5: abc\nouts:\n- path: m.json\n  metric: true\n  cache: false\n',
      'sub/eval.dvc',
    )
    expect(stage).toMatchObject({ cmd: 'python eval.py', wdir: '', frozen: true })
    expect(stage.deps[0]).toEqual({ pathAsWritten: 'model.pkl', path: 'model.pkl', hash: { md5: 'abc' } })
    expect(stage.outs[0]).toMatchObject({ path: 'm.json', metric: true, cache: false })
  })

  it('rejects unknown keys, wrong types and paths outside the repository', () => {
    expect(() => parseDotDvc('outs:\n- path: a\n  cach: false\n', 'a.dvc')).toThrow(
      "'a.dvc' validation failed: extra keys not allowed, in outs -> 0 -> cach, line 3",
    )
    expect(() => parseDotDvc('frozen: maybe\nouts:\n- path: a\n', 'a.dvc')).toThrow(
      "'a.dvc' validation failed: expected bool, in frozen, line 1",
    )
    expect(() => parseDotDvc('outs:\n- md5: abc\n', 'a.dvc')).toThrow(
      "'a.dvc' validation failed: required key not provided, in outs -> 0 -> path, line 2",
    )
    expect(() => parseDotDvc('outs:\n- path: ../../x\n', 'sub/a.dvc')).toThrow(
      "output '../../x' of 'sub/a.dvc', line 2 is outside the repository",
    )
  })

  it('rewrites recorded hashes in DVC key order, keeping the rest', async () => {
    await write('data.dvc', 'outs:\n- path: data\n  desc: keep me\n  md5: old\n')
    const { data } = await readDotDvcFile(root, 'data.dvc')
    const text = updateDotDvcHashes(data, new Map([['data', { md5: 'd751713988987e9331980363e24189ce.dir', size: 0, nfiles: 0 }]]))
    expect(text).toBe('outs:\n- md5: d751713988987e9331980363e24189ce.dir\n  size: 0\n  nfiles: 0\n  path: data\n  desc: keep me\n')
    expect(loadYaml(text, 'data.dvc').data).toBeTruthy()
  })
})
