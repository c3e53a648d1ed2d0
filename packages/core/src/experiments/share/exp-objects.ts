/**
 * Which cache objects an experiment needs (DVC §16): the outputs recorded by
 * every commit of the experiment — the tip and each checkpoint down to the
 * baseline — and by the baseline itself. Read from the commits' trees, not
 * the workspace: every `dvc.lock` (with the cache/push flags of its
 * `dvc.yaml`) and every `.dvc` file.
 */
import { TrellisError } from '../../errors.js'
import { parseDotDvc } from '../../dvcfile/load-dot-dvc.js'
import { parseLockfile } from '../../dvcfile/lockfile.js'
import { loadYaml } from '../../util/yaml.js'
import { hashNameOf, type HashName } from '../../pipeline/types.js'
import type { GitRepository } from '../../plugin-api/git-repository.js'

export interface UsedObject {
  /** `<md5>` or `<md5>.dir`. */
  md5: string
  /** Where it is recorded first, for messages: `dvc.lock: model.pkl`. */
  source: string
  /**
   * False when the output is declared `cache: false` (metrics, plots): its
   * object is in the cache only if the run-cache copied it there, so its
   * absence is not worth a warning.
   */
  cached: boolean
  /** False for outputs declared `push: false`: never uploaded. */
  push: boolean
  /** DVC 3 `md5` (cache and remote under `files/md5/`) or 2.x / legacy `md5-dos2unix`. */
  hashName: HashName
}

/** Longest checkpoint chain followed before giving up (a guard against foreign histories). */
const MAX_CHAIN = 100_000

/**
 * The commits whose data an experiment needs: from `tip` along first parents
 * down to (not including) `baseline`, then `baseline`.
 */
export async function experimentCommits(store: GitRepository, tip: string, baseline: string): Promise<string[]> {
  const commits: string[] = []
  let sha: string | undefined = tip
  while (sha && sha !== baseline && commits.length < MAX_CHAIN) {
    commits.push(sha)
    sha = (await store.readCommit(sha)).parents[0]
  }
  if (await store.resolve(baseline)) commits.push(baseline)
  return commits
}

type OutFlags = { cache: boolean; push: boolean }

/** Flags of a dvc.yaml's literal out paths, by stage name then path as written. */
function outFlags(text: string, file: string): Map<string, Map<string, OutFlags>> {
  const byStage = new Map<string, Map<string, OutFlags>>()
  const data = loadYaml(text, file).data as { stages?: Record<string, unknown> } | null
  const stages = data && typeof data === 'object' && data.stages && typeof data.stages === 'object' ? data.stages : {}
  for (const [name, raw] of Object.entries(stages)) {
    const def = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {}
    const body = def.foreach !== undefined && def.do && typeof def.do === 'object' ? (def.do as Record<string, unknown>) : def
    const flags = new Map<string, OutFlags>()
    for (const section of ['outs', 'metrics', 'plots']) {
      const list = body[section]
      if (!Array.isArray(list)) continue
      for (const item of list) {
        if (typeof item === 'string') flags.set(item, { cache: true, push: true })
        else if (item && typeof item === 'object') {
          for (const [path, opts] of Object.entries(item as Record<string, unknown>)) {
            const o = opts && typeof opts === 'object' ? (opts as Record<string, unknown>) : {}
            flags.set(path, { cache: o.cache !== false, push: o.push !== false })
          }
        }
      }
    }
    byStage.set(name, flags)
  }
  return byStage
}

const isDotDvc = (path: string) => /(^|\/)[^/]+\.dvc$/.test(path) && !path.startsWith('.dvc/')
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1)
const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '')

/**
 * Every object the given commits record, first mention kept. Files that do
 * not parse are reported through `onWarning` and skipped.
 */
export async function usedObjects(
  store: GitRepository,
  commits: readonly string[],
  onWarning?: (message: string) => void,
): Promise<Map<string, UsedObject>> {
  // keyed by md5 (2.x / legacy) or `md5:<md5>` (DVC 3): the same hex can be both
  const used = new Map<string, UsedObject>()
  const add = (md5: string | undefined, hashName: HashName, source: string, flags: OutFlags) => {
    if (!md5 || !/^[0-9a-f]{32}(\.dir)?$/.test(md5)) return
    const key = hashName === 'md5' ? `md5:${md5}` : md5
    const seen = used.get(key)
    if (!seen) used.set(key, { md5, source, cached: flags.cache, push: flags.push, hashName })
    else {
      seen.cached ||= flags.cache
      seen.push &&= flags.push
    }
  }
  // a dvc.lock / .dvc file is parsed once per content (most checkpoints share most of them)
  const parsed = new Set<string>()
  const decoder = new TextDecoder()
  for (const commit of commits) {
    const files = await store.listFiles(commit)
    const ids = new Map(files.map((f) => [f.path, f.id]))
    for (const { path, id } of files) {
      const lock = baseName(path) === 'dvc.lock'
      if (!lock && !isDotDvc(path)) continue
      const yamlPath = `${dirOf(path)}dvc.yaml`
      const key = lock ? `${path}\0${id}\0${ids.get(yamlPath) ?? ''}` : `${path}\0${id}`
      if (parsed.has(key)) continue
      parsed.add(key)
      const bytes = await store.readFile(commit, path)
      if (!bytes) continue
      const text = decoder.decode(bytes)
      try {
        if (lock) {
          const yamlBytes = ids.has(yamlPath) ? await store.readFile(commit, yamlPath) : null
          const flags = yamlBytes ? outFlags(decoder.decode(yamlBytes), yamlPath) : new Map<string, Map<string, OutFlags>>()
          for (const [stage, entry] of parseLockfile(text, path).stages) {
            const stageFlags = flags.get(stage.split('@')[0]!)
            for (const out of entry.outs ?? []) {
              add(out.md5, hashNameOf(out), `${path}: ${out.path}`, stageFlags?.get(out.path) ?? { cache: true, push: true })
            }
          }
        } else {
          for (const out of parseDotDvc(text, path).stage.outs) {
            add(out.hash?.md5, hashNameOf(out.hash), `${path}: ${out.pathAsWritten}`, { cache: out.cache, push: out.push !== false })
          }
        }
      } catch (error) {
        if (!(error instanceof TrellisError)) throw error
        onWarning?.(`'${path}' of commit ${commit.slice(0, 7)} was skipped: ${error.message}`)
      }
    }
  }
  return used
}
