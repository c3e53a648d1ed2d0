/** The experiment queue through the CLI: --queue, --run-all -j, --temp, queue status/logs/remove. */
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeRepo, type Repo } from './support/repo.js'
import { isRunning } from './support/process.js'

const repos: Repo[] = []
const dirs: string[] = []
afterEach(() => {
  repos.splice(0).forEach((r) => r.remove())
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }))
})

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-marks-'))
  dirs.push(dir)
  return dir
}

/** prep: slow and identical in every experiment (counts its runs in $COUNT_FILE); train: reads train.lr. */
const PREP =
  "const fs=require('fs');if(process.env.COUNT_FILE)fs.appendFileSync(process.env.COUNT_FILE,'prep\\n');" +
  "const end=Date.now()+Number(process.env.PREP_MS||0);while(Date.now()<end){}" +
  "fs.writeFileSync('prep.out',fs.readFileSync('data.txt','utf8').toUpperCase())\n"
const TRAIN =
  "const fs=require('fs');const lr=Number(/lr: *([0-9.e-]+)/.exec(fs.readFileSync('params.yaml','utf8'))[1]);" +
  "if(lr===0.5){console.error('boom: lr too high');process.exit(3)}" +
  "fs.writeFileSync('model.txt','model '+lr+' '+fs.readFileSync('prep.out','utf8'));fs.writeFileSync('metrics.json',JSON.stringify({loss:1-lr}));" +
  "console.log('trained with',lr,process.env.DVC_EXP_NAME)\n"

function project(): Repo {
  const r = makeRepo({
    'dvc.yaml':
      'stages:\n  prep:\n    cmd: node prep.cjs\n    deps: [prep.cjs, data.txt]\n    outs: [prep.out]\n' +
      '  train:\n    cmd: node train.cjs\n    deps: [train.cjs, prep.out]\n    params: [train.lr]\n    outs: [model.txt]\n    metrics:\n    - metrics.json:\n        cache: false\n',
    'params.yaml': '# learning settings\ntrain:\n  lr: 0.1  # the rate\n  epochs: 3\n',
    'prep.cjs': PREP,
    'train.cjs': TRAIN,
    'data.txt': 'hello\n',
  })
  repos.push(r)
  return r
}

const expRefs = (r: Repo) =>
  r
    .git('for-each-ref', '--format=%(refname)', 'refs/exps')
    .split('\n')
    .filter((l) => l && !l.includes('/exec/') && l !== 'refs/exps/stash')
const queued = (r: Repo) => {
  if (!r.git('for-each-ref', 'refs/exps/stash')) return []
  const out = r.git('reflog', 'show', '--format=%H %gs', 'refs/exps/stash', '--')
  return out ? out.split('\n') : []
}
const tempDirs = (r: Repo) => (existsSync(r.path('.dvc/tmp/exps')) ? readdirSync(r.path('.dvc/tmp/exps')).filter((n) => /^[0-9a-f]{7}-/.test(n)) : [])
const status = async (r: Repo) => JSON.parse((await r.run(['queue', 'status', '--json'])).stdout) as Array<{ id: string; name?: string; state: string; error?: string; result?: { name: string } | null }>

/** Every file of the work tree (not .git, not .dvc/tmp) with its bytes' md5. */
function snapshot(r: Repo): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const name of readdirSync(r.path(rel || '.'))) {
      const path = rel ? `${rel}/${name}` : name
      if (path === '.git' || path === '.dvc/tmp' || path === '.dvc/cache') continue
      if (statSync(r.path(path)).isDirectory()) walk(path)
      else out[path] = createHash('md5').update(readFileSync(r.path(path))).digest('hex')
    }
  }
  walk('')
  return out
}

