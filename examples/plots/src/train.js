// A stand-in for training: loss and accuracy per epoch that depend on the learning rate,
// a model file, metrics, and a feature-importance image (a small PNG).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { crc32, deflateSync } from 'node:zlib'

const params = Object.fromEntries(
  readFileSync('params.yaml', 'utf8')
    .split('\n')
    .map((line) => /^\s+(\w+):\s*([\d.e-]+)/.exec(line))
    .filter(Boolean)
    .map((m) => [m[1], Number(m[2])]),
)
const { lr, epochs } = params
mkdirSync('plots', { recursive: true })
const rows = ['epoch,loss,accuracy']
let loss = 1
for (let epoch = 0; epoch < epochs; epoch++) {
  loss = loss * (1 - lr / 2) + 0.01 * Math.sin(epoch)
  rows.push(`${epoch},${loss.toFixed(5)},${(1 - loss / 1.5).toFixed(5)}`)
}
writeFileSync('plots/loss.csv', `${rows.join('\n')}\n`)
writeFileSync('model.json', JSON.stringify({ lr, epochs, weight: 1 - loss }))
writeFileSync('metrics.json', JSON.stringify({ loss: Number(loss.toFixed(5)), accuracy: Number((1 - loss / 1.5).toFixed(5)) }))

// a 64x16 bar chart image: bar length from the final accuracy
function png(width, height, pixel) {
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0
    for (let x = 0; x < width; x++) pixel(x, y).forEach((v, i) => (raw[y * (width * 3 + 1) + 1 + x * 3 + i] = v))
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([len, body, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.writeUInt8(8, 8)
  ihdr.writeUInt8(2, 9)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}
const bar = Math.round(64 * (1 - loss / 1.5))
writeFileSync('plots/importance.png', png(64, 16, (x) => (x < bar ? [40, 110, 200] : [240, 240, 240])))
