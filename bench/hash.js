// Hashing throughput against md5sum: one 1 GiB file (target >= 1.0x md5sum's
// throughput, i.e. time ratio <= 1.0) and a directory of 10,000 files (target: 1.7x
// md5sum's throughput, i.e. time ratio <= 0.59). Trellis is measured in-process
// through the same Hasher the engine uses, with the state store disabled.
import { closeSync, mkdirSync, openSync, writeSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Hasher } from '@trellis/core'
import { cleanup, median, report, sh, tempDir } from './lib.js'

export default async function hash() {
  const dir = tempDir('hash')
  try {
    const big = join(dir, 'big.bin')
    const fd = openSync(big, 'w')
    const chunk = randomBytes(16 << 20)
    for (let i = 0; i < 64; i++) writeSync(fd, chunk)
    closeSync(fd)
    const hashOnce = async (path) => {
      const fresh = await Hasher.open(dir, { stateless: true }) // no memo, no state: the bytes are read
      await fresh.hashPath(path)
      await fresh.close()
    }
    const oursBig = await median(() => hashOnce('big.bin'), 3)
    const md5Big = await median(() => sh('md5sum', [big], dir), 3)
    const gbps = (ms) => `${((1 << 30) / 1e6 / (ms / 1000)).toFixed(0)} MB/s`
    report({ name: 'hash: 1 GiB file', trellisMs: oursBig, baselineName: 'md5sum', baselineMs: md5Big, target: '<= 1.0x', extra: `${gbps(oursBig)} vs ${gbps(md5Big)}` })

    const tree = join(dir, 'tree')
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(tree, `d${d}`), { recursive: true })
      for (let f = 0; f < 100; f++) writeFileSync(join(tree, `d${d}`, `f${f}.bin`), randomBytes(4096 + ((d * 100 + f) % 8192)))
    }
    const oursTree = await median(() => hashOnce('tree'), 5)
    const md5Tree = await median(() => sh('sh', ['-c', 'find tree -type f -print0 | xargs -0 md5sum > /dev/null'], dir), 5)
    report({ name: 'hash: 10,000-file directory', trellisMs: oursTree, baselineName: 'find | xargs md5sum', baselineMs: md5Tree, target: '<= 0.59x (1.7x throughput)' })
  } finally {
    cleanup(dir)
  }
}