async function waitFor(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('trellis exp run --queue / --run-all', () => {
  it('queues tracked changes and -S values as a commit, leaving the workspace byte for byte as it was; names are checked at queue time', async () => {
    const r = project()
    const baseline = r.git('rev-parse', 'HEAD')
    r.write('train.cjs', `// tuned\n${TRAIN}`) // a pending tracked change
    r.write('notes.txt', 'untracked\n')
    const before = snapshot(r)
    const index = r.git('ls-files', '-s')
    const res = await r.run(['exp', 'run', '--queue', '-S', 'train.lr=0.2', '-n', 'lr2'])
    expect(res.code, res.stderr).toBe(0)
    const id = /^Queued experiment '([0-9a-f]{7})' for future execution\.$/m.exec(res.stdout)?.[1]
    expect(id).toBeDefined()
    expect(snapshot(r)).toEqual(before)
    expect(r.git('ls-files', '-s')).toBe(index)
    expect(r.git('rev-parse', 'HEAD')).toBe(baseline)
    expect(r.git('stash', 'list')).toBe('')
    expect(r.exists('model.txt')).toBe(false) // nothing ran
    // DVC's queue: the reflog of refs/exps/stash, commit = baseline + changes + -S
    const [line] = queued(r)
    const sha = line.split(' ')[0]
    expect(sha.startsWith(id!)).toBe(true)
    expect(line).toBe(`${sha} commit: dvc-exp:${baseline}:${baseline}:lr2`)
    expect(r.git('rev-parse', `${sha}^`)).toBe(baseline)
    expect(r.git('show', `${sha}:params.yaml`)).toBe('# learning settings\ntrain:\n  lr: 0.2  # the rate\n  epochs: 3')
    expect(r.git('show', `${sha}:train.cjs`)).toContain('// tuned')
    expect(r.git('ls-tree', '-r', '--name-only', sha)).not.toContain('notes.txt')
    expect(r.git('ls-tree', '-r', '--name-only', sha)).toContain('.dvc/tmp/repro.dat')
    // names: invalid, or taken by a queued entry -> refused before anything is queued
    const bad = await r.run(['exp', 'run', '--queue', '-n', 'na me', '-S', 'train.lr=0.3'])
    expect(bad.stderr).toMatch(/^ERROR: Invalid exp name 'na me'/)
    const clash = await r.run(['exp', 'run', '--queue', '-n', 'lr2', '-S', 'train.lr=0.3'])
    expect(clash.code).not.toBe(0)
    expect(clash.stderr).toContain("ERROR: Experiment conflicts with queued experiment 'lr2'")
    expect(queued(r)).toHaveLength(1)
    // a stage depending on a file git does not track gets a warning
    r.write('dvc.yaml', r.read('dvc.yaml').replace('deps: [train.cjs, prep.out]', 'deps: [train.cjs, prep.out, notes.txt]'))
    const warned = await r.run(['exp', 'run', '--queue', '-S', 'train.lr=0.3'])
    expect(warned.code, warned.stderr).toBe(0)
    expect(warned.stderr).toContain("WARNING: stage 'train' depends on 'notes.txt', which git does not track")
    const entries = await status(r)
    expect(entries.map((e) => [e.name ?? null, e.state])).toEqual([
      ['lr2', 'queued'],
      [null, 'queued'],
    ])
    const table = (await r.run(['queue', 'status'])).stdout
    expect(table).toMatch(new RegExp(`^${id}\\s+lr2\\s+\\S+\\s+Queued`, 'm'))
    const removed = await r.run(['queue', 'remove', entries[1].id.slice(0, 7)])
    expect(removed.code, removed.stderr).toBe(0)
    expect(queued(r)).toHaveLength(1)
  })

  it('--run-all -j 2 runs every entry in temp workspaces; a stage shared by the entries runs once', async () => {
    const r = project()
    const marks = scratch()
    const count = join(marks, 'count')
    const before = snapshot(r)
    for (const lr of ['0.2', '0.3', '0.4']) expect((await r.run(['exp', 'run', '--queue', '-S', `train.lr=${lr}`, ...(lr === '0.3' ? ['-n', 'mid'] : [])])).code).toBe(0)
    const ids = queued(r).map((l) => l.split(' ')[0])
    const res = await r.run(['exp', 'run', '--run-all', '-j', '2'], { env: { COUNT_FILE: count, PREP_MS: '1500' } })
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain('Queue run: 3 reproduced.')
    // the identical prep stage ran once; the other entries waited and restored it from the run-cache
    expect(readFileSync(count, 'utf8')).toBe('prep\n')
    const logs = await Promise.all(ids.map((id) => r.run(['queue', 'logs', id.slice(0, 7)])))
    expect(logs.filter((l) => l.stdout.includes("Stage 'prep' is cached - skipping run"))).toHaveLength(2)
    // every experiment is there, with its params and results; DVC's queue is empty
    const refs = expRefs(r)
    expect(refs).toHaveLength(3)
    const baseline = r.git('rev-parse', 'HEAD')
    expect(refs.every((ref) => ref.startsWith(`refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/`))).toBe(true)
    const lrs = refs.map((ref) => /lr: ([0-9.]+)/.exec(r.git('show', `${ref}:params.yaml`))![1]).sort()
    expect(lrs).toEqual(['0.2', '0.3', '0.4'])
    for (const ref of refs) {
      const lr = Number(/lr: ([0-9.]+)/.exec(r.git('show', `${ref}:params.yaml`))![1])
      expect(JSON.parse(r.git('show', `${ref}:metrics.json`))).toEqual({ loss: 1 - lr })
      expect(r.git('show', `${ref}:dvc.lock`)).toContain(`train.lr: ${lr}`)
      expect(r.git('rev-parse', `${ref}^`)).toBe(baseline)
      expect(r.git('ls-tree', '-r', '--name-only', ref)).not.toContain('.dvc/tmp/repro.dat')
    }
    expect(refs.some((ref) => ref.endsWith('/mid'))).toBe(true)
    expect(r.git('show', `${refs.find((ref) => ref.endsWith('/mid'))}:params.yaml`)).toContain('lr: 0.3')
    expect(queued(r)).toEqual([])
    expect(tempDirs(r)).toEqual([])
    expect(snapshot(r)).toEqual(before) // the workspace never changed
    expect((await status(r)).map((e) => e.state)).toEqual(['success', 'success', 'success'])
  })

  it('a failing entry is kept, failed, with its log; the others finish; the run ends non-zero with a summary', async () => {
    const r = project()
    for (const lr of ['0.2', '0.5', '0.4']) expect((await r.run(['exp', 'run', '--queue', '-S', `train.lr=${lr}`, ...(lr === '0.5' ? ['-n', 'bad'] : [])])).code).toBe(0)
    const res = await r.run(['exp', 'run', '--run-all', '-j', '2'])
    expect(res.code).toBe(255)
    expect(res.stderr).toMatch(/Failed to reproduce experiment '[0-9a-f]{7}' \(bad\): failed to reproduce 'train'/)
    expect(res.stderr).toMatch(/ERROR: 1 of 3 queued experiment\(s\) failed: [0-9a-f]{7} \(bad\)/)
    expect(res.stdout).toContain('Queue run: 2 reproduced, 1 failed (kept in the queue).')
    expect(expRefs(r)).toHaveLength(2)
    const entries = await status(r)
    const failed = entries.find((e) => e.name === 'bad')!
    expect(failed.state).toBe('failed')
    expect(failed.error).toContain("failed to reproduce 'train'")
    expect(entries.filter((e) => e.state === 'success')).toHaveLength(2)
    expect(queued(r)).toEqual([`${failed.id} commit: dvc-exp:${r.git('rev-parse', 'HEAD')}:${r.git('rev-parse', 'HEAD')}:bad`])
    const log = await r.run(['queue', 'logs', 'bad'])
    expect(log.stdout).toContain('boom: lr too high')
    expect(log.stdout).toContain("ERROR: failed to reproduce 'train'")
    expect(tempDirs(r)).toEqual([])
    // a second run-all does not retry it; removing it empties DVC's queue
    expect((await r.run(['exp', 'run', '--run-all'])).stdout).toContain('No queued experiments to run')
    expect((await r.run(['queue', 'remove', 'bad'])).code).toBe(0)
    expect(queued(r)).toEqual([])
    expect(r.git('for-each-ref', 'refs/exps/stash')).toBe('')
  })
})

describe('temporary workspaces of queued experiments', () => {
  it('an output missing from the cache is reported in the log and made again in the temp workspace', async () => {
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  make:\n    cmd: cat in.txt > out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n  use:\n    cmd: cat out.txt params.yaml > final.txt\n    deps: [out.txt]\n    params: [lr]\n    outs: [final.txt]\n',
      'in.txt': 'input\n',
      'params.yaml': 'lr: 0.1\n',
    })
    repos.push(r)
    expect((await r.run(['repro'])).code).toBe(0)
    r.commitAll('reproduced')
    const md5 = /path: out\.txt\n\s+md5: ([0-9a-f]{32})/.exec(r.read('dvc.lock'))![1]!
    rmSync(r.path(`.dvc/cache/${md5.slice(0, 2)}/${md5.slice(2)}`), { force: true }) // gone from the cache
    rmSync(r.path('.dvc/cache/runs'), { recursive: true, force: true })
    expect((await r.run(['exp', 'run', '--queue', '-n', 'again', '-S', 'lr=0.2'])).code).toBe(0)
    const res = await r.run(['exp', 'run', '--run-all'])
    expect(res.code, res.stderr).toBe(0)
    const log = await r.run(['queue', 'logs', 'again'])
    expect(log.stdout).toContain('not in the cache: out.txt')
    const ref = expRefs(r)[0]!
    expect(r.git('show', `${ref}:params.yaml`)).toBe('lr: 0.2')
    expect(tempDirs(r)).toEqual([])
  })
})

