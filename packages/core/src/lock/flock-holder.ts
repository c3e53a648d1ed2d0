/**
 * Hold a BSD `flock(2)` exclusive lock on a file from Node, which has no flock
 * binding: a small helper process takes the lock and keeps it while its stdin is
 * open. Closing stdin (release) or the death of this process (the pipe closes)
 * ends the helper, and the kernel drops the lock with its descriptor.
 *
 * The helper is util-linux `flock(1)` (`-o`: the lock descriptor stays in flock
 * itself, not in the `cat` it runs), or `python3` with `fcntl.flock` where
 * flock(1) is not installed (macOS without util-linux). Both speak the same
 * protocol: print `locked` once held, exit 75 when the lock is busy (`-n`) or
 * the wait timed out.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { TrellisError } from '../errors.js'

export interface FlockHolder {
  /** Close the helper's stdin and wait until it has exited (the lock is free then). */
  release(): Promise<void>
}

export interface HoldOptions {
  /** false: fail at once (return undefined) when another process holds the lock. */
  wait: boolean
  /** With `wait`: give up after this many ms (return undefined). */
  timeoutMs?: number
}

const BUSY = 75

const PYTHON_HOLDER = String.raw`
import fcntl, sys, time
path, wait, timeout = sys.argv[1], sys.argv[2] == '1', float(sys.argv[3])
f = open(path, 'a+')
deadline = time.monotonic() + timeout if timeout >= 0 else None
while True:
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        break
    except BlockingIOError:
        if not wait or (deadline is not None and time.monotonic() > deadline):
            sys.exit(75)
        time.sleep(0.05)
print('locked', flush=True)
sys.stdin.read()
`

let helper: 'flock' | 'python3' | undefined

function spawnHolder(kind: 'flock' | 'python3', path: string, options: HoldOptions): ChildProcess {
  const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe']
  if (kind === 'flock') {
    const args = ['-x', '-o', '-E', String(BUSY)]
    if (!options.wait) args.push('-n')
    else if (options.timeoutMs !== undefined) args.push('-w', String(Math.max(options.timeoutMs, 1) / 1000))
    args.push(path, '-c', 'echo locked && exec cat >/dev/null')
    return spawn('flock', args, { stdio })
  }
  const timeout = options.wait && options.timeoutMs !== undefined ? String(options.timeoutMs / 1000) : '-1'
  return spawn('python3', ['-c', PYTHON_HOLDER, path, options.wait ? '1' : '0', timeout], { stdio })
}

function attempt(kind: 'flock' | 'python3', path: string, options: HoldOptions): Promise<FlockHolder | undefined | 'missing'> {
  return new Promise((resolve, reject) => {
    const child = spawnHolder(kind, path, options)
    let out = ''
    let err = ''
    let settled = false
    const exited = new Promise<void>((res) => child.once('close', () => res()))
    child.stderr!.on('data', (d) => (err += d))
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return
      settled = true
      if (error.code === 'ENOENT') resolve('missing')
      else reject(error)
    })
    child.stdout!.on('data', (d) => {
      out += d
      if (settled || !out.includes('locked')) return
      settled = true
      // Held: the helper must not keep this process alive (release or exit ends it).
      const streams = [child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref?: () => void; unref?: () => void }>
      child.unref()
      for (const s of streams) s.unref?.()
      resolve({
        release: async () => {
          // keep the process alive until the helper is gone (the lock is free then)
          child.ref()
          for (const s of streams) s.ref?.()
          child.stdin!.end()
          await exited
        },
      })
    })
    child.once('close', (code) => {
      if (settled) return
      settled = true
      if (code === BUSY) resolve(undefined)
      else if (code === 127 && kind === 'python3') resolve('missing')
      else {
        reject(
          new TrellisError('LOCK_FAILED', `cannot lock '${path}': ${err.trim() || `${kind} exited with code ${code}`}`, {
            hint: 'Check that .dvc/tmp is writable.',
          }),
        )
      }
    })
  })
}

/** Take the flock on `path` (created if missing); undefined when busy (no wait) or timed out. */
export async function holdFlock(path: string, options: HoldOptions): Promise<FlockHolder | undefined> {
  const kinds: Array<'flock' | 'python3'> = helper ? [helper] : ['flock', 'python3']
  for (const kind of kinds) {
    const result = await attempt(kind, path, options)
    if (result === 'missing') continue
    helper = kind
    return result
  }
  throw new TrellisError('LOCK_FAILED', `cannot lock '${path}': neither flock(1) nor python3 is installed`, {
    hint: 'Install util-linux (flock) or Python 3: Trellis takes the same flock(2) lock as DVC.',
  })
}
