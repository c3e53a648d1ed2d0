// Logistic regression by gradient descent: learning rate and epochs from params.yaml.
import { readFileSync, writeFileSync } from 'node:fs'
import { readParams } from './params.js'

const [input, output] = process.argv.slice(2)
const { lr, epochs } = readParams().train
const rows = readFileSync(input, 'utf8').trim().split('\n').slice(1).map((r) => r.split(',').map(Number))
let w = [0, 0]
let b = 0
for (let epoch = 0; epoch < epochs; epoch++) {
  for (const [x1, x2, y] of rows) {
    const p = 1 / (1 + Math.exp(-(w[0] * x1 + w[1] * x2 + b)))
    const g = p - y
    w = [w[0] - lr * g * x1, w[1] - lr * g * x2]
    b -= lr * g
  }
}
writeFileSync(output, JSON.stringify({ w, b }, null, 2) + '\n')
console.log(`train: lr=${lr} epochs=${epochs} -> w=[${w.map((v) => v.toFixed(3))}] b=${b.toFixed(3)}`)
