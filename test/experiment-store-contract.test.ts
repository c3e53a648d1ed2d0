/** Two experiment stores pass the experiment-store contract: git-refs (DVC's refs/exps layout) and a minimal in-memory one. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runtimeApi as core } from '@trellis/core'
import { GitExperimentStore } from '@trellis/plugin-git-refs'
import { GitRefsRepository } from '../packages/plugin-git-refs/src/git-repository.js'
import { experimentStoreContract, gitIn } from './contracts/experiment-store-contract.js'
import { MemoryExperimentStore } from './contracts/memory-experiment-store.js'

experimentStoreContract('git-refs', (f, dirs) => ({
  store: new GitExperimentStore(new GitRefsRepository(f.dir, core), core),
  remote() {
    const bare = mkdtempSync(join(tmpdir(), 'trellis-store-remote-'))
    dirs.push(bare)
    gitIn(bare, 'init', '-q', '--bare')
    return bare
  },
}))

let remotes = 0
experimentStoreContract('in-memory (a second store, tests only)', (f) => ({
  store: new MemoryExperimentStore((sha) => gitIn(f.dir, 'rev-list', '--parents', '-n', '1', sha).split(' ')[1] ?? null),
  remote: () => `memory-remote-${++remotes}`,
}))
