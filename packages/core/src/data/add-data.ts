/**
 * `dvc add`: track files and directories as data sources. Each path gets a
 * `<path>.dvc` file in DVC 2.x's layout (`outs: - md5, size, [nfiles,]
 * [isexec,] path`), its content goes into the cache (`.dir` manifest for a
 * directory) and is linked back per `cache.type`, and `/<name>` is added to
 * the `.gitignore` beside it. Re-adding a tracked path updates its `.dvc`
 * file, keeping its other keys.
 *
 * In a DVC 3 project (`dvc-format.ts`) the entry is DVC 3's instead: plain md5,
 * `hash: md5` before `path`, the objects in `.dvc/cache/files/md5`.
 *
 * Every path is checked before anything is written: inside the project
 * (`workTreePath`), existing, not tracked by git, not an output of a
 * pipeline stage nor overlapping another output (DVC's errors).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, lstatSync, readdirSync } from 'node:fs'
import { posix, relative, resolve, sep } from 'node:path'
import { readDotDvcFile, updateDotDvcHashes } from '../dvcfile/load-dot-dvc.js'
import { dumpYaml } from '../dvcfile/yaml-emit.js'
import { TrellisError } from '../errors.js'
import { ensureIgnored } from '../pipeline/gitignore.js'
import { PipelineIndex } from '../pipeline/pipeline-index.js'
import { hashKeyOf, type HashInfo } from '../pipeline/types.js'
import { WorkingSet } from '../pipeline/working-set.js'
import type { Project } from '../project.js'
import { writeFileAtomic } from '../util/atomic-write.js'
import { workTreePath } from './work-tree-path.js'

export interface AddOptions {
  cwd?: string
  /** `--no-commit`: write the .dvc file, leave the cache alone. */
  noCommit?: boolean
  /** `-R`: add every file of a directory target on its own. */
  recursive?: boolean
  /** `--file`: the .dvc file's path (one target only). */
  file?: string
  /** `-o/--out`: copy the (possibly external) target there first, then track it (one target only). */
  out?: string
  onProgress?: (done: number, total: number) => void
}

export interface AddResult {
  /** Repo-relative paths tracked, with their .dvc files. */
  added: Array<{ path: string; dvcfile: string }>
  /** What to `git add`, relative to `cwd`, sorted (DVC's hint). */
  gitFiles: string[]
}

type AddProject = Pick<Project, 'root' | 'gitRoot' | 'cwd' | 'dvcConfig'> & { lock: Project['lock']; settings?: Project['settings'] }

function invalid(message: string, hint: string): TrellisError {
  return new TrellisError('INVALID_ARGUMENT', message, { hint })
}

function checkOptions(targets: readonly string[], options: AddOptions): void {
  if (targets.length === 0) throw invalid('no path to add', 'Name the files or directories to track: trellis add data.csv')
  if (options.file && (targets.length > 1 || options.recursive)) {
    throw invalid('cannot use `fname` with multiple targets or `-R|--recursive`', 'Pass --file with one target only.')
  }
  if (options.out) {
    const bad = targets.length !== 1 ? 'multiple targets' : options.noCommit ? '--no-commit option' : options.recursive ? '--recursive option' : undefined
    if (bad) throw invalid(`${bad} can't be used with -o`, '-o/--out copies one target into the project.')
  }
}

/** `-R`: the files under a directory, skipping .dvc files, .gitignore and .git/.dvc directories. */
function filesUnder(abs: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const path = `${abs}${sep}${entry.name}`
    if (entry.isDirectory()) {
      if (entry.name !== '.git' && entry.name !== '.dvc') out.push(...filesUnder(path))
    } else if (!entry.name.endsWith('.dvc') && entry.name !== '.gitignore') out.push(path)
  }
  return out.sort()
}

function gitTracked(gitRoot: string, abs: string): boolean {
  const rel = relative(gitRoot, abs).split(sep).join('/')
  const out = execFileSync('git', ['ls-files', '-z', '--', rel], { cwd: gitRoot, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } })
  return out.length > 0
}

const OVERLAP_CHILD = (out: string, parent: string, stage: string) =>
  `Cannot add '${out}', because it is overlapping with other DVC tracked output: '${parent}'.\nTo include '${out}' in '${parent}', run 'dvc commit ${stage}'`
const OVERLAP_PARENT = (parent: string, out: string, stage: string) =>
  `Cannot add '${parent}', because it is overlapping with other DVC tracked output: '${out}'.\nTo include '${out}' in '${parent}', run 'dvc remove ${stage}' and then 'dvc add ${parent}'`

/** Check one path against the pipeline's outputs: the stage owning it must be its own .dvc file. */
function checkOutputs(index: PipelineIndex, path: string, dvcfile: string): void {
  for (const stage of index.producersOf(path)) {
    if (stage.kind === 'single' && stage.dvcfile === dvcfile) continue
    const out = stage.outs.find((o) => o.path === path || o.path.startsWith(`${path}/`) || path.startsWith(`${o.path}/`))!
    if (out.path === path) {
      throw new TrellisError('DUPLICATE_OUTPUT', `output '${path}' is already specified in stage: '${stage.address}'.`, {
        hint: `Use \`dvc remove ${stage.address}\` to stop tracking the overlapping output.`,
      })
    }
    const message = out.path.startsWith(`${path}/`) ? OVERLAP_PARENT(path, out.path, stage.address) : OVERLAP_CHILD(path, out.path, stage.address)
    const [first, second] = message.split('\n')
    throw new TrellisError('OVERLAPPING_OUTPUT', first!, { hint: second })
  }
}

