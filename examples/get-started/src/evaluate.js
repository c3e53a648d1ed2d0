// Accuracy and log-loss of the model on the held-out rows, written to metrics.json.
import { readFileSync, writeFileSync } from 'node:fs'

const [modelFile, input] = process.argv.slice(2)
const { w, b } = JSON.parse(readFileSync(modelFile, 'utf8'))
const rows = readFileSync(input, 'utf8').trim().split('\n').slice(1).map((r) => r.split(',').map(Number))
let correct = 0
let loss = 0
for (const [x1, x2, y] of rows) {
  const p = Math.min(Math.max(1 / (1 + Math.exp(-(w[0] * x1 + w[1] * x2 + b))), 1e-12), 1 - 1e-12)
  if ((p >= 0.5 ? 1 : 0) === y) correct++
  loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p)
}
const metrics = { accuracy: correct / rows.length, loss: loss / rows.length }
writeFileSync('metrics.json', JSON.stringify(metrics, null, 2) + '\n')
console.log(`evaluate: accuracy=${metrics.accuracy.toFixed(4)} loss=${metrics.loss.toFixed(4)}`)
