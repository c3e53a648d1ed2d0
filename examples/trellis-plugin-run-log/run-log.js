// @ts-check
/** Where the run log lives and how a line looks (shared by the plugin and its command). */
import { existsSync } from 'node:fs'
import { dirname, join, parse } from 'node:path'

/** `<project root>/.dvc/tmp/run-log.jsonl` */
export function logFile(projectRoot) {
  return join(projectRoot, '.dvc', 'tmp', 'run-log.jsonl')
}

/** The project root above `cwd` (the nearest directory holding `.dvc/`), or undefined. */
export function findProjectRoot(cwd) {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.dvc'))) return dir
    if (dir === parse(dir).root) return undefined
  }
}
