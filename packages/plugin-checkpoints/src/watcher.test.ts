import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkpointSignalPath, makeCheckpoint, makeCheckpointSync } from './make-checkpoint.js'
import { SignalWatcher } from './watcher.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-ckpt-'))
  dirs.push(dir)
  mkdirSync(join(dir, '.dvc'))
  mkdirSync(join(dir, 'src', 'deep'), { recursive: true })
  return dir
}

describe('makeCheckpoint', () => {
  it('is a no-op outside a checkpoint run; finds the root from the cwd when DVC_ROOT is unset', async () => {
    const dir = project()
    expect(checkpointSignalPath({ env: {} })).toBeUndefined()
    await makeCheckpoint({ env: { DVC_ROOT: dir } })
    makeCheckpointSync({ env: { DVC_ROOT: dir } })
    expect(existsSync(join(dir, '.dvc', 'tmp'))).toBe(false)
    expect(checkpointSignalPath({ env: { DVC_CHECKPOINT: '1' }, cwd: join(dir, 'src', 'deep') })).toBe(join(dir, '.dvc', 'tmp', 'DVC_CHECKPOINT'))
    expect(checkpointSignalPath({ env: { DVC_CHECKPOINT: '1', DVC_ROOT: '/elsewhere' } })).toBe(join('/elsewhere', '.dvc', 'tmp', 'DVC_CHECKPOINT'))
    expect(() => checkpointSignalPath({ env: { DVC_CHECKPOINT: '1' }, cwd: tmpdir() })).toThrow(/no \.dvc directory above/)
  })
})

describe('SignalWatcher', () => {
  it('answers each signal once, removes the file afterwards, ignores a stale one, and stop() waits for a checkpoint in progress', async () => {
    const dir = project()
    const file = join(dir, '.dvc', 'tmp', 'DVC_CHECKPOINT')
    mkdirSync(join(dir, '.dvc', 'tmp'))
    writeFileSync(file, '') // left by a crashed run
    const seen: boolean[] = []
    let release: () => void = () => {}
    const watcher = new SignalWatcher(file, async () => {
      seen.push(existsSync(file))
      if (seen.length === 3) await new Promise<void>((r) => (release = r))
    }, 20)
    await watcher.start()
    expect(existsSync(file)).toBe(false)
    const env = { DVC_CHECKPOINT: '1', DVC_ROOT: dir }
    await makeCheckpoint({ env })
    await makeCheckpoint({ env, pollMs: 1 })
    expect(seen).toEqual([true, true])
    const third = makeCheckpoint({ env })
    while (seen.length < 3) await new Promise((r) => setTimeout(r, 5))
    let stopped = false
    const stopping = watcher.stop().then(() => (stopped = true))
    await new Promise((r) => setTimeout(r, 50))
    expect(stopped).toBe(false) // still taking the third checkpoint
    release()
    await stopping
    await third
    expect(existsSync(file)).toBe(false)
    writeFileSync(file, '') // after stop: nobody answers
    await new Promise((r) => setTimeout(r, 60))
    expect(seen).toHaveLength(3)
  })
})
