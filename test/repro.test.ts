import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync, statSync, readdirSync, lstatSync } from 'node:fs'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
afterEach(() => {
  for (const r of repos.splice(0)) r.remove()
})
function repo(files: Record<string, string>): Repo {
  const r = makeRepo(files)
  repos.push(r)
  return r
}

/** A stage command that also counts its runs in runs.log (uncached, untracked). */
const counted = (name: string, cmd: string) => `echo ${name} >> runs.log && ${cmd}`

const PIPELINE = `stages:
  prepare:
    cmd: ${counted('prepare', 'mkdir -p data/prepared && cp data/raw.txt data/prepared/a.txt && echo "$(cat data/raw.txt)!" > data/prepared/b.txt')}
    deps:
    - data/raw.txt
    params:
    - prepare.split
    outs:
    - data/prepared
  train:
    cmd: ${counted('train', 'cat data/prepared/a.txt data/prepared/b.txt > model.bin')}
    deps:
    - data/prepared
    params:
    - train.lr
    outs:
    - model.bin
  evaluate:
    cmd: ${counted('evaluate', 'node evaluate.cjs')}
    deps:
    - model.bin
    metrics:
    - metrics.json:
        cache: false
`
const PARAMS = 'prepare:\n  split: 0.20\ntrain:\n  lr: 1.0\n'
const EVALUATE = "require('fs').writeFileSync('metrics.json', JSON.stringify({acc: 0.5, loss: {train: 1.25}}))\n"
const FILES = { 'dvc.yaml': PIPELINE, 'params.yaml': PARAMS, 'evaluate.cjs': EVALUATE, 'data/raw.txt': 'foo', '.gitignore': 'runs.log\n' }
const runs = (r: Repo) => (r.exists('runs.log') ? r.read('runs.log').trim().split('\n') : [])

