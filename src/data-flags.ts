/** Flags and output shared by `push`, `fetch`, `pull` and `checkout` (DVC 2.x's). */
import { Flags } from '@oclif/core'

export const revisionFlags = {
  'all-branches': Flags.boolean({ char: 'a', description: 'Also the outputs recorded in every branch tip.' }),
  'all-tags': Flags.boolean({ char: 'T', description: 'Also the outputs recorded in every tagged commit.' }),
  'all-commits': Flags.boolean({ char: 'A', description: 'Also the outputs recorded in every commit of branches, tags and remote-tracking refs.' }),
}

export const syncFlags = {
  ...revisionFlags,
  remote: Flags.string({ char: 'r', description: 'The DVC remote (default: core.remote).', helpValue: '<name>' }),
  jobs: Flags.integer({ char: 'j', min: 1, description: 'Parallel transfers (default 4).', helpValue: '<number>' }),
  recursive: Flags.boolean({ char: 'R', description: 'Directory targets select the stages inside them.' }),
}

export function syncOptions(
  flags: { 'all-branches'?: boolean; 'all-tags'?: boolean; 'all-commits'?: boolean; remote?: string; jobs?: number; recursive?: boolean },
  targets: string[],
) {
  return {
    targets,
    cwd: process.cwd(),
    recursive: flags.recursive,
    remote: flags.remote,
    jobs: flags.jobs,
    allBranches: flags['all-branches'],
    allTags: flags['all-tags'],
    allCommits: flags['all-commits'],
  }
}

/** DVC's `get_summary`: `1 file added, 2 files modified and 3 files fetched` (empty when nothing happened). */
export function summary(stats: Array<[string, number]>): string {
  const parts = stats.filter(([, n]) => n > 0).map(([state, n]) => `${n} file${n > 1 ? 's' : ''} ${state}`)
  if (parts.length <= 1) return parts.join('')
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`
}

/** DVC's `log_changes`: `A\tpath`, `M\tpath`, `D\tpath` lines (added, then modified, then deleted). */
export function changeLines(stats: { added: string[]; modified: string[]; deleted: string[] }): string[] {
  return [...stats.added.map((p) => `A\t${p}`), ...stats.modified.map((p) => `M\t${p}`), ...stats.deleted.map((p) => `D\t${p}`)]
}
