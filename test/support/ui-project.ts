/**
 * The project of the `trellis ui` API tests: one `train` stage (a Node script, so
 * no Python is needed) with params `train.lr` and `train.epochs`, an uncached
 * `metrics.json`, a CSV plot (`plots/loss.csv`, one row per epoch) and an image
 * plot (`plots/curve.png`, a PNG whose pixel encodes lr), reproduced and committed
 * on `main`; then experiments made by the CLI (`exp run -n ... -S ...`).
 */
import { expect } from 'vitest'
import { makeRepo, type Repo } from './repo.js'

export const UI_DVC_YAML = `stages:
  train:
    cmd: node train.js
    deps:
    - train.js
    params:
    - train.lr
    - train.epochs
    metrics:
    - metrics.json:
        cache: false
    plots:
    - plots/loss.csv:
        cache: false
        x: epoch
        y: loss
    - plots/curve.png:
        cache: false
`

/** A 1x1 PNG (its red channel set by lr), and a CSV of the loss per epoch; `SLEEP_MS` (env) slows each epoch, `echo` lines go to stdout. */
export const TRAIN_JS = `const fs = require('node:fs')
const zlib = require('node:zlib')
const text = fs.readFileSync('params.yaml', 'utf8')
const lr = Number(/lr: *([0-9.e-]+)/.exec(text)[1])
const epochs = Number(/epochs: *([0-9]+)/.exec(text)[1])
const wait = Number(process.env.SLEEP_MS || 0)
const rows = ['epoch,loss']
for (let epoch = 0; epoch < epochs; epoch++) {
  console.log('epoch ' + epoch)
  if (wait) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait)
  rows.push(epoch + ',' + (1 / (1 + lr * (epoch + 1))).toFixed(4))
}
fs.mkdirSync('plots', { recursive: true })
fs.writeFileSync('plots/loss.csv', rows.join('\\n') + '\\n')
fs.writeFileSync('metrics.json', JSON.stringify({ acc: Number((0.5 + lr).toFixed(4)), loss: Number((1 / (1 + lr * epochs)).toFixed(4)) }))
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0 })
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0 }
const chunk = (type, data) => { const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const body = Buffer.concat([Buffer.from(type), data]); const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body)); return Buffer.concat([len, body, sum]) }
const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])
const pixel = zlib.deflateSync(Buffer.from([0, Math.round(lr * 255) & 255, 0, 0]))
fs.writeFileSync('plots/curve.png', Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', pixel), chunk('IEND', Buffer.alloc(0))]))
`

export async function ok(repo: Repo, args: string[], env?: Record<string, string>): Promise<string> {
  const r = await repo.run(args, { env })
  expect(r.stderr, `trellis ${args.join(' ')}`).toBe('')
  expect(r.code, `trellis ${args.join(' ')}`).toBe(0)
  return r.stdout
}

/** The project reproduced and committed on main; `experiments` names → -S lists, run in order with the CLI. */
export async function makeUiProject(experiments: Record<string, string[]> = {}): Promise<Repo> {
  const repo = makeRepo({ 'dvc.yaml': UI_DVC_YAML, 'params.yaml': 'train:\n  lr: 0.1\n  epochs: 3\n', 'train.js': TRAIN_JS, '.gitignore': '' }, { commit: false })
  repo.commitAll('pipeline')
  await ok(repo, ['repro', '-q'])
  repo.commitAll('reproduced')
  for (const [name, setParams] of Object.entries(experiments)) {
    await ok(repo, ['exp', 'run', '-q', '-n', name, ...setParams.flatMap((s) => ['-S', s])])
  }
  return repo
}