/** A new `.dvc` file's text, as `dvc add` writes it (DVC 3: `hash: md5` before `path`). */
function dotDvcText(hash: HashInfo, pathInFile: string): string {
  const out = new Map<string, unknown>([['md5', hash.md5], ['size', hash.size]])
  if (hash.nfiles !== undefined) out.set('nfiles', hash.nfiles)
  if (hash.isexec) out.set('isexec', true)
  if (hash.hash) out.set('hash', hash.hash)
  out.set('path', pathInFile)
  return dumpYaml(new Map([['outs', [out]]]))
}

export async function addData(project: AddProject, targets: readonly string[], options: AddOptions = {}): Promise<AddResult> {
  checkOptions(targets, options)
  const cwd = options.cwd ?? project.cwd
  const lock = await project.lock(`trellis add ${targets.join(' ')}`)
  try {
    let paths = [...targets]
    if (options.out) {
      const dest = workTreePath(project.root, cwd, options.out)
      const source = resolve(cwd, targets[0]!)
      if (!existsSync(source)) throw new TrellisError('TARGET_NOT_FOUND', `'${targets[0]}' does not exist`, { hint: 'Name an existing file or directory to copy in.' })
      if (existsSync(resolve(project.root, dest))) throw invalid(`'${options.out}' already exists`, 'Choose a new path for -o/--out, or add the existing one directly.')
      cpSync(source, resolve(project.root, dest), { recursive: true })
      paths = [resolve(project.root, dest)]
    }
    // every path resolved and checked before anything is written
    const index = await PipelineIndex.load(project.root)
    const planned: Array<{ path: string; dvcfile: string }> = []
    for (const target of paths) {
      const rel = workTreePath(project.root, cwd, target)
      const abs = resolve(project.root, rel)
      const st = lstatSync(abs, { throwIfNoEntry: false })
      if (!st) throw new TrellisError('TARGET_NOT_FOUND', `output '${target}' does not exist`, { hint: 'Check the path; only existing files and directories can be added.' })
      const expanded = options.recursive && st.isDirectory() ? filesUnder(abs).map((f) => workTreePath(project.root, cwd, f)) : [rel]
      for (const path of expanded) {
        const dvcfile = options.file ? workTreePath(project.root, cwd, options.file) : `${path}.dvc`
        if (!dvcfile.endsWith('.dvc')) throw invalid(`'${options.file}' is not a .dvc file name`, 'The --file name must end with .dvc.')
        if (gitTracked(project.gitRoot, resolve(project.root, path))) {
          throw new TrellisError('OUTPUT_TRACKED_BY_GIT', `output '${path}' is already tracked by SCM (e.g. Git).`, {
            hint: `You can remove it from Git, then add to DVC: git rm -r --cached '${path}' && git commit -m "stop tracking ${path}"`,
          })
        }
        checkOutputs(index, path, dvcfile)
        if (!planned.some((p) => p.path === path)) planned.push({ path, dvcfile })
      }
    }
    const ws = await WorkingSet.openFor(project)
    const gitFiles = new Set<string>()
    try {
      let done = 0
      for (const { path, dvcfile } of planned) {
        // the project's format: plain md5 into files/md5 in a DVC 3 project, md5-dos2unix otherwise
        const name = await ws.writeHashName()
        const hash = await ws.hash(path, name)
        if (!options.noCommit) await ws.commitToCache(path, hash.md5, 'link', name)
        const info: HashInfo = {
          md5: hash.md5,
          size: hash.size,
          ...(hash.nfiles !== undefined ? { nfiles: hash.nfiles } : {}),
          ...(hash.isexec ? { isexec: true } : {}),
          ...(hashKeyOf(name) ? { hash: hashKeyOf(name) } : {}),
        }
        const pathInFile = posix.relative(posix.dirname(dvcfile), path)
        let text: string
        if (existsSync(resolve(project.root, dvcfile))) {
          const { data } = await readDotDvcFile(project.root, dvcfile)
          const outs = Array.isArray(data.outs) ? (data.outs as Array<Record<string, unknown>>) : []
          text = outs.some((o) => o.path === pathInFile) ? updateDotDvcHashes(data, new Map([[pathInFile, info]])) : dotDvcText(info, pathInFile)
        } else text = dotDvcText(info, pathInFile)
        await writeFileAtomic(ws.guard.path(dvcfile, { final: 'follow', source: 'trellis add' }), text)
        gitFiles.add(dvcfile)
        const ignore = await ensureIgnored(ws.guard, path)
        gitFiles.add(ignore ?? (posix.dirname(path) === '.' ? '.gitignore' : `${posix.dirname(path)}/.gitignore`))
        options.onProgress?.(++done, planned.length)
      }
    } finally {
      await ws.close()
    }
    const rel = (p: string) => relative(cwd, resolve(project.root, p)).split(sep).join('/')
    return { added: planned, gitFiles: [...gitFiles].map(rel).sort() }
  } finally {
    await lock.release()
  }
}
