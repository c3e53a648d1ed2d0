/** The flags `exp push` and `exp pull` share, and how their outcome is printed. */
import { Flags } from '@oclif/core'
import type { ShareResult, SharedExperiment } from '@trellis/core'

export const shareFlags = {
  'all-commits': Flags.boolean({ char: 'A', description: 'Every experiment (of every baseline).' }),
  rev: Flags.string({ description: 'The experiments of this baseline commit (with -n, of its ancestors too).' }),
  num: Flags.integer({ char: 'n', description: 'With --rev: also the experiments of the N-1 commits before it.', default: 1, min: 1 }),
  force: Flags.boolean({ char: 'f', description: 'Overwrite an experiment ref that has diverged on the other side.' }),
  'no-cache': Flags.boolean({ description: 'Move the git refs only, not the cached data.' }),
  remote: Flags.string({ char: 'r', description: 'The DVC remote for the data (default: core.remote of .dvc/config).' }),
  jobs: Flags.integer({ char: 'j', description: 'Parallel data transfers (default 4).', min: 1 }),
}

export function shareOptions(flags: Record<string, unknown>, names: string[], onWarning: (m: string) => void) {
  return {
    names,
    all: !!flags['all-commits'],
    rev: flags.rev as string | undefined,
    num: flags.num as number | undefined,
    force: !!flags.force,
    noCache: !!flags['no-cache'],
    dvcRemote: flags.remote as string | undefined,
    jobs: flags.jobs as number | undefined,
    onWarning,
  }
}

const quoteList = (exps: SharedExperiment[]) => exps.map((e) => `'${e.name}'`).join(', ')
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** Lines describing what moved (failures and divergences were warned about as they happened). */
export function describeShare(result: ShareResult, direction: 'push' | 'pull'): string[] {
  const lines: string[] = []
  const by = (...statuses: string[]) => result.experiments.filter((e) => statuses.includes(e.status))
  const moved = by('created', 'updated', 'forced')
  const same = by('up-to-date')
  const ahead = by('ahead')
  const [verb, prep] = direction === 'push' ? ['Pushed', 'to'] : ['Pulled', 'from']
  if (moved.length) lines.push(`${verb} experiment${moved.length > 1 ? 's' : ''} ${quoteList(moved)} ${prep} Git remote '${result.gitRemote}'.`)
  if (same.length) lines.push(`Experiment${same.length > 1 ? 's' : ''} ${quoteList(same)} already up to date ${direction === 'push' ? 'on' : 'from'} Git remote '${result.gitRemote}'.`)
  if (ahead.length) lines.push(`Experiment${ahead.length > 1 ? 's' : ''} ${quoteList(ahead)} already contain${ahead.length > 1 ? '' : 's'} the remote's commits: kept as they are.`)
  if (!moved.length && !same.length && !ahead.length) lines.push(`No experiments were ${direction === 'push' ? 'pushed' : 'pulled'}.`)
  const cache = result.cache
  if (cache && (moved.length || same.length)) {
    if (cache.transferred) lines.push(`${plural(cache.transferred, 'file')} ${direction === 'push' ? 'pushed to' : 'fetched from'} DVC remote '${cache.remote}'.`)
    else if (!cache.failed.length) lines.push(`Data: everything is up to date ${direction === 'push' ? 'on' : 'from'} DVC remote '${cache.remote}'.`)
  }
  return lines
}
