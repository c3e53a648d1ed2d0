// Data commands on 1 GiB in 10,000 files (issue 16), each against a baseline in the same run:
// - `trellis push` to an empty directory remote vs `cp -r` of the cache (target <= 1.5x);
// - `trellis pull` into an empty cache and workspace vs `cp -r` of the remote (target <= 1.5x);
// - a no-op `trellis push` (target < 500 ms);
// - `trellis checkout` of the directory as hardlinks vs `cp -rl` (target < 500 ms).
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, git, report, sh, tempDir, trellis } from './lib.js'

const FILES = 10_000
const TOTAL = 1 << 30

/** Median of `runs` timed calls of `fn`, each after an untimed `before`. */
async function timed(fn, before = () => {}, runs = 3) {
  const times = []
  for (let i = 0; i < runs; i++) {
    before()
    const t = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

export default async function dataSync() {
  const base = tempDir('data-sync')
  try {
    const dir = join(base, 'project')
    const remote = join(base, 'remote')
    mkdirSync(join(dir, 'data'), { recursive: true })
    git(['init', '-q'], dir)
    trellis(['init', '-q'], dir)
    const size = Math.floor(TOTAL / FILES)
    for (let i = 0; i < FILES; i++) writeFileSync(join(dir, 'data', `f${String(i).padStart(5, '0')}.bin`), randomBytes(size))
    writeFileSync(join(dir, '.dvc', 'config'), `[core]\n    remote = storage\n[cache]\n    type = hardlink\n['remote "storage"']\n    url = ${remote}\n`)
    trellis(['add', '-q', 'data'], dir)
    git(['add', '-A'], dir)
    git(['commit', '-qm', 'data'], dir)
    const cache = join(dir, '.dvc', 'cache')

    const push = await timed(() => trellis(['push', '-q'], dir), () => cleanup(remote))
    const cpPush = await timed(() => sh('cp', ['-r', cache, remote], base), () => cleanup(remote))
    report({ name: 'push: 1 GiB in 10,000 files to a directory remote', trellisMs: push, baselineName: 'cp -r', baselineMs: cpPush, target: '<= 1.5x' })

    cleanup(remote)
    trellis(['push', '-q'], dir)
    const noop = await timed(() => trellis(['push', '-q'], dir))
    const ls = await timed(() => sh('find', [remote, '-type', 'f'], base))
    report({ name: 'no-op push: 10,000 files up to date', trellisMs: noop, baselineName: 'find remote', baselineMs: ls, target: '< 500 ms' })

    const emptyWorkspace = () => {
      cleanup(cache)
      cleanup(join(dir, 'data'))
    }
    const pull = await timed(() => trellis(['pull', '-q'], dir), emptyWorkspace)
    const copy = join(base, 'copy')
    const cpPull = await timed(() => sh('cp', ['-r', remote, copy], base), () => cleanup(copy))
    report({ name: 'pull: 1 GiB in 10,000 files (fetch + checkout)', trellisMs: pull, baselineName: 'cp -r', baselineMs: cpPull, target: '<= 1.5x' })

    const checkout = await timed(() => trellis(['checkout', '-q'], dir), () => cleanup(join(dir, 'data')))
    const links = join(base, 'links')
    const cpLinks = await timed(() => sh('cp', ['-rl', join(dir, 'data'), links], base), () => cleanup(links))
    report({ name: 'checkout: 1 GiB in 10,000 files as hardlinks', trellisMs: checkout, baselineName: 'cp -rl', baselineMs: cpLinks, target: '< 500 ms' })
  } finally {
    cleanup(base)
  }
}
