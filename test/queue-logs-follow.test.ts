/** `trellis queue logs --follow`: a running entry's log as it grows, until its run ends. Through the CLI. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRepo, type Repo } from './support/repo.js'

const repos: Repo[] = []
const dirs: string[] = []
afterEach(() => {
  repos.splice(0).forEach((r) => r.remove())
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }))
})

/** Prints `waiting`, marks $MARK_DIR/started, waits for $MARK_DIR/go, then prints `finished`. */
const WAIT =
  "const fs=require('fs'),path=require('path');const dir=process.env.MARK_DIR;console.log('waiting');" +
  "fs.writeFileSync(path.join(dir,'started'),'');" +
  "const t=setInterval(()=>{if(fs.existsSync(path.join(dir,'go'))){clearInterval(t);fs.writeFileSync('out.txt',fs.readFileSync('params.yaml','utf8'));console.log('finished')}},20)\n"

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20))
}

describe('trellis queue logs --follow', () => {
  it("prints a running entry's log as it grows and ends when the run ends", async () => {
    const marks = mkdtempSync(join(tmpdir(), 'trellis-follow-'))
    dirs.push(marks)
    const r = makeRepo({
      'dvc.yaml': 'stages:\n  wait:\n    cmd: node wait.cjs\n    deps: [wait.cjs]\n    params: [lr]\n    outs: [out.txt]\n',
      'params.yaml': 'lr: 0.1\n',
      'wait.cjs': WAIT,
    })
    repos.push(r)
    expect((await r.run(['exp', 'run', '--queue', '-S', 'lr=0.2', '-n', 'slow'])).code).toBe(0)
    const runAll = r.spawn(['exp', 'run', '--run-all'], { env: { MARK_DIR: marks } })
    const ran = new Promise<number | null>((resolve) => runAll.on('close', resolve))
    await until(() => existsSync(join(marks, 'started')))
    const follow = r.spawn(['queue', 'logs', '--follow', 'slow'])
    let out = ''
    follow.stdout!.on('data', (d) => (out += d))
    const followed = new Promise<number | null>((resolve) => follow.on('close', resolve))
    await until(() => out.includes('waiting'))
    expect(out).not.toContain('finished')
    writeFileSync(join(marks, 'go'), '')
    // the follow ends by itself once the run is over (else the test times out)
    expect(await followed).toBe(0)
    expect(await ran).toBe(0)
    expect(out).toMatch(/# queued experiment [0-9a-f]{40} 'slow'[\s\S]*waiting\nfinished\n[\s\S]*# experiment 'slow' \([0-9a-f]{40}\)/)
    expect(out.trimEnd().split('\n').pop()).toMatch(/^Experiment '[0-9a-f]{7}' is done\.$/)
  })
})
