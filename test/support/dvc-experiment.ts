/**
 * Experiments written the way DVC 2.x writes them, with plain git commands only (no
 * Trellis code): a commit whose tree is its parent's tree with some files changed
 * (params.yaml, dvc.lock, an uncached metrics file…), whose parent is the baseline (or
 * the previous checkpoint), with the message `dvc: commit experiment <64 hex>`, and a ref
 * `refs/exps/<AA>/<38 hex of the baseline>/<name>` set with `git update-ref`. HEAD, the
 * index, the branches and the working tree are left alone (a temporary GIT_INDEX_FILE).
 *
 * Tests use it to check that experiments DVC wrote show up and compare like Trellis'
 * own; benchmarks to make many experiments quickly.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

export interface DvcExperimentOptions {
  /** Files to change: repo-relative path → new content, or null to delete it. */
  files: Record<string, string | null>
  /** Default: DVC 2.8's automatic name, `exp-` + the first 5 hex of the experiment hash. */
  name?: string
  /** Baseline commit (any git revision; default HEAD). */
  baseline?: string
  /** Parent commit (default the baseline; the previous checkpoint for checkpoint chains). */
  parent?: string
  /** Author and committer date, as git takes it (`2021-08-02T16:48:14+00:00`, `@1627922894 +0000`). */
  date?: string
  /** Create or move the experiment ref (default true). */
  ref?: boolean
}

export interface DvcExperiment {
  sha: string
  ref: string
  name: string
  baseline: string
  /** The 64-hex experiment hash of the commit message. */
  hash: string
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'DVC User',
  GIT_AUTHOR_EMAIL: 'dvc@example.com',
  GIT_COMMITTER_NAME: 'DVC User',
  GIT_COMMITTER_EMAIL: 'dvc@example.com',
}

function git(dir: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): string {
  return execFileSync('git', args, {
    cwd: dir,
    env: { ...process.env, ...IDENTITY, ...options.env },
    input: options.input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim()
}

export function expRefName(baseline: string, name: string): string {
  return `refs/exps/${baseline.slice(0, 2)}/${baseline.slice(2)}/${name}`
}

/** Write one experiment commit (and its ref) into the repository at `dir`. */
export function writeDvcExperiment(dir: string, options: DvcExperimentOptions): DvcExperiment {
  const baseline = git(dir, ['rev-parse', '--verify', `${options.baseline ?? 'HEAD'}^{commit}`])
  const parent = options.parent ? git(dir, ['rev-parse', '--verify', `${options.parent}^{commit}`]) : baseline
  const hash = createHash('sha256')
    .update(options.files['dvc.lock'] ?? JSON.stringify(options.files))
    .update(randomBytes(8))
    .digest('hex')
  const name = options.name ?? `exp-${hash.slice(0, 5)}`
  const gitDir = git(dir, ['rev-parse', '--absolute-git-dir'])
  const index = join(gitDir, `dvc-exp-index-${process.pid}-${randomBytes(4).toString('hex')}`)
  const env: Record<string, string> = { GIT_INDEX_FILE: index }
  if (options.date) Object.assign(env, { GIT_AUTHOR_DATE: options.date, GIT_COMMITTER_DATE: options.date })
  try {
    git(dir, ['read-tree', parent], { env })
    for (const [path, content] of Object.entries(options.files)) {
      if (content === null) {
        git(dir, ['update-index', '--force-remove', '--', path], { env })
      } else {
        const blob = git(dir, ['hash-object', '-w', '--stdin'], { input: content })
        git(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env })
      }
    }
    const tree = git(dir, ['write-tree'], { env })
    const sha = git(dir, ['commit-tree', tree, '-p', parent, '-m', `dvc: commit experiment ${hash}`], { env })
    const ref = expRefName(baseline, name)
    if (options.ref !== false) git(dir, ['update-ref', ref, sha])
    return { sha, ref, name, baseline, hash }
  } finally {
    rmSync(index, { force: true })
  }
}

/**
 * A checkpoint experiment: one commit per step, each the parent of the next, the first
 * on the baseline; the ref follows the chain (DVC moves it at every checkpoint).
 */
export function writeDvcCheckpoints(
  dir: string,
  options: { name: string; baseline?: string; steps: Array<{ files: Record<string, string | null>; date?: string }> },
): DvcExperiment[] {
  const out: DvcExperiment[] = []
  for (const step of options.steps) {
    const previous = out[out.length - 1]
    out.push(
      writeDvcExperiment(dir, {
        files: step.files,
        date: step.date,
        name: options.name,
        baseline: previous?.baseline ?? options.baseline,
        parent: previous?.sha,
      }),
    )
  }
  return out
}

/** A dvc.lock for one stage `train` with params `lr`/`epochs` and an uncached metrics file, as DVC writes it. */
export function dvcLock(params: Record<string, unknown>, metricsPath: string, metricsContent: string): string {
  const md5 = createHash('md5').update(metricsContent).digest('hex')
  const paramLines = Object.entries(params)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `        ${k}: ${v}`)
    .join('\n')
  return [
    'schema: \'2.0\'',
    'stages:',
    '  train:',
    '    cmd: python train.py',
    '    params:',
    '      params.yaml:',
    paramLines,
    '    outs:',
    `    - path: ${metricsPath}`,
    `      md5: ${md5}`,
    `      size: ${Buffer.byteLength(metricsContent)}`,
    '',
  ].join('\n')
}
