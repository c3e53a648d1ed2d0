/** `trellis init`: create `.dvc/` as `dvc init` does, so DVC itself can use the repo. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { TrellisError } from '../errors.js'
import { findGitRoot } from './find-root.js'

export interface InitOptions {
  /** Allow a project in a subdirectory of the git repository (`dvc init --subdir`). */
  subdir?: boolean
  /** Re-create the config files of an existing project. */
  force?: boolean
  /** Start a DVC 3 project: entries are written in the 3.x format (`dvcFormat: 3` in `.trellisrc.yaml`). */
  dvc3?: boolean
}

const TRELLIS_CONFIG_FILES = ['.trellisrc', '.trellisrc.json', '.trellisrc.yaml', '.trellisrc.yml', '.trellisrc.js', '.trellisrc.mjs', '.trellisrc.cjs', 'trellis.config.js', 'trellis.config.mjs', 'trellis.config.cjs']

export async function initProject(cwd: string, options: InitOptions = {}): Promise<{ root: string; created: string[] }> {
  const gitRoot = findGitRoot(cwd)
  if (gitRoot !== cwd && !options.subdir) {
    throw new TrellisError('INVALID_ARGUMENT', `'${cwd}' is not the top of the git repository ('${gitRoot}')`, {
      hint: `Run \`trellis init\` in ${gitRoot}, or pass --subdir to make a project in this subdirectory.`,
    })
  }
  const dvcDir = join(cwd, '.dvc')
  const present = await stat(dvcDir).then(() => true, () => false)
  if (present && !options.force) {
    throw new TrellisError('ALREADY_INITIALIZED', `'${join(relative(gitRoot, cwd) || '.', '.dvc')}' exists already`, {
      hint: 'This project is initialised; use `trellis init --force` to re-create its config files.',
    })
  }
  if (options.dvc3) {
    const existing = await Promise.all(TRELLIS_CONFIG_FILES.map((f) => stat(join(cwd, f)).then(() => f, () => undefined)))
    const pkg = await readFile(join(cwd, 'package.json'), 'utf8').then((t) => (JSON.parse(t) as Record<string, unknown>)?.trellis !== undefined, () => false)
    const found = pkg ? 'package.json#trellis' : existing.find(Boolean)
    if (found) {
      throw new TrellisError('INVALID_ARGUMENT', `--dvc3 would write .trellisrc.yaml, but '${found}' is the trellis config already`, {
        hint: `Add the setting \`dvcFormat: 3\` to ${found} and run \`trellis init\` without --dvc3.`,
      })
    }
  }
  await mkdir(join(dvcDir, 'tmp'), { recursive: true })
  const files: Array<[string, string]> = [
    ['config', options.subdir ? '[core]\n    no_scm = False\n' : ''],
    ['.gitignore', '/config.local\n/tmp\n/cache\n'],
  ]
  const created: string[] = []
  for (const [name, content] of files) {
    await writeFile(join(dvcDir, name), content)
    created.push(`.dvc/${name}`)
  }
  const dvcignore = join(cwd, '.dvcignore')
  if (!(await stat(dvcignore).then(() => true, () => false))) {
    await writeFile(dvcignore, '# Add patterns of files dvc should ignore, which could improve\n# the performance. Learn more at\n# https://dvc.org/doc/user-guide/dvcignore\n')
    created.push('.dvcignore')
  }
  if (options.dvc3) {
    await writeFile(join(cwd, '.trellisrc.yaml'), '# DVC 3 project: dvc.lock / .dvc entries are written as DVC 3.x writes them (hash: md5)\ndvcFormat: 3\n')
    created.push('.trellisrc.yaml')
  }
  return { root: cwd, created }
}
