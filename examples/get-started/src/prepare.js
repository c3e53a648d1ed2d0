// Split data/raw.csv into train.csv and test.csv with a seeded shuffle.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { readParams } from './params.js'

const [input, outDir] = process.argv.slice(2)
const { split, seed } = readParams().prepare
const [header, ...rows] = readFileSync(input, 'utf8').trim().split('\n')
let state = seed
const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1))
  ;[rows[i], rows[j]] = [rows[j], rows[i]]
}
const nTest = Math.round(rows.length * split)
mkdirSync(outDir, { recursive: true })
writeFileSync(`${outDir}/test.csv`, [header, ...rows.slice(0, nTest)].join('\n') + '\n')
writeFileSync(`${outDir}/train.csv`, [header, ...rows.slice(nTest)].join('\n') + '\n')
console.log(`prepare: ${rows.length - nTest} train rows, ${nTest} test rows`)
