import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PyFloat } from '../../util/python-json.js'
import type { RevData } from './rev-data.js'
import { RevDataCache, revDataCachePath } from './rev-data-cache.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-revcache-'))
  dirs.push(dir)
  return dir
}

const SHA = 'a'.repeat(40)
const DATA: RevData = {
  params: { 'params.yaml': { data: { lr: new PyFloat(1), epochs: 10, tags: ['a', 'b'], nan: NaN } } },
  paramDeps: { 'params.yaml': ['lr'] },
  vars: {},
  metrics: { 'm.json': { error: { type: 'JSONFileCorruptedError', msg: 'broken' } } },
}

describe('RevDataCache', () => {
  it('round-trips commits and data through its file, Python floats included', async () => {
    const file = revDataCachePath(join(tmp(), '.dvc', 'tmp'))
    expect(file).toMatch(/\.dvc\/tmp\/exps\/trellis\/rev-data\.v1\.json$/)
    const cache = await RevDataCache.load(file, 'scope-1')
    cache.putCommit(SHA, { timestamp: 1627922894, parents: ['b'.repeat(40)] })
    cache.putData(SHA, DATA)
    await cache.save()
    // native JSON, with the values JSON cannot carry tagged
    expect(JSON.parse(readFileSync(file, 'utf8')).commits[SHA].d.params['params.yaml'].data).toEqual({ lr: '\u0000f1', epochs: 10, tags: ['a', 'b'], nan: '\u0000n' })

    const again = await RevDataCache.load(file, 'scope-1')
    expect(again.commit(SHA)).toEqual({ timestamp: 1627922894, parents: ['b'.repeat(40)] })
    const data = again.data(SHA)!
    expect(data.params['params.yaml'].data).toEqual({ lr: new PyFloat(1), epochs: 10, tags: ['a', 'b'], nan: NaN })
    expect((data.params['params.yaml'].data as { lr: unknown }).lr).toBeInstanceOf(PyFloat)
    expect(data.metrics).toEqual(DATA.metrics)
    expect(data.paramDeps).toEqual({ 'params.yaml': ['lr'] })
  })

  it('ignores a file of another scope or version, or a corrupt one, and replaces it on save', async () => {
    const file = revDataCachePath(tmp())
    const cache = await RevDataCache.load(file, 'scope-1')
    cache.putCommit(SHA, { timestamp: 1, parents: [] })
    await cache.save()
    expect((await RevDataCache.load(file, 'scope-2')).size).toBe(0)
    expect((await RevDataCache.load(file, 'scope-1')).size).toBe(1)
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version":1', '"version":2'))
    expect((await RevDataCache.load(file, 'scope-1')).size).toBe(0)
    for (const garbage of ['', '{"version": 1, "scope": "scope-1", "commits": {"x": {"t": "no"}}', '{"version": 1, "scope": "scope-1", "commits": {"x": {"t": "no", "p": []}}}', 'null', '[1]', '\u0000\u0001']) {
      writeFileSync(file, garbage)
      const loaded = await RevDataCache.load(file, 'scope-1')
      expect(loaded.commit('x')).toBeUndefined()
      loaded.putCommit(SHA, { timestamp: 2, parents: [] })
      await loaded.save()
      expect((await RevDataCache.load(file, 'scope-1')).commit(SHA)).toEqual({ timestamp: 2, parents: [] })
    }
  })

  it('writes nothing when nothing was added, and never fails a command when it cannot write', async () => {
    const dir = tmp()
    const file = revDataCachePath(dir)
    const cache = await RevDataCache.load(file, 's')
    await cache.save()
    expect(() => readFileSync(file)).toThrow()
    writeFileSync(join(dir, 'exps'), 'a file where the directory should be')
    cache.putCommit(SHA, { timestamp: 1, parents: [] })
    await expect(cache.save()).resolves.toBeUndefined()
  })

  it('an entry read, then saved again with a new one, keeps its Python floats (read decodes in place)', async () => {
    const file = revDataCachePath(join(tmp(), '.dvc', 'tmp'))
    const first = await RevDataCache.load(file, 'scope-1')
    first.putCommit(SHA, { timestamp: 1, parents: [] })
    first.putData(SHA, DATA)
    await first.save()
    const second = await RevDataCache.load(file, 'scope-1')
    expect(second.data(SHA)!.params['params.yaml'].data).toMatchObject({ lr: new PyFloat(1) })
    second.putCommit('c'.repeat(40), { timestamp: 2, parents: [] })
    await second.save()
    expect(JSON.parse(readFileSync(file, 'utf8')).commits[SHA].d.params['params.yaml'].data.lr).toBe('\u0000f1')
    const third = await RevDataCache.load(file, 'scope-1')
    expect(third.data(SHA)!.params['params.yaml'].data).toEqual({ lr: new PyFloat(1), epochs: 10, tags: ['a', 'b'], nan: NaN })
  })
})
