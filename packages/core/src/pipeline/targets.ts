/**
 * Turn CLI targets into stages, as `dvc repro` reads them (relative to the cwd):
 * `name`, `group` (all `group@*`), `name@key`, `path/dvc.yaml`, `path/dvc.yaml:name`,
 * `:name`, `foo.dvc`, and directories with `--recursive`. No target means every
 * stage of `./dvc.yaml`.
 */
import { existsSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { TrellisError } from '../errors.js'
import { isWithin } from './path-utils.js'
import type { PipelineIndex } from './pipeline-index.js'
import type { Stage } from './types.js'

export interface TargetOptions {
  recursive?: boolean
}

function toPosix(path: string): string {
  return path.split('\\').join('/')
}

export function resolveTargets(index: PipelineIndex, cwd: string, targets: string[], options: TargetOptions = {}): Stage[] {
  const root = index.root
  const rel = (p: string) => toPosix(relative(root, resolve(cwd, p)))
  if (targets.length === 0) {
    const file = rel('dvc.yaml')
    const stages = index.stages.filter((s) => s.dvcfile === file)
    if (stages.length === 0 && !existsSync(join(root, file))) {
      throw new TrellisError('TARGET_NOT_FOUND', `'${toPosix(relative(cwd, join(root, file))) || 'dvc.yaml'}' does not exist`, {
        hint: 'Run this in a directory with a dvc.yaml, or name the targets (stage names or path/to/dvc.yaml).',
      })
    }
    return stages
  }
  const out: Stage[] = []
  const add = (stages: Stage[]) => {
    for (const s of stages) if (!out.includes(s)) out.push(s)
  }
  for (const target of targets) add(resolveOne(index, cwd, target, rel, options))
  return out
}

function resolveOne(index: PipelineIndex, cwd: string, target: string, rel: (p: string) => string, options: TargetOptions): Stage[] {
  const abs = resolve(cwd, target)
  if (options.recursive && existsSync(abs) && statSync(abs).isDirectory()) {
    const dir = rel(target)
    const stages = index.stages.filter((s) => isWithin(s.dvcfile, dir))
    if (stages.length === 0) throw notFound(`no stages found under '${target}'`, 'Check the directory, or drop --recursive to name stages.')
    return stages
  }
  if (target.endsWith('.dvc') && !target.includes(':')) {
    const stage = index.stages.find((s) => s.kind === 'single' && s.dvcfile === rel(target))
    if (!stage) throw notFound(`'${target}' does not exist`, 'Name an existing .dvc file.')
    return [stage]
  }
  let file = 'dvc.yaml'
  let name: string | undefined = target
  const colon = target.lastIndexOf(':')
  if (colon >= 0 && !/[/\\:]/.test(target.slice(colon + 1))) {
    file = target.slice(0, colon) || 'dvc.yaml'
    name = target.slice(colon + 1)
  } else if (/(^|[/\\])dvc\.(yaml|lock)$/.test(target)) {
    file = target
    name = undefined
  }
  if (/(^|[/\\])dvc\.lock$/.test(file)) {
    const yaml = file.replace(/dvc\.lock$/, 'dvc.yaml')
    throw new TrellisError('TARGET_NOT_FOUND', `'${target}' is a lock file, not a target`, {
      hint: `Did you mean: \`${yaml}${name ? `:${name}` : ''}\`?`,
    })
  }
  const dvcfile = rel(file)
  const inFile = index.stages.filter((s) => s.dvcfile === dvcfile)
  if (inFile.length === 0 && !existsSync(resolve(cwd, file))) {
    throw notFound(`'${file}' does not exist`, 'Name a stage of ./dvc.yaml, or path/to/dvc.yaml:stage.')
  }
  if (name === undefined) return inFile
  const exact = inFile.filter((s) => s.name === name)
  if (exact.length > 0) return exact
  const group = inFile.filter((s) => s.name.startsWith(`${name}@`))
  if (group.length > 0) return group
  const known = inFile.map((s) => s.name)
  throw notFound(`Stage '${name}' not found inside '${file}' file`, known.length ? `Stages in ${file}: ${known.join(', ')}.` : `${file} defines no stages.`)
}

function notFound(message: string, hint: string): TrellisError {
  return new TrellisError('TARGET_NOT_FOUND', message, { hint })
}
