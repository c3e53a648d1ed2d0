// The cost of the work-tree path guard (packages/core/src/fs/safe-path.ts) on path-heavy work:
// 1. `exp apply` of an experiment that changes 1,000 files in 50 directories: the guard's plan
//    and check of those 1,000 paths (names + lstat of existing components, as apply runs it) against
//    the least any writer does (one lstat per path), and its share of the whole apply;
// 2. checkout of a 10,000-file directory output: the name check of every manifest entry
//    against reading the manifest (which checkout does anyway).
// Target: the guard costs < 5% of the operation it protects.
import { mkdirSync, lstatSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WorkTreeGuard, ObjectCache } from '../packages/core/dist/index.js'
import { unsafeName } from '../packages/core/dist/fs/safe-path.js'
import { cleanup, git, median, report, tempDir, trellis } from './lib.js'

const FILES = Number(process.env.BENCH_APPLY_FILES ?? 1000)
const DIR_FILES = Number(process.env.BENCH_DIR_FILES ?? 10000)

export default async function safePath() {
  const dir = tempDir('safepath')
  try {
    git(['init', '-q'], dir)
    trellis(['init', '-q'], dir)
    const paths = []
    for (let i = 0; i < FILES; i++) paths.push(`src/pkg${i % 50}/mod${Math.floor(i / 50)}/f${i}.txt`)
    const writeAll = (v) => {
      for (const p of paths) {
        mkdirSync(join(dir, p, '..'), { recursive: true })
        writeFileSync(join(dir, p), `${p} ${v}\n`)
      }
    }
    writeAll(0)
    git(['add', '-A'], dir)
    git(['commit', '-qm', 'base'], dir)
    // the experiment: every file changed, as a commit under refs/exps (no run needed)
    writeAll(1)
    git(['add', '-A'], dir)
    const tree = git(['write-tree'], dir).trim()
    const head = git(['rev-parse', 'HEAD'], dir).trim()
    const sha = git(['commit-tree', '-p', head, '-m', 'exp', tree], dir).trim()
    git(['update-ref', `refs/exps/${head.slice(0, 2)}/${head.slice(2)}/wide`, sha], dir)
    git(['reset', '-q', '--hard', 'HEAD'], dir)

    const apply = await median(() => {
      trellis(['exp', 'apply', '-q', 'wide'], dir)
      trellis(['exp', 'apply', '-q', '--undo'], dir)
    }, 5)
    // `apply` above is apply + undo: the guard runs once in each, over the same paths
    const guard = await median(() => {
      for (let k = 0; k < 2; k++) {
        const g = new WorkTreeGuard(dir)
        for (const p of paths) g.plan(p, { file: true })
        for (const p of paths) g.check(p, { source: 'bench' })
        g.assertSafe()
      }
    }, 21)
    const lstatOnly = await median(() => {
      for (let k = 0; k < 2; k++) for (const p of paths) lstatSync(join(dir, p))
    }, 21)
    report({
      name: `path guard: ${FILES} paths of exp apply + --undo`,
      trellisMs: guard,
      baselineName: 'one lstat per path',
      baselineMs: lstatOnly,
      target: '< 5% of the apply',
      extra: `${((guard / apply) * 100).toFixed(1)}% of exp apply + --undo (${apply.toFixed(0)} ms), ${((guard / (2 * FILES)) * 1000).toFixed(1)} µs per path`,
    })

    // a directory output of 10,000 files: its manifest, as a checkout reads it, then every name checked
    const data = join(dir, 'data')
    for (let i = 0; i < DIR_FILES; i++) {
      mkdirSync(join(data, `shard${i % 100}`), { recursive: true })
      writeFileSync(join(data, `shard${i % 100}`, `sample-${i}.bin`), String(i))
    }
    const cache = ObjectCache.forRepo(dir)
    const { hashDirectory } = await import('../packages/core/dist/hash/dir-hash.js')
    const m = await hashDirectory(data)
    await cache.saveDir(data, m.entries, m.hashInfo.md5)
    const read = await median(() => cache.readManifestSync(m.hashInfo.md5), 21)
    const names = await median(() => {
      for (const e of m.entries) if (unsafeName(e.relpath, { internal: true })) throw new Error(e.relpath)
    }, 21)
    report({
      name: `path guard: names of a ${DIR_FILES}-file .dir manifest (checkout)`,
      trellisMs: names,
      baselineName: 'reading the manifest',
      baselineMs: read,
      target: '< 5% of the checkout',
      extra: `${((names / DIR_FILES) * 1000).toFixed(2)} µs per name`,
    })
  } finally {
    cleanup(dir)
  }
}
