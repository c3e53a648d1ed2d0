/**
 * Experiments built with plain git the way DVC 2.x writes them, for testing
 * the commands that manage them without depending on `exp run`:
 *
 * - the project: one stage `train` (`sh train.sh`) reading `lr` from
 *   params.yaml, writing a cached output `model.pkl` (git-ignored, its object
 *   in `.dvc/cache`) and an uncached metric `metrics.json` (committed);
 * - an experiment: a commit whose parent is the baseline (or the previous
 *   checkpoint), holding the changed params.yaml, dvc.lock and metrics.json,
 *   message `dvc: commit experiment <64 hex>`, written through a temporary
 *   index (HEAD, the index and the workspace are untouched), its ref set with
 *   `git update-ref refs/exps/<AA>/<38 hex>/<name>`.
 *
 * The dvc.lock is the one `dvc repro` would write for those contents, so
 * `trellis status` is clean wherever an experiment is applied completely.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Repo } from './repo.js'

export const DVC_YAML = `stages:
  train:
    cmd: sh train.sh
    deps:
    - train.sh
    params:
    - lr
    outs:
    - model.pkl
    metrics:
    - metrics.json:
        cache: false
`

export const TRAIN_SH = `lr=$(sed -n 's/^lr: //p' params.yaml)
printf 'model trained with lr=%s\\n' "$lr" > model.pkl
printf '{"loss": %s}\\n' "$lr" > metrics.json
`

/** What `sh train.sh` writes for a learning rate. */
export function trainOutputs(lr: string): { model: string; metrics: string } {
  return { model: `model trained with lr=${lr}\n`, metrics: `{"loss": ${lr}}\n` }
}

export const md5 = (content: string | Uint8Array): string => createHash('md5').update(content).digest('hex')
const size = (content: string): number => Buffer.byteLength(content)

/** The dvc.lock `dvc repro` writes after training with `lr`. */
export function dvcLock(lr: string): string {
  const { model, metrics } = trainOutputs(lr)
  return `schema: '2.0'
stages:
  train:
    cmd: sh train.sh
    deps:
    - path: train.sh
      md5: ${md5(TRAIN_SH)}
      size: ${size(TRAIN_SH)}
    params:
      params.yaml:
        lr: ${lr}
    outs:
    - path: metrics.json
      md5: ${md5(metrics)}
      size: ${size(metrics)}
    - path: model.pkl
      md5: ${md5(model)}
      size: ${size(model)}
`
}

/** Put `content` into the repo's DVC cache as DVC does (read-only object); returns its md5. */
export function writeCacheObject(repo: Repo, content: string): string {
  const hash = md5(content)
  const path = repo.path(`.dvc/cache/${hash.slice(0, 2)}/${hash.slice(2)}`)
  if (!existsSync(path)) {
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, content)
    chmodSync(path, 0o444)
  }
  return hash
}

/**
 * Make `repo` (a `trellis init`-ed git repo) the trained project at `lr` and
 * commit it; the workspace holds model.pkl (also in the cache). Returns the commit.
 */
export function commitDvcProject(repo: Repo, lr = '0.1', message = 'baseline'): string {
  const { model, metrics } = trainOutputs(lr)
  repo
    .write('dvc.yaml', DVC_YAML)
    .write('train.sh', TRAIN_SH)
    .write('params.yaml', `lr: ${lr}\n`)
    .write('dvc.lock', dvcLock(lr))
    .write('metrics.json', metrics)
    .write('.gitignore', '/model.pkl\n')
  rmSync(repo.path('model.pkl'), { force: true })
  repo.write('model.pkl', model)
  writeCacheObject(repo, model)
  return repo.commitAll(message)
}

export interface DvcExperimentSpec {
  name: string
  /** The learning rate the experiment was run with. */
  lr: string
  /** Baseline commit (default HEAD). */
  baseline?: string
  /** Parent commit: the previous checkpoint (default the baseline). */
  parent?: string
  /** Put model.pkl's object into the cache (default true; false = "not pulled"). */
  cacheOutput?: boolean
  /** Other tracked files changed by the experiment (null = deleted). */
  files?: Record<string, string | null>
  /** Write the ref (default true; false for an intermediate checkpoint). */
  writeRef?: boolean
}

export interface DvcExperiment {
  sha: string
  ref: string
  baseline: string
  name: string
  params: string
  lock: string
  metrics: string
  model: string
}

export const expRefOf = (baseline: string, name: string): string => `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`

/** Commit an experiment as DVC does and point its ref at it. */
export function commitDvcExperiment(repo: Repo, spec: DvcExperimentSpec): DvcExperiment {
  const baseline = spec.baseline ?? repo.git('rev-parse', 'HEAD')
  const parent = spec.parent ?? baseline
  const { model, metrics } = trainOutputs(spec.lr)
  const params = `lr: ${spec.lr}\n`
  const lock = dvcLock(spec.lr)
  if (spec.cacheOutput !== false) writeCacheObject(repo, model)
  const files: Record<string, string | null> = { 'params.yaml': params, 'dvc.lock': lock, 'metrics.json': metrics, ...spec.files }

  const tmp = mkdtempSync(join(tmpdir(), 'trellis-exp-index-'))
  const env = { ...process.env, GIT_INDEX_FILE: join(tmp, 'index'), GIT_AUTHOR_NAME: 'DVC', GIT_AUTHOR_EMAIL: 'dvc@example.com', GIT_COMMITTER_NAME: 'DVC', GIT_COMMITTER_EMAIL: 'dvc@example.com' }
  const git = (args: string[], input?: string): string => execFileSync('git', args, { cwd: repo.dir, env, input, encoding: 'utf8' }).trim()
  try {
    git(['read-tree', parent])
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        git(['update-index', '--force-remove', '--', path])
        continue
      }
      const oid = git(['hash-object', '-w', '--stdin'], content)
      git(['update-index', '--add', '--cacheinfo', `100644,${oid},${path}`])
    }
    const tree = git(['write-tree'])
    const expHash = createHash('sha256').update(lock).update(spec.name).digest('hex')
    const sha = git(['commit-tree', tree, '-p', parent, '-m', `dvc: commit experiment ${expHash}`])
    const ref = expRefOf(baseline, spec.name)
    if (spec.writeRef !== false) git(['update-ref', ref, sha])
    return { sha, ref, baseline, name: spec.name, params, lock, metrics, model }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