/**
 * A stage that runs until signalled (or SLEEP_MS), with start/SIGINT marks in $MARK_DIR. The
 * start mark is written once the SIGINT handler is installed, so a test that waits for it and
 * then sends SIGINT knows the stage will record it.
 */
const SLOW =
  "const fs=require('fs'),path=require('path');const dir=process.env.MARK_DIR;" +
  "process.on('SIGINT',()=>{fs.writeFileSync(path.join(dir,'sigint-'+process.pid),'');process.exit(130)});" +
  "fs.writeFileSync(path.join(dir,'start-'+process.pid),process.cwd());" +
  "setTimeout(()=>{fs.writeFileSync('out.txt',fs.readFileSync('params.yaml','utf8'));process.exit(0)},Number(process.env.SLEEP_MS||60000))\n"

function slowProject(): Repo {
  const r = makeRepo({
    'dvc.yaml': 'stages:\n  slow:\n    cmd: node slow.cjs\n    deps: [slow.cjs]\n    params: [lr]\n    outs: [out.txt]\n',
    'params.yaml': 'lr: 0.1\n',
    'slow.cjs': SLOW,
  })
  repos.push(r)
  return r
}


const marksOf = (dir: string, kind: string) => readdirSync(dir).filter((n) => n.startsWith(`${kind}-`))