describe('trellis repro', () => {
  it('runs a pipeline in DAG order and writes a DVC 2.x dvc.lock', async () => {
    const r = repo(FILES)
    const res = await r.run(['repro'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(runs(r)).toEqual(['prepare', 'train', 'evaluate'])
    expect(res.stdout).toContain("Running stage 'prepare':")
    const lock = r.read('dvc.lock')
    expect(lock.startsWith("schema: '2.0'\nstages:\n  prepare:\n    cmd: ")).toBe(true)
    // data/raw.txt = "foo" → DVC's verified md5 of "foo"
    expect(lock).toContain('    deps:\n    - path: data/raw.txt\n      md5: acbd18db4cc2f85cedef654fccc4a4d8\n      size: 3\n')
    expect(lock).toContain('    params:\n      params.yaml:\n        prepare.split: 0.2\n')
    expect(lock).toContain('        train.lr: 1.0\n')
    expect(lock).toMatch(/- path: data\/prepared\n {6}md5: [0-9a-f]{32}\.dir\n {6}size: \d+\n {6}nfiles: 2\n/)
    expect(r.read('data/.gitignore')).toBe('/prepared\n')
    expect(r.read('.gitignore')).toContain('/model.bin\n')
    expect(r.read('.gitignore')).not.toContain('metrics.json')
    // cache objects are read-only
    const md5 = /path: model.bin\n {6}md5: ([0-9a-f]{32})/.exec(lock)![1]
    const obj = r.path(`.dvc/cache/${md5.slice(0, 2)}/${md5.slice(2)}`)
    expect(statSync(obj).mode & 0o222).toBe(0)
  })

  it('skips unchanged stages and reruns exactly what changed', async () => {
    const r = repo(FILES)
    await r.run(['repro'])
    const again = await r.run(['repro'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain("Stage 'prepare' didn't change, skipping")
    expect(again.stdout).toContain('Data and pipelines are up to date.')
    expect(runs(r)).toHaveLength(3)

    r.write('params.yaml', PARAMS.replace('lr: 1.0', 'lr: 0.5'))
    await r.run(['repro'])
    expect(runs(r).slice(3)).toEqual(['train'])
    expect(r.read('dvc.lock')).toContain('train.lr: 0.5')
  })

  it('restores deleted outputs from the cache without running', async () => {
    const r = repo(FILES)
    await r.run(['repro'])
    const model = r.read('model.bin')
    ;(await import('node:fs')).rmSync(r.path('model.bin'))
    const res = await r.run(['repro'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain("Stage 'train' is cached - skipping run, checking out outputs")
    expect(r.read('model.bin')).toBe(model)
    expect(runs(r)).toHaveLength(3)
  })

  it('restores from the run-cache when params return to an earlier value', async () => {
    const r = repo(FILES)
    await r.run(['repro'])
    r.write('params.yaml', PARAMS.replace('lr: 1.0', 'lr: 2.0'))
    await r.run(['repro'])
    r.write('params.yaml', PARAMS)
    const res = await r.run(['repro'])
    expect(res.stdout).toContain("Stage 'train' is cached - skipping run")
    expect(runs(r)).toEqual(['prepare', 'train', 'evaluate', 'train'])
    expect(r.read('dvc.lock')).toContain('train.lr: 1.0')
    expect(readdirSync(r.path('.dvc/cache/runs')).length).toBeGreaterThan(0)
    const noRc = await r.run(['repro', '--no-run-cache', '-f', '-s', 'train'])
    expect(noRc.code).toBe(0)
    expect(runs(r)).toHaveLength(5)
  })

  it('computes run-cache keys and values exactly as DVC (unit-test vectors)', async () => {
    const r = repo({
      'dvc.yaml': 'stages:\n  s:\n    cmd: python script.py\n    deps:\n    - dep\n    - script.py\n    outs:\n    - out\n',
      dep: 'dep',
      'script.py': 'open("out", "w+").write("out"); ',
      'bin/python': '#!/bin/sh\nexec python3 "$@"\n',
    })
    ;(await import('node:fs')).chmodSync(r.path('bin/python'), 0o755)
    const res = await r.run(['repro'], { env: { PATH: `${r.path('bin')}:${process.env.PATH}` } })
    expect(res.code, res.stderr).toBe(0)
    const key = '4b495dc2b14e1ca5bd5f2765a99ddd8785523a8342efe6bcadac012c2db01165'
    expect(readdirSync(r.path(`.dvc/cache/runs/4b/${key}`))).toEqual([
      '78c427104a8e20216031c36d9c7620733066fff33ada254ad3fca551c1f8152b',
    ])
  })

  it('hashes files exactly as DVC 2.x (CRLF text rule, binary files, directories)', async () => {
    const r = repo({
      'dvc.yaml': 'stages:\n  s:\n    cmd: echo done\n    deps:\n    - crlf.txt\n    - bin.dat\n    - d\n    - empty\n',
      'crlf.txt': 'a\r\nb\r\n',
      'bin.dat': '\x00a\r\nb\r\n',
      'd/foo': 'foo',
      'd/sub/bar': 'bar',
      empty: '',
    })
    expect((await r.run(['repro'])).code).toBe(0)
    const lock = r.read('dvc.lock')
    expect(lock).toContain('- path: crlf.txt\n      md5: dd8c6a395b5dd36c56d23275028f526c\n      size: 6\n')
    expect(lock).toContain('- path: bin.dat\n      md5: 1336478d095a693e514198c06812ee2f\n')
    expect(lock).toContain('- path: d\n      md5: 4c18c474509251c27acbe2ae64d64a81.dir\n      size: 6\n      nfiles: 2\n')
    expect(lock).toContain('- path: empty\n      md5: d41d8cd98f00b204e9800998ecf8427e\n      size: 0\n')
  })

  it('writes the reference worked example lock entry byte for byte', async () => {
    const r = repo({
      'dvc.yaml': 'stages:\n  train:\n    cmd: python src/train.py\n    deps:\n    - data/raw.csv\n    - src/train.py\n    params:\n    - train.epochs\n    - train.lr\n    outs:\n    - model\n',
      'params.yaml': 'train:\n  epochs: 10\n  lr: 0.001\n',
      'data/raw.csv': 'a,b\r\n1,2\r\n',
      'src/train.py': "print('train')\n",
    })
    // Stand-in for python: write the model the example describes.
    r.write('python', '#!/bin/sh\nmkdir -p model && printf \'{"epochs": 10}\\n\' > model/meta.json && printf \'\\000\\001\\002\\003\' > model/weights.bin\n')
    ;(await import('node:fs')).chmodSync(r.path('python'), 0o755)
    const res = await r.run(['repro'], { env: { PATH: `${r.dir}:${process.env.PATH}` } })
    expect(res.code, res.stderr).toBe(0)
    expect(r.read('dvc.lock')).toBe(`schema: '2.0'
stages:
  train:
    cmd: python src/train.py
    deps:
    - path: data/raw.csv
      md5: e5ebd4c02cefbe7955977c67ada242b7
      size: 10
    - path: src/train.py
      md5: 7b7407fdf45908376dc9b05dd0145854
      size: 15
    params:
      params.yaml:
        train.epochs: 10
        train.lr: 0.001
    outs:
    - path: model
      md5: 82580fa6eac587cf759c7be5cee655a0.dir
      size: 19
      nfiles: 2
`)
    const key = '96e6047552fa89b8ab50d44c3067add995c0fa94eda9ef0c6ddbb9450702092d'
    expect(readdirSync(r.path(`.dvc/cache/runs/96/${key}`))).toEqual([
      '245a9bc7f1113653ba8b6510213f65ffc3d6537949755d8ba4458e08deed044e',
    ])
  })

  it('fails a stage clearly, keeps earlier results and leaves its lock entry untouched', async () => {
    const r = repo({
      'dvc.yaml': 'stages:\n  a:\n    cmd: echo a > a.txt\n    outs:\n    - a.txt\n  b:\n    cmd: cat a.txt > b.txt && exit 3\n    deps:\n    - a.txt\n    outs:\n    - b.txt\n',
    })
    const res = await r.run(['repro', 'b'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("ERROR: failed to reproduce 'b': failed to run: cat a.txt > b.txt && exit 3, exited with 3")
    expect(res.stderr.trim().split('\n').filter((l) => l.startsWith('ERROR')).length).toBe(1)
    expect(r.read('dvc.lock')).toContain('  a:\n')
    expect(r.read('dvc.lock')).not.toContain('  b:\n')
    expect(r.isUnlocked('.dvc/tmp/lock')).toBe(true)
  })

  it('runs stages with DVC_ROOT in the environment, in their wdir', async () => {
    const r = repo({
      'sub/dvc.yaml': 'stages:\n  s:\n    cmd: pwd > where.txt && echo $DVC_ROOT > root.txt\n    wdir: inner\n    outs:\n    - where.txt:\n        cache: false\n    - root.txt:\n        cache: false\n',
      'sub/inner/.keep': '',
    })
    const res = await r.run(['repro', 'sub/dvc.yaml'])
    expect(res.code, res.stderr).toBe(0)
    expect(r.read('sub/inner/where.txt').trim()).toBe(r.path('sub/inner'))
    expect(r.read('sub/inner/root.txt').trim()).toBe(r.dir)
    expect(r.read('sub/dvc.lock')).toContain('    - path: root.txt\n')
  })

  it('resolves targets: name, group, name@key, path/dvc.yaml:name, and --dry runs nothing', async () => {
    const r = repo({
      'dvc.yaml': 'stages:\n  build:\n    foreach: [x, y]\n    do:\n      cmd: echo ${item} > ${item}.txt\n      outs:\n      - ${item}.txt\n  other:\n    cmd: echo o > o.txt\n    outs:\n    - o.txt\n',
    })
    const dry = await r.run(['repro', '--dry'])
    expect(dry.stdout).toContain("Running stage 'build@x':\n> echo x > x.txt")
    expect(r.exists('x.txt') || r.exists('dvc.lock')).toBe(false)
    expect((await r.run(['repro', 'build@y'])).code).toBe(0)
    expect(r.exists('y.txt') && !r.exists('x.txt')).toBe(true)
    expect((await r.run(['repro', 'dvc.yaml:build'])).code).toBe(0)
    expect(r.exists('x.txt')).toBe(true)
    expect(r.exists('o.txt')).toBe(false)
    const lock = r.read('dvc.lock')
    expect(lock.indexOf('build@y:')).toBeLessThan(lock.indexOf('build@x:'))
  })

  it('--keep-going runs what does not depend on the failure; -j runs independent stages in parallel', async () => {
    // a barrier: each stage writes its start file, then waits for the other's; run one after the
    // other, the first would wait in vain and fail (after 60 s, so that the test fails, not hangs)
    const stamp = (n: string, other: string) =>
      `node -e "const f=require('fs');f.writeFileSync('${n}.start','');const t=Date.now();(function w(){if(f.existsSync('${other}.start'))f.writeFileSync('${n}.out','x');else if(Date.now()-t>60000)process.exit(3);else setTimeout(w,20)})()"`
    const r = repo({
      'dvc.yaml': `stages:\n  a:\n    cmd: ${stamp('a', 'b')}\n    outs:\n    - a.out\n  b:\n    cmd: ${stamp('b', 'a')}\n    outs:\n    - b.out\n  bad:\n    cmd: exit 1\n    outs:\n    - bad.out\n  after-bad:\n    cmd: echo > c.out\n    deps:\n    - bad.out\n    outs:\n    - c.out\n`,
    })
    const res = await r.run(['repro', '-j', '2', '--keep-going'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain("failed to reproduce 'bad'")
    expect(res.stderr).toContain('after-bad')
    expect(r.exists('a.out') && r.exists('b.out')).toBe(true)
    expect(r.exists('c.out')).toBe(false)
    expect(res.stderr).not.toContain("failed to reproduce 'a'") // both passed the barrier: they ran at the same time
    expect(res.stderr).not.toContain("failed to reproduce 'b'")
    const lock = r.read('dvc.lock')
    expect(lock).toContain('  a:\n')
    expect(lock).toContain('  b:\n')
  })

  it('honours cache.type symlink and hardlink', async () => {
    for (const type of ['symlink', 'hardlink']) {
      const r = repo({ 'dvc.yaml': 'stages:\n  s:\n    cmd: echo hi > out.txt\n    outs:\n    - out.txt\n' })
      r.write('.dvc/config', `[cache]\n    type = ${type}\n`)
      expect((await r.run(['repro'])).code).toBe(0)
      const st = lstatSync(r.path('out.txt'))
      if (type === 'symlink') expect(st.isSymbolicLink()).toBe(true)
      else expect(st.nlink).toBe(2)
      expect(r.read('out.txt')).toBe('hi\n')
    }
  })

  it('the run-cache key does not depend on the order deps are declared in (DVC sorts them by path)', async () => {
    // key = sha256(json.dumps({"cmd", "deps" sorted by path, "outs": [paths]}, sort_keys=True)),
    // computed with Python for cmd 'cat z.txt a.txt > out.txt', a.txt = 'a\n', z.txt = 'z\n';
    // with the deps left in declaration order (z, a) it would be e490c128c15f...
    const key = '9f8e7807ffb7a7cc02ab8edc7b46c6c01dac7dcea2e58d4bf04bb6155db2e958'
    const r = repo({ 'dvc.yaml': 'stages:\n  cat:\n    cmd: cat z.txt a.txt > out.txt\n    deps: [z.txt, a.txt]\n    outs: [out.txt]\n', 'a.txt': 'a\n', 'z.txt': 'z\n' })
    expect((await r.run(['repro'])).code).toBe(0)
    expect(readdirSync(r.path(`.dvc/cache/runs/${key.slice(0, 2)}/${key}`))).toHaveLength(1)
  })
})
