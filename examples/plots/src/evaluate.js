// A stand-in for evaluation: ROC curves (train and test), a precision-recall curve, a
// confusion matrix, feature importances and per-sample scores, all from the trained model.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'

const model = JSON.parse(readFileSync('model.json', 'utf8'))
const w = model.weight
mkdirSync('eval/scores', { recursive: true })
const roc = (skill) => {
  const points = []
  for (let i = 0; i <= 20; i++) {
    const fpr = i / 20
    points.push({ fpr, tpr: Number(Math.min(1, fpr ** (1 / (1 + 4 * skill))).toFixed(4)), threshold: Number((1 - fpr).toFixed(2)) })
  }
  return { roc: points }
}
writeFileSync('eval/roc_train.json', JSON.stringify(roc(w * 1.1)))
writeFileSync('eval/roc_test.json', JSON.stringify(roc(w)))
const prc = []
for (let i = 0; i <= 20; i++) {
  const recall = i / 20
  prc.push({ recall, precision: Number((1 - (1 - w) * recall ** 2).toFixed(4)) })
}
writeFileSync('eval/prc.json', JSON.stringify({ prc }))
const labels = ['cat', 'dog', 'fox']
const confusion = ['actual,predicted']
for (let i = 0; i < 60; i++) {
  const actual = labels[i % 3]
  const wrong = (i * 7919) % 100 < (1 - w) * 100
  confusion.push(`${actual},${wrong ? labels[(i + 1) % 3] : actual}`)
}
writeFileSync('eval/confusion.csv', `${confusion.join('\n')}\n`)
const features = ['age', 'income', 'height', 'weight', 'visits'].map((feature, i) => ({ feature, importance: Number((((i + 1) * w * 37) % 1).toFixed(3)) }))
writeFileSync('eval/features.json', JSON.stringify(features))
for (const split of ['train', 'test']) {
  const scores = []
  for (let i = 0; i < 30; i++) scores.push({ score: Number((((i * 0.618) % 1) * w).toFixed(3)), label: i % 2 })
  writeFileSync(`eval/scores/${split}.json`, JSON.stringify(scores))
}