/** Processes whose cwd lies under `dir` (Linux). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)
      } catch {
        return false
      }
    })
    .map(Number)
}

describe('trellis exp run --run-all: interruptions', () => {
  it('Ctrl-C reaches the running stages, removes the temp workspaces and leaves every unfinished entry queued', async () => {
    const r = slowProject()
    const marks = scratch()
    for (const lr of ['0.2', '0.3', '0.4']) expect((await r.run(['exp', 'run', '--queue', '-S', `lr=${lr}`])).code).toBe(0)
    const child = r.spawn(['exp', 'run', '--run-all', '-j', '2'], { env: { MARK_DIR: marks } })
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    await waitFor(() => marksOf(marks, 'start').length === 2)
    expect(tempDirs(r)).toHaveLength(2)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).toContain('ERROR: interrupted by SIGINT: 3 experiment(s) left in the queue')
    expect(marksOf(marks, 'sigint')).toHaveLength(2) // the signal reached both running stages
    expect(tempDirs(r)).toEqual([])
    expect(expRefs(r)).toEqual([])
    expect(queued(r)).toHaveLength(3)
    expect((await status(r)).map((e) => e.state)).toEqual(['queued', 'queued', 'queued'])
    for (const lock of ['.dvc/tmp/lock', '.dvc/tmp/exps/queue.lock']) expect(r.isUnlocked(lock)).toBe(true)
    expect(r.exists('.git/refs/exps/stash.lock')).toBe(false)
  })

  it('after kill -9 of the --run-all process every unfinished entry is still queued and a new --run-all completes them', async () => {
    const r = slowProject()
    const marks = scratch()
    for (const lr of ['0.2', '0.3', '0.4']) expect((await r.run(['exp', 'run', '--queue', '-S', `lr=${lr}`])).code).toBe(0)
    const child = r.spawn(['exp', 'run', '--run-all', '-j', '2'], { env: { MARK_DIR: marks, SLEEP_MS: '30000' } })
    const exited = new Promise((resolve) => child.on('close', resolve))
    await waitFor(() => marksOf(marks, 'start').length === 2)
    const orphans = marksOf(marks, 'start').map((m) => Number(m.slice(6)))
    child.kill('SIGKILL')
    await exited
    const after = await status(r)
    expect(after.map((e) => e.state)).toEqual(['queued', 'queued', 'queued']) // a dead runner's entries count as queued
    const res = await r.run(['exp', 'run', '--run-all', '-j', '2'], { env: { MARK_DIR: marks, SLEEP_MS: '50' } })
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr).toContain('2 experiment(s) left running by a stopped run are queued again')
    expect(res.stdout).toContain('Queue run: 3 reproduced.')
    const refs = expRefs(r)
    expect(refs).toHaveLength(3)
    expect(refs.map((ref) => r.git('show', `${ref}:params.yaml`)).sort()).toEqual(['lr: 0.2', 'lr: 0.3', 'lr: 0.4'])
    expect(queued(r)).toEqual([])
    expect(tempDirs(r)).toEqual([])
    // the stages the killed runner left running were stopped
    for (const pid of orphans) expect(isRunning(pid)).toBe(false)
    expect(processesIn(r.path('.dvc/tmp/exps'))).toEqual([])
  })
})

describe('trellis exp run --temp', () => {
  it('runs one experiment in a temp workspace whose data is linked from the cache, leaving the workspace untouched', async () => {
    // 40 data files made by a stage and cached in the baseline; the experiment's stage checks its inputs are links
    const r = makeRepo({
      'dvc.yaml':
        'stages:\n  gen:\n    cmd: node gen.cjs\n    deps: [gen.cjs]\n    outs: [data]\n' +
        '  use:\n    cmd: node use.cjs\n    deps: [use.cjs, data]\n    params: [k]\n    outs: [result.txt]\n',
      'params.yaml': 'k: 1\n',
      'gen.cjs': "const fs=require('fs');fs.mkdirSync('data');for(let i=0;i<40;i++)fs.writeFileSync('data/f'+i,'x'.repeat(1000+i))\n",
      'use.cjs':
        "const fs=require('fs');const k=Number(/k: *(\\d+)/.exec(fs.readFileSync('params.yaml','utf8'))[1]);const st=fs.statSync('data/f7');" +
        "if(process.env.LINK_REPORT)fs.writeFileSync(process.env.LINK_REPORT,JSON.stringify({ino:st.ino,nlink:st.nlink,cwd:process.cwd()}));" +
        "fs.writeFileSync('result.txt',String(k*fs.readdirSync('data').length))\n",
    })
    repos.push(r)
    expect((await r.run(['repro'])).code).toBe(0)
    r.commitAll('results')
    const before = snapshot(r)
    const report = join(scratch(), 'links.json')
    const res = await r.run(['exp', 'run', '--temp', '-S', 'k=3'], { env: { LINK_REPORT: report } })
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain("Stage 'gen' didn't change, skipping")
    expect(res.stdout).toContain("Running stage 'use':")
    expect(res.stdout).toMatch(/Reproduced experiment\(s\): exp-[0-9a-f]{5}/)
    const seen = JSON.parse(readFileSync(report, 'utf8'))
    expect(seen.cwd.startsWith(r.path('.dvc/tmp/exps/'))).toBe(true)
    const md5 = createHash('md5').update('x'.repeat(1007)).digest('hex')
    const object = statSync(r.path(`.dvc/cache/${md5.slice(0, 2)}/${md5.slice(2)}`))
    expect(seen.ino).toBe(object.ino) // the temp workspace's file is the cache object (hardlink), not a copy
    expect(seen.nlink).toBeGreaterThan(1)
    const [ref] = expRefs(r)
    expect(r.git('show', `${ref}:params.yaml`)).toBe('k: 3')
    expect(r.git('show', `${ref}:dvc.lock`)).toContain('k: 3')
    expect(snapshot(r)).toEqual(before)
    expect(tempDirs(r)).toEqual([])
    expect(queued(r)).toEqual([]) // the transient entry is gone
  })
})
