/**
 * The plots fixture: examples/plots (a DVC-style ML pipeline with loss, ROC,
 * precision-recall, confusion, feature-importance, scatter and image plots, every built-in
 * template and top-level multi-file plots) copied into a fresh git repository, reproduced
 * with the CLI and committed, plus two experiments run with the CLI: `fast` (train.lr=0.3)
 * and `slow` (train.lr=0.05).
 */
import { cpSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { makeRepo, type Repo } from './repo.js'

export const PLOTS_EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/plots')

/** Every plot id of the example, in the order `plots diff` lists them. */
export const PLOT_IDS = [
  'plots/loss.csv',
  'plots/importance.png',
  'eval/prc.json',
  'eval/confusion.csv',
  'eval/features.json',
  'eval/scores/test.json',
  'eval/scores/train.json',
  'ROC',
  'Confusion normalized',
  'Feature importance',
  'Accuracy',
]

async function ok(repo: Repo, args: string[]): Promise<string> {
  const r = await repo.run(args)
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.stdout
}

export async function makePlotsProject(options: { experiments?: boolean } = {}): Promise<Repo> {
  const repo = makeRepo({}, { commit: false })
  cpSync(PLOTS_EXAMPLE, repo.dir, { recursive: true })
  repo.commitAll('the pipeline')
  await ok(repo, ['repro', '-q'])
  repo.commitAll('reproduced')
  if (options.experiments !== false) {
    await ok(repo, ['exp', 'run', '-q', '-n', 'fast', '-S', 'train.lr=0.3'])
    await ok(repo, ['exp', 'run', '-q', '-n', 'slow', '-S', 'train.lr=0.05'])
  }
  return repo
}
