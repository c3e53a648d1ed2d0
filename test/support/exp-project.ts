/**
 * A small DVC project for the experiment tests: one `train` stage with params `lr` and
 * `epochs` (params.yaml also holds `model.name`, not a dependency) and an uncached
 * `metrics.json`, committed on `main` at a fixed date; experiments are added with
 * dvc-experiment.ts, the way DVC writes them.
 */
import { makeRepo, type Repo } from './repo.js'
import { dvcLock, writeDvcExperiment, type DvcExperiment } from './dvc-experiment.js'

export const DVC_YAML = `stages:
  train:
    cmd: python train.py
    params:
    - lr
    - epochs
    metrics:
    - metrics.json:
        cache: false
`

export function paramsYaml(lr: number, epochs: number, model = 'cnn'): string {
  return `lr: ${lr}\nepochs: ${epochs}\nmodel:\n  name: ${model}\n`
}

export function metricsJson(acc: number, loss: number): string {
  return JSON.stringify({ acc, loss })
}

/** Commit everything at a fixed date (author and committer). */
export function commitAt(repo: Repo, message: string, date: string): string {
  process.env.GIT_AUTHOR_DATE = date
  process.env.GIT_COMMITTER_DATE = date
  try {
    return repo.commitAll(message)
  } finally {
    delete process.env.GIT_AUTHOR_DATE
    delete process.env.GIT_COMMITTER_DATE
  }
}

/** The project, its baseline committed on 2021-08-02 16:48:14 UTC. */
export function makeExpProject(): { repo: Repo; baseline: string } {
  const repo = makeRepo(
    {
      'dvc.yaml': DVC_YAML,
      'params.yaml': paramsYaml(0.001, 10),
      'metrics.json': metricsJson(0.9544670443829399, 0.25),
      'train.py': 'print("training")\n',
    },
    { commit: false },
  )
  const baseline = commitAt(repo, 'baseline', '2021-08-02T16:48:14+00:00')
  return { repo, baseline }
}

/** An experiment as DVC writes it: params.yaml, dvc.lock and metrics.json changed. */
export function addExperiment(
  repo: Repo,
  values: { lr: number; epochs: number; acc: number; loss: number; model?: string },
  options: { name?: string; date: string; baseline?: string; parent?: string },
): DvcExperiment {
  const metrics = metricsJson(values.acc, values.loss)
  return writeDvcExperiment(repo.dir, {
    files: {
      'params.yaml': paramsYaml(values.lr, values.epochs, values.model),
      'metrics.json': metrics,
      'dvc.lock': dvcLock({ lr: values.lr, epochs: values.epochs }, 'metrics.json', metrics),
    },
    ...options,
  })
}

/** Run the CLI with a fixed time zone, so Created cells are stable. */
export function runUtc(repo: Repo, args: string[], cwd?: string) {
  return repo.run(args, { env: { TZ: 'UTC' }, cwd })
}
