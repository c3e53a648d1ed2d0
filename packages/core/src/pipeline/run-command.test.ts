/** A run's signal (`withRunSignal`) stops that run's commands only. Real shells, real process groups. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCommand, withRunSignal } from './run-command.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** Resolves once `path` exists (the command got that far). */
async function appeared(path: string): Promise<void> {
  while (!existsSync(path)) await new Promise((resolve) => setTimeout(resolve, 20))
}

describe('withRunSignal', () => {
  it("aborting one run's signal stops its command's process group; another run's command goes on", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-run-signal-'))
    dirs.push(dir)
    const env = { PATH: process.env.PATH ?? '' }
    const stopA = new AbortController()
    const stopB = new AbortController()
    // A: a shell whose child sleeps far longer than the test may take, unless its group is killed
    const a = withRunSignal(stopA.signal, () => runCommand('touch a-started; sleep 600; touch a-finished', { cwd: dir, env, stdio: 'ignore' }))
    const b = withRunSignal(stopB.signal, () => runCommand('touch b-started; while [ ! -e go ]; do sleep 0.05; done; echo done > b-finished', { cwd: dir, env, stdio: 'ignore' }))
    await appeared(join(dir, 'a-started'))
    await appeared(join(dir, 'b-started'))
    stopA.abort()
    await expect(a).rejects.toMatchObject({ code: 'INTERRUPTED' })
    writeFileSync(join(dir, 'go'), '')
    await b
    expect(readFileSync(join(dir, 'b-finished'), 'utf8')).toBe('done\n')
    expect(existsSync(join(dir, 'a-finished'))).toBe(false)
    // a command of a stopped run does not start
    await expect(withRunSignal(stopA.signal, () => runCommand('touch never', { cwd: dir, env, stdio: 'ignore' }))).rejects.toMatchObject({ code: 'INTERRUPTED' })
    expect(existsSync(join(dir, 'never'))).toBe(false)
  })
})
