#!/usr/bin/env node
// `npm run bench`: every benchmark measures Trellis and a baseline in the same run
// and prints the ratio. Pass names to run a subset: `npm run bench -- hash startup`.
import { results } from './lib.js'

const suites = {
  hash: () => import('./hash.js'),
  'noop-repro': () => import('./noop-repro.js'),
  startup: () => import('./startup.js'),
  'exp-store-snapshot': () => import('./exp-store-snapshot.js'),
  'exp-run': () => import('./exp-run.js'),
  'exp-show': () => import('./exp-show.js'),
  checkpoint: () => import('./checkpoint.js'),
  queue: () => import('./queue.js'),
  'queue-redis': () => import('./queue-redis.js'),
  'safe-path': () => import('./safe-path.js'),
  parse: () => import('./parse.js'),
  plots: () => import('./plots.js'),
  'data-sync': () => import('./data-sync.js'),
  sweep: () => import('./sweep.js'),
  'ui-server': () => import('./ui-server.js'),
  'ui-page': () => import('./ui-page.js'),
  dvc: () => import('./vs-dvc.js'),
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
for (const [name, load] of Object.entries(suites)) {
  if (wanted.length && !wanted.includes(name)) continue
  console.log(`\n## ${name}`)
  const mod = await load()
  await mod.default()
}
console.log('\n## summary')
for (const r of results()) {
  console.log(`| ${r.name} | ${r.trellisMs.toFixed(0)} ${r.unit} | ${r.baselineName} ${r.baselineMs.toFixed(0)} ${r.unit} | ${r.ratio.toFixed(2)}x | ${r.target} |`)
}
